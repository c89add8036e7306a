"""Defaults shared by every module: one constant each, imported, never copied."""

#: Sample rate of GTZAN and of every feature table derived from it (Hz).
SR = 22050
#: STFT window and hop used by librosa's defaults and by the published GTZAN tables.
N_FFT = 2048
HOP_LENGTH = 512
#: Length of one published 3-second segment of the GTZAN tables (samples at 22,050 Hz) ...
SEGMENT_SAMPLES = 66149
#: ... and the distance between segment starts (3 s).
SEGMENT_HOP = 3 * SR
