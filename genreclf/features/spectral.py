"""librosa features as scikit-learn transformers: MFCC, mel spectrogram, chroma, spectral shape, tempo.

Each computes its STFT once per clip and passes it to librosa's ``S=`` arguments, so the values are
exactly those of the direct librosa calls on the waveform.
"""
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .._defaults import HOP_LENGTH, N_FFT, SR
from .base import BaseAudioTransformer, FrameFeatureTransformer

__all__ = ["MFCCTransformer", "MelSpectrogramTransformer", "ChromaTransformer", "SpectralTransformer",
           "TempoTransformer", "SPECTRAL_FEATURES"]

#: Frame features of :class:`SpectralTransformer`, named as in the published GTZAN tables.
SPECTRAL_FEATURES = ("spectral_centroid", "spectral_bandwidth", "rolloff", "zero_crossing_rate", "rms")


def _check_mel_bands(estimator, fmin=0.0, fmax=None):
    """Warn (once per ``transform``, naming the parameters) when the STFT is too coarse for ``n_mels`` bands: the empty
    bands would be all-zero columns, which librosa only says for every clip, without saying what to change."""
    import librosa

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        basis = librosa.filters.mel(sr=estimator.sr, n_fft=estimator.n_fft, n_mels=estimator.n_mels, fmin=fmin,
                                    fmax=fmax)
    empty = int(np.sum(~basis.any(axis=1)))
    if empty:
        warnings.warn(f"{type(estimator).__name__}: with n_fft={estimator.n_fft} at sr={estimator.sr}, {empty} of the "
                      f"n_mels={estimator.n_mels} mel bands are empty (their values are all zero): use a larger n_fft "
                      "or fewer n_mels", UserWarning, stacklevel=4)


class MFCCTransformer(FrameFeatureTransformer):
    """Mel-frequency cepstral coefficients of each clip, as ``librosa.feature.mfcc``.

    Parameters
    ----------
    n_mfcc : int > 0, default=20
        Number of coefficients.
    n_mels : int > 0, default=128
        Mel bands of the underlying mel spectrogram.
    n_fft, hop_length : int > 0, default=2048, 512
        STFT window and hop (samples).
    summary : None or str or tuple of str, default=None
        ``None``: 3-D frames ``(n_clips, n_frames, n_mfcc)``. ``"mean_var"`` (or any of
        ``mean, var, std, min, max, median``): a 2-D table with columns ``mfcc1_mean, mfcc1_var, ...``.
    input, sr, offset, duration, n_jobs, memory, on_error, verbose
        See :class:`~genreclf.features.base.BaseAudioTransformer`.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(22050) / 22050
    >>> tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    >>> MFCCTransformer(n_mfcc=13).fit_transform([tone]).shape      # 1 clip, 44 frames, 13 coefficients
    (1, 44, 13)
    >>> MFCCTransformer(n_mfcc=2, summary="mean_var").fit([tone]).get_feature_names_out().tolist()
    ['mfcc1_mean', 'mfcc1_var', 'mfcc2_mean', 'mfcc2_var']
    """

    def __init__(self, n_mfcc=20, *, n_mels=128, n_fft=N_FFT, hop_length=HOP_LENGTH, summary=None,
                 input="auto", sr=SR, offset=0.0, duration=None, n_jobs=None, memory=None, on_error="raise",
                 verbose=0):
        self.n_mfcc = n_mfcc
        self.n_mels = n_mels
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.summary = summary
        self.input = input
        self.sr = sr
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    _parameter_constraints = {
        **FrameFeatureTransformer._parameter_constraints,
        "n_mfcc": [Interval(Integral, 1, None, closed="left")],
        "n_mels": [Interval(Integral, 1, None, closed="left")],
    }

    def _check_params(self):
        super()._check_params()
        if self.n_mfcc > self.n_mels:
            raise ValueError(f"MFCCTransformer: n_mfcc={self.n_mfcc} is more than n_mels={self.n_mels}: the "
                             "coefficients are a DCT of the mel bands, so there are at most n_mels of them; lower "
                             "n_mfcc or raise n_mels")

    def _warn_about_setting(self):
        _check_mel_bands(self)

    def _extract(self, y):
        import librosa

        mel = librosa.feature.melspectrogram(S=self._stft_power(y), sr=self.sr, n_mels=self.n_mels)
        return librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=self.n_mfcc).T

    def _coef_names(self):
        return [f"mfcc{i + 1}" for i in range(self.n_mfcc)]


