"""The 57 feature columns of the published GTZAN tables (``features_30_sec.csv``, ``features_3_sec.csv``).

The published tables were made the way the seed notebooks compute features: one librosa call per
feature, each recomputing an STFT, plus harmonic-percussive separation (HPSS) on the waveform, whose two
31-wide median filters dominate the cost. :func:`gtzan_features` computes every column from ONE STFT per
clip and replaces ``scipy.ndimage.median_filter`` by an exact running median (bottleneck), which gives the
same numbers (tests prove equality) several times faster.
"""
import warnings

import numpy as np

from .._defaults import HOP_LENGTH, N_FFT, SEGMENT_HOP, SEGMENT_SAMPLES, SR
from .._deprecation import DEPRECATED, renamed_param
from ..segments import IncompleteSegmentsWarning, cut_segments
from .base import BaseAudioTransformer

__all__ = ["GTZAN_COLUMNS", "GTZANFeatures", "gtzan_features", "median_filter_reflect", "harmonic_stft", "istft",
           "zero_crossing_rate", "spectral_shape", "estimate_tuning"]

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
    padded = np.empty(a.shape[:-1] + (n + 2 * half,), dtype=a.dtype)   # symmetric padding, by hand:
    padded[..., half:half + n] = a                                       # np.pad is several times slower
    padded[..., :half] = a[..., half - 1::-1] if half else padded[..., :0]
    padded[..., half + n:] = a[..., :n - half - 1:-1] if half else padded[..., :0]
    out = bn.move_median(padded, window=width, axis=-1)[..., 2 * half:]
    return np.moveaxis(out.astype(a.dtype, copy=False), -1, axis)


def _harmonic_part(stft, harm, perc):
    """``stft *= softmask(harm, perc, power=2, split_zeros=True)`` in one pass (numba, in place)."""
    from numba import njit

    global _harmonic_part_kernel
    if _harmonic_part_kernel is None:
        # no cache=True: numba would write the compiled kernel into this package's __pycache__, and the package
        # must stay as installed (read-only site-packages; leftovers shadowed a later editable install, issue 25)
        @njit(nogil=True)
        def kernel(stft, harm, perc, tiny):
            for i in range(stft.shape[0]):
                for j in range(stft.shape[1]):
                    h, p = harm[i, j], perc[i, j]
                    z = max(h, p)
                    if z < tiny:
                        stft[i, j] *= 0.5
                    else:
                        h, p = h / z, p / z
                        stft[i, j] *= (h * h) / (h * h + p * p)
        _harmonic_part_kernel = kernel
    if stft.flags.f_contiguous:  # librosa's STFT: walk memory in order
        harm, perc = np.asfortranarray(harm), np.asfortranarray(perc)
        _harmonic_part_kernel(stft.T, harm.T, perc.T, np.finfo(harm.dtype).tiny)
    else:
        _harmonic_part_kernel(stft, harm, perc, np.finfo(harm.dtype).tiny)
    return stft


_harmonic_part_kernel = None


def harmonic_stft(stft, S=None, kernel_size=31):
    """The harmonic part of a complex STFT, as ``librosa.decompose.hpss(stft)[0]``, computed in place.

    librosa multiplies the STFT by the soft mask ``H**2 / (H**2 + P**2)`` (H, P: the magnitude median
    filtered along time and along frequency; zero bins split evenly); the percussive part is the STFT
    times the complement. ``S`` is ``abs(stft)`` if already computed.
    """
    S = np.abs(stft) if S is None else S
    harm = median_filter_reflect(S, kernel_size, axis=-1)
    perc = median_filter_reflect(S, kernel_size, axis=-2)
    return _harmonic_part(stft, harm, perc)


