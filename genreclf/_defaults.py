"""Defaults shared by every module: one constant each, imported, never copied."""

#: Sample rate of GTZAN and of every feature table derived from it (Hz).
SR = 22050
#: STFT window and hop used by librosa's defaults and by the published GTZAN tables.
N_FFT = 2048
HOP_LENGTH = 512
#: A 30 s GTZAN clip is classified in segments of 3 s ...
SEGMENT_SECONDS = 3
#: ... which start every 3 s ...
SEGMENT_HOP = SEGMENT_SECONDS * SR
#: ... and, in the published 3-second GTZAN table, are 66,149 samples long (one short of 3 s at 22,050 Hz).
SEGMENT_SAMPLES = 66149
#: The ten genres of GTZAN, sorted: the ``classes_`` of every model trained on it.
GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
