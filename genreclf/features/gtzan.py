"""The 57 feature columns of the published GTZAN tables (``features_30_sec.csv``, ``features_3_sec.csv``).

The published tables were made the way the seed notebooks compute features: one librosa call per
feature, each recomputing an STFT, plus harmonic-percussive separation (HPSS) on the waveform, whose two
31-wide median filters dominate the cost. :func:`gtzan_features` computes every column from ONE STFT per
clip and replaces ``scipy.ndimage.median_filter`` by an exact running median (bottleneck), which gives the
same numbers (tests prove equality) several times faster.
"""
import numpy as np

import warnings

from .._defaults import HOP_LENGTH, N_FFT, SEGMENT_SAMPLES, SR
from .base import BaseAudioTransformer

__all__ = ["GTZAN_COLUMNS", "GTZANFeatures", "gtzan_features", "median_filter_reflect", "hpss"]

#: The 57 feature columns, in the order of the published tables.
GTZAN_COLUMNS = tuple(
    [f"{name}_{stat}" for name in ("chroma_stft", "rms", "spectral_centroid", "spectral_bandwidth", "rolloff",
                                   "zero_crossing_rate", "harmony", "perceptr") for stat in ("mean", "var")]
    + ["tempo"]
    + [f"mfcc{i}_{stat}" for i in range(1, 21) for stat in ("mean", "var")]
)


def median_filter_reflect(a, width, axis=-1):
    """Running median of odd ``width`` along ``axis`` with mirrored edges.

    Equal to ``scipy.ndimage.median_filter(a, size=...)`` with a kernel of ``width`` along ``axis`` and
    ``mode="reflect"`` (the call inside ``librosa.decompose.hpss``), computed with bottleneck's
    O(n log width) moving median instead of scipy's O(n width) selection.
    """
    import bottleneck as bn

    if width % 2 != 1:
        raise ValueError(f"width={width} must be odd")
    half = width // 2
    a = np.moveaxis(a, axis, -1)
    n = a.shape[-1]
    if half >= n:  # the mirror is wider than the signal: keep scipy's exact semantics for tiny inputs
        from scipy.ndimage import median_filter

        return np.moveaxis(median_filter(a, size=[1] * (a.ndim - 1) + [width], mode="reflect"), -1, axis)
    padded = np.ascontiguousarray(np.pad(a, [(0, 0)] * (a.ndim - 1) + [(half, half)], mode="symmetric"))
    out = bn.move_median(padded, window=width, axis=-1)[..., 2 * half:]
    return np.moveaxis(out.astype(a.dtype, copy=False), -1, axis)


def hpss(stft, kernel_size=31):
    """Harmonic and percussive parts of a complex STFT, exactly as ``librosa.decompose.hpss(stft)``.

    Returns ``(stft_harmonic, stft_percussive)``.
    """
    import librosa

    S, phase = librosa.magphase(stft)
    harm = median_filter_reflect(S, kernel_size, axis=-1)
    perc = median_filter_reflect(S, kernel_size, axis=-2)
    mask_harm = librosa.util.softmask(harm, perc, power=2.0, split_zeros=True)
    mask_perc = librosa.util.softmask(perc, harm, power=2.0, split_zeros=True)
    return (S * mask_harm) * phase, (S * mask_perc) * phase


def _mean_var(x):
    x = np.asarray(x, dtype=np.float64)
    return [x.mean(), x.var()]


def gtzan_features(y, sr=SR, *, n_fft=N_FFT, hop_length=HOP_LENGTH):
    """The 57 published GTZAN features of one signal, from one STFT.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float32
        A mono signal at ``sr`` Hz (the published tables: 22,050 Hz, 30 s or 66,149-sample segments).

    Returns
    -------
    np.ndarray [shape=(57,)], float64, in the order of :data:`GTZAN_COLUMNS`.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).normal(scale=0.1, size=66149).astype(np.float32)
    >>> gtzan_features(y).shape
    (57,)
    """
    import librosa

    stft = librosa.stft(y, n_fft=n_fft, hop_length=hop_length)
    mag = np.abs(stft)
    power = mag ** 2
    kw = dict(sr=sr, n_fft=n_fft, hop_length=hop_length)
    chroma = librosa.feature.chroma_stft(S=power, **kw)
    rms = librosa.feature.rms(y=y, frame_length=n_fft, hop_length=hop_length)
    centroid = librosa.feature.spectral_centroid(S=mag, **kw)
    bandwidth = librosa.feature.spectral_bandwidth(S=mag, **kw)
    rolloff = librosa.feature.spectral_rolloff(S=mag, **kw)
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop_length)
    # HPSS: the soft masks sum to one, so percussive = istft(stft) - harmonic (one inverse STFT saved)
    stft_harm, _ = hpss(stft)
    harmonic = librosa.istft(stft_harm, hop_length=hop_length, n_fft=n_fft, length=len(y))
    percussive = librosa.istft(stft, hop_length=hop_length, n_fft=n_fft, length=len(y)) - harmonic
    # mel spectrogram shared by tempo (onset strength) and MFCC, as librosa computes each from y
    log_mel = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr))
    onset = librosa.onset.onset_strength(S=log_mel, sr=sr, n_fft=n_fft, hop_length=hop_length)
    tempo = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=hop_length))[0])
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=20)
    values = (_mean_var(chroma) + _mean_var(rms) + _mean_var(centroid) + _mean_var(bandwidth)
              + _mean_var(rolloff) + _mean_var(zcr) + _mean_var(harmonic) + _mean_var(percussive) + [tempo])
    for row in mfcc:
        values += _mean_var(row)
    return np.asarray(values, dtype=np.float64)