class MelSpectrogramTransformer(FrameFeatureTransformer):
    """Mel spectrogram of each clip (power, in dB by default), as ``librosa.feature.melspectrogram``.

    Parameters
    ----------
    n_mels : int > 0, default=128
    log : bool, default=True
        Convert power to decibels (``librosa.power_to_db``, ref=1).
    fmin, fmax : float >= 0 or None, default=0, None (= sr / 2)
    n_fft, hop_length, summary, input, sr, offset, duration, n_jobs, memory, on_error, verbose
        As in :class:`MFCCTransformer`.

    Examples
    --------
    >>> import numpy as np
    >>> noise = np.random.default_rng(0).normal(size=(2, 22050)).astype(np.float32)
    >>> MelSpectrogramTransformer(n_mels=64).fit_transform(noise).shape
    (2, 44, 64)
    """

    def __init__(self, n_mels=128, *, log=True, fmin=0.0, fmax=None, n_fft=N_FFT, hop_length=HOP_LENGTH,
                 summary=None, input="auto", sr=SR, offset=0.0, duration=None, n_jobs=None, memory=None,
                 on_error="raise", verbose=0):
        self.n_mels = n_mels
        self.log = log
        self.fmin = fmin
        self.fmax = fmax
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.summary = summary
        self.input = input
        self.sr = sr
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    _parameter_constraints = {
        **FrameFeatureTransformer._parameter_constraints,
        "n_mels": [Interval(Integral, 1, None, closed="left")],
        "log": ["boolean"],
        "fmin": [Interval(Real, 0, None, closed="left")],
        "fmax": [Interval(Real, 0, None, closed="neither"), None],
    }

    def _warn_about_setting(self):
        _check_mel_bands(self, self.fmin, self.fmax)

    def _extract(self, y):
        import librosa

        mel = librosa.feature.melspectrogram(S=self._stft_power(y), sr=self.sr, n_mels=self.n_mels,
                                             fmin=self.fmin, fmax=self.fmax)
        return (librosa.power_to_db(mel) if self.log else mel).T

    def _coef_names(self):
        return [f"mel{i + 1}" for i in range(self.n_mels)]


class ChromaTransformer(FrameFeatureTransformer):
    """Chromagram of each clip, as ``librosa.feature.chroma_stft`` (tuning estimated per clip).

    Parameters
    ----------
    n_chroma : int > 0, default=12
    n_fft, hop_length, summary, input, sr, offset, duration, n_jobs, memory, on_error, verbose
        As in :class:`MFCCTransformer`. Columns are ``chroma1`` (C) ... ``chroma12`` (B).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(22050) / 22050
    >>> a440 = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    >>> c = ChromaTransformer(summary="mean").fit_transform([a440])
    >>> int(c.argmax())      # pitch class A
    9
    """

    def __init__(self, n_chroma=12, *, n_fft=N_FFT, hop_length=HOP_LENGTH, summary=None, input="auto", sr=SR,
                 offset=0.0, duration=None, n_jobs=None, memory=None, on_error="raise", verbose=0):
        self.n_chroma = n_chroma
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.summary = summary
        self.input = input
        self.sr = sr
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    _parameter_constraints = {
        **FrameFeatureTransformer._parameter_constraints,
        "n_chroma": [Interval(Integral, 1, None, closed="left")],
    }

    def _extract(self, y):
        import librosa

        return librosa.feature.chroma_stft(S=self._stft_power(y), sr=self.sr, n_chroma=self.n_chroma).T

    def _coef_names(self):
        return [f"chroma{i + 1}" for i in range(self.n_chroma)]