def istft(stft, *, n_fft=N_FFT, hop_length=HOP_LENGTH, length=None):
    """``librosa.istft(stft, n_fft=n_fft, hop_length=hop_length, length=length)`` (Hann, centred).

    When the hop divides the window (librosa's default quarter hop), overlap-add is ``n_fft // hop``
    shifted block sums of one batched inverse FFT; other hops use librosa itself.
    """
    import librosa
    import scipy.fft

    n_frames = stft.shape[-1]
    if stft.ndim != 2 or n_fft % hop_length or length is None:
        return librosa.istft(stft, n_fft=n_fft, hop_length=hop_length, length=length)
    n_frames = min(n_frames, int(np.ceil((length + 2 * (n_fft // 2)) / hop_length)))
    window = librosa.filters.get_window("hann", n_fft, fftbins=True).astype(np.float32)
    frames = scipy.fft.irfft(np.ascontiguousarray(stft[:, :n_frames].T), n=n_fft, axis=-1)
    frames *= window                                              # (n_frames, n_fft)
    ratio = n_fft // hop_length
    blocks = np.zeros((n_frames + ratio - 1, hop_length), dtype=frames.dtype)
    parts = frames.reshape(n_frames, ratio, hop_length)
    for k in range(ratio):
        blocks[k:k + n_frames] += parts[:, k]
    y = blocks.ravel()
    wss = librosa.filters.window_sumsquare(window="hann", n_frames=n_frames, hop_length=hop_length,
                                           win_length=n_fft, n_fft=n_fft, dtype=y.dtype)
    nonzero = wss > np.finfo(wss.dtype).tiny
    y[nonzero] /= wss[nonzero]
    start = n_fft // 2
    return librosa.util.fix_length(y[start:start + length], size=length)


def zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP_LENGTH, threshold=1e-10):
    """``librosa.feature.zero_crossing_rate(y)`` (centred frames, edge padding) from one cumulative sum.

    librosa counts, per frame, the sign changes between consecutive samples of the frame (``pad=False``);
    counting them once over the signal and differencing a cumulative sum gives the same integers.
    """
    half = frame_length // 2
    padded = np.pad(y, (half, half), mode="edge")
    negative = padded < -threshold                       # signbit after zeroing |y| <= threshold
    crossings = np.concatenate(([0], np.cumsum(negative[1:] != negative[:-1])))
    n_frames = 1 + (len(padded) - frame_length) // hop_length
    starts = np.arange(n_frames) * hop_length
    counts = crossings[starts + frame_length - 1] - crossings[starts]
    return (counts / frame_length)[np.newaxis, :]


def spectral_shape(S, sr=SR, n_fft=N_FFT, roll_percent=0.85):
    """Spectral centroid, bandwidth and roll-off of a magnitude spectrogram, from one moment product.

    Equal (to float rounding) to ``librosa.feature.spectral_centroid(S=S)``, ``spectral_bandwidth(S=S)``
    and ``spectral_rolloff(S=S)``, which each normalise and sweep ``S`` separately: the centroid is
    ``M1/M0`` and the squared bandwidth ``M2/M0 - centroid**2`` with ``Mk = sum_f S f**k``. Like
    librosa, a frame whose total magnitude is below float32 ``tiny`` is not normalised.

    Returns ``(centroid, bandwidth, rolloff)``, each of shape ``(1, n_frames)``.
    """
    import librosa

    freq = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    m0, m1, m2 = np.stack([np.ones_like(freq), freq, freq ** 2]) @ S.astype(np.float64)
    norm = np.where(m0 < np.finfo(S.dtype).tiny, 1.0, m0)
    centroid = m1 / norm
    bandwidth = np.sqrt(np.maximum(m2 / norm - 2 * centroid * m1 / norm + centroid ** 2 * m0 / norm, 0.0))
    cumulative = np.cumsum(S, axis=-2)
    rolloff = freq[np.argmax(cumulative >= roll_percent * cumulative[-1], axis=-2)]
    return centroid[np.newaxis], bandwidth[np.newaxis], rolloff[np.newaxis]


def estimate_tuning(power, sr=SR, n_fft=N_FFT, *, fmin=150.0, fmax=4000.0, threshold=0.1, bins_per_octave=12):
    """``librosa.estimate_tuning(S=power, sr=sr)`` computed on the pitch-tracking band only.

    librosa's ``piptrack`` interpolates and peak-picks the whole spectrogram, then keeps the bins in
    ``[fmin, fmax)``; every step is local in frequency (a bin and its two neighbours), so the band plus one
    bin on each side gives the same peaks and the same tuning at a fraction of the cost.
    """
    import librosa

    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    band = np.flatnonzero((max(fmin, 0) <= freqs) & (freqs < min(fmax, sr / 2)))
    try:
        from librosa.core.pitch import _parabolic_interpolation
    except ImportError:  # pragma: no cover - private helper moved: fall back to the full computation
        _parabolic_interpolation = None
    if _parabolic_interpolation is None or len(band) == 0 or band[0] < 1 or band[-1] + 2 > power.shape[-2]:
        return librosa.estimate_tuning(S=power, sr=sr, n_fft=n_fft, bins_per_octave=bins_per_octave)
    lo, hi = band[0], band[-1] + 1
    sub = power[lo - 1:hi + 1]                                   # the band and one neighbour each side
    ref = threshold * power.max(axis=-2, keepdims=True)
    avg = np.gradient(sub, axis=-2)[1:-1]
    shift = _parabolic_interpolation(sub, axis=-2)[1:-1]
    gated = sub * (sub > ref)
    inner = gated[1:-1]
    peaks = (inner > gated[:-2]) & (inner >= gated[2:])           # librosa.util.localmax along frequency
    rows, cols = np.nonzero(peaks)
    pitch = (rows + lo + shift[rows, cols]) * float(sr) / n_fft
    mag = sub[1:-1][rows, cols] + 0.5 * avg[rows, cols] * shift[rows, cols]
    positive = pitch > 0
    level = np.median(mag[positive]) if positive.any() else 0.0
    return librosa.pitch_tuning(pitch[(mag >= level) & positive], resolution=0.01,
                                bins_per_octave=bins_per_octave)


def _mean_var(x):
    x = np.asarray(x, dtype=np.float64)
    return [x.mean(), x.var()]


#: How each ``compat`` setting computes: STFT/RMS padding, and whether the harmonic and percussive signals
#: stop after the last full hop (librosa < 0.10 ``effects.hpss``: ``fix_length(istft(H), len(y))``).
COMPAT = {"published": {"pad_mode": "reflect", "hpss_full_length": False},
          "librosa": {"pad_mode": "constant", "hpss_full_length": True}}


def gtzan_features(y, sr=SR, *, n_fft=N_FFT, hop_length=HOP_LENGTH, compat="published"):
    """The 57 published GTZAN features of one signal, from one STFT.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float32
        A mono signal at ``sr`` Hz (the published tables: 22,050 Hz, 30 s or 66,149-sample segments).
    compat : {"published", "librosa"}
        ``"published"`` reproduces the Kaggle tables, made with librosa < 0.10: STFT and RMS frames padded
        by reflection, harmonic/percussive signals zero after the last full hop. ``"librosa"`` equals the
        same per-feature calls with today's librosa defaults (zero padding, full-length HPSS signals).

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

    if compat not in COMPAT:
        raise ValueError(f"compat={compat!r} is not valid: use one of {sorted(COMPAT)}")
    pad_mode, full_length = COMPAT[compat]["pad_mode"], COMPAT[compat]["hpss_full_length"]
    stft = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, pad_mode=pad_mode)
    mag = np.abs(stft)
    power = mag ** 2
    kw = dict(sr=sr, n_fft=n_fft, hop_length=hop_length)
    chroma = librosa.feature.chroma_stft(S=power, tuning=estimate_tuning(power, sr, n_fft), **kw)
    rms = librosa.feature.rms(y=y, frame_length=n_fft, hop_length=hop_length, pad_mode=pad_mode)
    centroid, bandwidth, rolloff = spectral_shape(mag, sr, n_fft)
    zcr = zero_crossing_rate(y, n_fft, hop_length)
    # HPSS: the soft masks sum to one and istft(stft(y)) == y, so percussive = y - harmonic (one iSTFT)
    n_keep = len(y) if full_length else hop_length * (stft.shape[-1] - 1)
    harmonic = np.zeros_like(y)
    harmonic[:n_keep] = istft(harmonic_stft(stft, mag), n_fft=n_fft, hop_length=hop_length, length=n_keep)
    percussive = np.zeros_like(y)
    percussive[:n_keep] = y[:n_keep] - harmonic[:n_keep]
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
    compat : {"published", "librosa"}, default="published"
        ``"published"`` reproduces the Kaggle tables, which were made with librosa < 0.10 (reflection
        padding of STFT and RMS frames; harmonic/percussive signals zero after the last full hop).
        ``"librosa"`` gives what the same per-feature calls give with today's librosa defaults.
    n_segments : int > 0 or None, default=None
        ``None``: one row of 57 features per clip (the 30 s table), shape ``(n_clips, 57)``.
        An int ``k``: features of the first ``k`` segments of each clip, shape ``(n_clips, k, 57)``;
        segment ``j`` is ``y[j * segment_hop : j * segment_hop + segment_samples]``
        (:func:`genreclf.segments.cut_segments`), computed when the clip extends beyond ``(j + 1) * segment_hop``
        samples (as the published table's script did). The published 3 s table is ``n_segments=10`` (segment
        ``j`` of ``blues.00042.wav`` is its row ``blues.00042.j.wav``). One row of ``X`` stays one clip, so
        cross-validation cannot split a song's segments; a segment that does not fit in a clip is NaN (with an
        :class:`IncompleteSegmentsWarning`). :func:`genreclf.datasets.segment_table` flattens the result into
        the published layout.
    segments : int > 0 or None
        Deprecated since 0.2: the old name of ``n_segments``.
    segment_samples : int >= 2048, default=66149
        Length of one segment; the published 3 s segments are 66,149 samples at 22,050 Hz.
    segment_hop : int > 0, default=66150
        Start-to-start distance of segments: 3 s at 22,050 Hz in the published table.
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

    def __init__(self, *, compat="published", n_segments=None, segment_samples=SEGMENT_SAMPLES,
                 segment_hop=SEGMENT_HOP, input="auto", sr=SR, offset=0.0, duration=None, n_jobs=None, memory=None,
                 on_error="raise", verbose=0, segments=DEPRECATED):
        self.compat = compat
        self.n_segments = n_segments
        self.segment_samples = segment_samples
        self.segment_hop = segment_hop
        self.input = input
        self.sr = sr
        self.offset = offset
        self.duration = duration
        self.n_jobs = n_jobs
        self.memory = memory
        self.on_error = on_error
        self.verbose = verbose
        self.segments = segments

    def _n_segments(self):
        return renamed_param(self, "segments", "n_segments", warn=False)

    def _check_params(self):
        super()._check_params()
        n = renamed_param(self, "segments", "n_segments")
        if n is not None and not (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0):
            raise ValueError(f"n_segments={n!r} must be a positive int or None")
        if not (isinstance(self.segment_samples, (int, np.integer)) and self.segment_samples >= N_FFT):
            raise ValueError(f"segment_samples={self.segment_samples!r} must be an int >= {N_FFT} (one FFT window)")
        if not (isinstance(self.segment_hop, (int, np.integer)) and self.segment_hop > 0):
            raise ValueError(f"segment_hop={self.segment_hop!r} must be a positive int")
        if self.compat not in COMPAT:
            raise ValueError(f"compat={self.compat!r} is not valid: use one of {sorted(COMPAT)}")

    def _extract(self, y):
        n_segments = self._n_segments()
        if n_segments is None:
            return gtzan_features(y, self.sr, compat=self.compat)
        out = np.full((n_segments, len(GTZAN_COLUMNS)), np.nan)
        hop, size = self.segment_hop, self.segment_samples
        # the published script computed segment k only when the clip extends beyond (k + 1) * hop samples
        n_fit = sum(1 for k in range(n_segments) if (k + 1) * hop < len(y) and k * hop + size <= len(y))
        if n_fit:
            for k, segment in enumerate(cut_segments(y, size, n_segments=n_fit, hop=hop)):
                out[k] = gtzan_features(segment, self.sr, compat=self.compat)
        if n_fit < n_segments:
            warnings.warn(IncompleteSegmentsWarning(
                f"a clip of {len(y)} samples holds {n_fit} of {n_segments} segments of {size} samples every {hop}; "
                f"the other {n_segments - n_fit} are NaN"), stacklevel=2)
        return out

    def _probe_samples(self):
        if self._n_segments() is None:
            return super()._probe_samples()
        return max(super()._probe_samples(), self.segment_hop + self.segment_samples)  # one segment at least

    def _coef_names(self):
        return list(GTZAN_COLUMNS)