class GTZANFeatures(BaseAudioTransformer):
    """The 57 feature columns of the published GTZAN tables, one row per clip.

    Columns (:data:`GTZAN_COLUMNS`): ``chroma_stft_mean`` ... ``zero_crossing_rate_var``,
    ``harmony_*`` / ``perceptr_*`` (mean and variance of the harmonic and percussive signals from
    harmonic-percussive separation), ``tempo``, ``mfcc1_mean`` ... ``mfcc20_var`` — the names of
    ``features_30_sec.csv``, so a table made from your own audio lines up with the published one.
    Every column is computed from one STFT per clip.

    Parameters
    ----------
    segments : int > 0 or None, default=None
        ``None``: one row of 57 features per clip (the 30 s table), shape ``(n_clips, 57)``.
        An int ``k``: features of the first ``k`` consecutive segments of ``segment_samples`` samples of
        each clip, shape ``(n_clips, k, 57)`` — the published 3 s table is ``segments=10`` (segment ``j``
        of ``blues.00042.wav`` is its row ``blues.00042.j.wav``). One row of ``X`` stays one clip, so
        cross-validation cannot split a song's segments; a segment that does not fit in a clip is NaN
        (with a warning). ``genreclf.datasets.segment_table`` flattens the result into the published layout.
    segment_samples : int > 0, default=66149
        Length of one segment; the published 3 s segments are 66,149 samples at 22,050 Hz.
    input, sr, offset, duration, n_jobs, memory, on_error, verbose
        See :class:`~genreclf.features.base.BaseAudioTransformer`. The published tables use
        ``sr=22050`` and each file's own length (``duration=None``).

    Examples
    --------
    >>> import numpy as np
    >>> noise = np.random.default_rng(0).normal(scale=0.1, size=(2, 22050)).astype(np.float32)
    >>> T = GTZANFeatures().set_output(transform="pandas").fit_transform(noise)
    >>> T.shape, T.columns[0], T.columns[-1]
    ((2, 57), 'chroma_stft_mean', 'mfcc20_var')
    """

    def __init__(self, *, segments=None, segment_samples=SEGMENT_SAMPLES, input="auto", sr=SR, offset=0.0,
                 duration=None, n_jobs=None, memory=None, on_error="raise", verbose=0):
        self.segments = segments
        self.segment_samples = segment_samples
        self.input = input
        self.sr = sr
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        if self.segments is not None and not (isinstance(self.segments, (int, np.integer)) and self.segments > 0):
            raise ValueError(f"segments={self.segments!r} must be a positive int or None")
        if not (isinstance(self.segment_samples, (int, np.integer)) and self.segment_samples >= N_FFT):
            raise ValueError(f"segment_samples={self.segment_samples!r} must be an int >= {N_FFT} (one FFT window)")

    def _extract(self, y):
        if self.segments is None:
            return gtzan_features(y, self.sr)
        out = np.full((self.segments, len(GTZAN_COLUMNS)), np.nan)
        n_fit = min(self.segments, len(y) // self.segment_samples)
        for k in range(n_fit):
            out[k] = gtzan_features(y[k * self.segment_samples:(k + 1) * self.segment_samples], self.sr)
        if n_fit < self.segments:
            warnings.warn(f"a clip of {len(y)} samples holds {n_fit} of {self.segments} segments of "
                          f"{self.segment_samples} samples; the other {self.segments - n_fit} are NaN", stacklevel=2)
        return out

    def _coef_names(self):
        return list(GTZAN_COLUMNS)