class SpectralTransformer(FrameFeatureTransformer):
    """Spectral shape per frame: centroid, bandwidth, roll-off, zero-crossing rate and RMS.

    Centroid, bandwidth and roll-off come from one magnitude STFT; zero-crossing rate and RMS are
    computed on the waveform frames, exactly as ``librosa.feature.zero_crossing_rate(y)`` and
    ``librosa.feature.rms(y=y)`` (what the published GTZAN tables use).

    Parameters
    ----------
    features : tuple of str, default=all of :data:`SPECTRAL_FEATURES`
        A subset of ``spectral_centroid, spectral_bandwidth, rolloff, zero_crossing_rate, rms``.
    roll_percent : float in (0, 1), default=0.85
    n_fft, hop_length, summary, input, sr, offset, duration, n_jobs, memory, on_error, verbose
        As in :class:`MFCCTransformer`.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(22050) / 22050
    >>> tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    >>> X = SpectralTransformer(features=("spectral_centroid",), summary="mean").fit_transform([tone])
    >>> bool(abs(X[0, 0] - 1000) < 50)
    True
    """

    def __init__(self, features=SPECTRAL_FEATURES, *, roll_percent=0.85, n_fft=N_FFT, hop_length=HOP_LENGTH,
                 summary=None, input="auto", sr=SR, offset=0.0, duration=None, n_jobs=None, memory=None,
                 on_error="raise", verbose=0):
        self.features = features
        self.roll_percent = roll_percent
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.summary = summary
        self.input = input
        self.sr = sr
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    _parameter_constraints = {
        **FrameFeatureTransformer._parameter_constraints,
        "features": [list, tuple],
        "roll_percent": [Interval(Real, 0, 1, closed="neither")],
    }

    def _check_params(self):
        super()._check_params()
        unknown = [f for f in self.features if f not in SPECTRAL_FEATURES] if not isinstance(
            self.features, str) else [self.features]
        if unknown or not len(self.features):
            raise ValueError(f"features={self.features!r} is not valid: choose a non-empty tuple among "
                             f"{SPECTRAL_FEATURES}")

    def _extract(self, y):
        import librosa

        S = self._stft_power(y, power=1.0) if {"spectral_centroid", "spectral_bandwidth",
                                               "rolloff"} & set(self.features) else None
        kw = dict(sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length)
        compute = {
            "spectral_centroid": lambda: librosa.feature.spectral_centroid(S=S, **kw),
            "spectral_bandwidth": lambda: librosa.feature.spectral_bandwidth(S=S, **kw),
            "rolloff": lambda: librosa.feature.spectral_rolloff(S=S, roll_percent=self.roll_percent, **kw),
            "zero_crossing_rate": lambda: librosa.feature.zero_crossing_rate(
                y, frame_length=self.n_fft, hop_length=self.hop_length),
            "rms": lambda: librosa.feature.rms(y=y, frame_length=self.n_fft, hop_length=self.hop_length),
        }
        return np.concatenate([compute[f]() for f in self.features], axis=0).T

    def _coef_names(self):
        return list(self.features)


class TempoTransformer(BaseAudioTransformer):
    """Global tempo (BPM) of each clip, as ``librosa.feature.tempo(y=y, sr=sr)``; one column ``tempo``.

    Parameters
    ----------
    start_bpm : float > 0, default=120
        Prior centre of the tempo estimate.
    n_fft, hop_length : int > 0, default=2048, 512
    input, sr, offset, duration, n_jobs, memory, on_error, verbose
        See :class:`~genreclf.features.base.BaseAudioTransformer`.

    Examples
    --------
    >>> import numpy as np
    >>> clicks = np.zeros(22050 * 8, dtype=np.float32)
    >>> clicks[::11025] = 1.0                                       # a click every 0.5 s: 120 BPM
    >>> bpm = TempoTransformer().fit_transform([clicks])[0, 0]     # librosa's tempo grid: 117.45 BPM
    >>> bool(abs(bpm - 120) < 5)
    True
    """

    def __init__(self, *, start_bpm=120.0, n_fft=N_FFT, hop_length=HOP_LENGTH, input="auto", sr=SR, offset=0.0,
                 duration=None, n_jobs=None, memory=None, on_error="raise", verbose=0):
        self.start_bpm = start_bpm
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.input = input
        self.sr = sr
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    _parameter_constraints = {
        **BaseAudioTransformer._parameter_constraints,
        "start_bpm": [Interval(Real, 0, None, closed="neither")],
        "n_fft": [Interval(Integral, 1, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
    }

    def _extract(self, y):
        import librosa

        onset = librosa.onset.onset_strength(y=y, sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length)
        tempo = librosa.feature.tempo(onset_envelope=onset, sr=self.sr, hop_length=self.hop_length,
                                      start_bpm=self.start_bpm)
        return np.atleast_1d(tempo)[:1].astype(np.float64)

    def _coef_names(self):
        return ["tempo"]
