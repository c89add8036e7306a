"""The 57 feature columns of the published GTZAN tables (``features_30_sec.csv``, ``features_3_sec.csv``).

The published tables were made the way the seed notebooks compute features: one librosa call per
feature, each recomputing an STFT, plus harmonic-percussive separation (HPSS) on the waveform, whose two
31-wide median filters dominate the cost. :func:`gtzan_features` computes every column from ONE STFT per
clip and replaces ``scipy.ndimage.median_filter`` by an exact running median (a compiled sorted window), which
gives the same numbers (tests prove equality) many times faster.
"""
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._defaults import HOP_LENGTH, N_FFT, SEGMENT_HOP, SEGMENT_SAMPLES, SR
from .._deprecation import DEPRECATED, renamed_param
from ..segments import IncompleteSegmentsWarning, cut_segments
from .base import BaseAudioTransformer

__all__ = ["GTZAN_COLUMNS", "GTZANFeatures", "gtzan_features", "median_filter_reflect", "harmonic_stft", "stft",
           "istft", "zero_crossing_rate", "spectral_shape", "estimate_tuning"]

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
    ``mode="reflect"`` (the call inside ``librosa.decompose.hpss``): the median of an odd number of values is
    one of them, so an exact selection gives the same numbers, not merely close ones. Float arrays without NaN
    go through a compiled sorted-window filter (:func:`_sorted_window_median`): at ``width=31`` on a 30 s
    spectrogram about 50 times faster than scipy and 5 times faster than bottleneck's double-heap
    ``move_median``; anything else (integers, NaN, a mirror wider than the signal) goes to scipy itself.

    Parameters
    ----------
    a : np.ndarray
        Values to filter; float32 and float64 take the fast path.
    width : int
        Odd window length along ``axis``.
    axis : int, default=-1
        The axis to filter along.

    Returns
    -------
    np.ndarray
        Same shape, dtype and memory order as ``a``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.ndimage import median_filter
    >>> x = np.random.default_rng(0).random((4, 50), dtype=np.float32)
    >>> out = median_filter_reflect(x, 31, axis=-1)
    >>> np.array_equal(out, median_filter(x, size=(1, 31), mode="reflect"))
    True
    """
    a = np.asarray(a)
    if width % 2 != 1:
        raise ValueError(f"width={width} must be odd")
    half = width // 2
    n = a.shape[axis]
    if half == 0 or a.size == 0:
        return a.copy()
    if a.dtype in (np.float32, np.float64) and half < n:
        out = np.empty_like(a)
        # the kernel takes C-ordered 2-D arrays (one compilation per dtype) with the filtered axis first or last
        for first in (True, False):
            x, y = (np.moveaxis(v, axis, 0 if first else -1) for v in (a, out))
            if x.flags.c_contiguous and y.flags.c_contiguous:  # then reshaping is a view: the kernel fills `out`
                x, y = (v.reshape((n, -1) if first else (-1, n)) for v in (x, y))
                break
        else:
            x, y, first = np.ascontiguousarray(np.moveaxis(a, axis, 0)).reshape(n, -1), None, True
        result = y if y is not None else np.empty_like(x)
        if _sorted_window_median(x, half, result, first):
            if y is None:
                out[...] = np.moveaxis(result.reshape(np.moveaxis(a, axis, 0).shape), 0, axis)
            return out
    from scipy.ndimage import median_filter  # integers, NaN, or a window wider than twice the signal

    size = [1] * a.ndim
    size[axis] = width
    return median_filter(a, size=size, mode="reflect")


#: Lanes (independent signals) a sorted-window block filters side by side: 2 x 33 rows of 64 floats stay in L1.
_LANES = 64


def _sorted_window_median(x, half, out, along_rows=True):
    """Exact running median with mirrored edges of each column of ``x`` (each row if not ``along_rows``) into
    ``out``; False (and ``out`` incomplete) if ``x`` holds a NaN.

    ``x`` and ``out`` are C-ordered 2-D float arrays of one dtype, filtered with a window of ``w = 2 * half + 1
    <= 2 * n - 1`` values (``n``: the length of a column, or of a row). Each column keeps its window as a
    sorted array ``s``. One step removes the outgoing value and inserts the incoming one with neither a branch
    nor a search::

        d[k]  = s[k] if s[k] < out else s[k + 1]        # s without `out` (its first copy: equal values are one)
        s'[k] = d[k] if d[k] < in  else max(d[k-1], in)  # d with `in` in its place

    with ``-inf`` below and ``+inf`` above the window. The same few instructions run for 64 columns side by
    side, which the compiler turns into SIMD (8 floats per AVX2 instruction); the window starts as ``w``
    copies of ``-inf`` that the first ``w`` values push out. That is ``O(w)`` work per value, against a double
    heap's ``O(log w)``, but without its branches and pointer chasing: at ``w = 31`` it is several times faster
    (measurements in ``docs/user-guide/features.md``). The median is ``s[half]``, a value of the window, so
    the output equals scipy's selection exactly.
    """
    return _kernel(_sorted_window_median_kernel)(x, half, out, along_rows)


def _kernel(function):
    """``function`` compiled by numba on its first use (``import genreclf`` imports no numba).

    Nothing is written into this package's folder: ``cache=True`` alone would put the compiled code in its
    ``__pycache__``, which fails on a read-only install, and its leftovers once turned an installed
    ``genreclf`` folder into a namespace package that shadowed a later editable install (issue 25). So the
    kernels compile once per process (about 2.8 s of CPU for all four here, ``benchmarks/bench_features.py``
    prints it), and are cached on disk only where the user has given numba a cache folder of their own
    (``NUMBA_CACHE_DIR``), which numba then uses instead of ``__pycache__``. genreclf never sets it: that
    would change every numba function of the user's process.
    """
    compiled = _COMPILED_KERNELS.get(function)
    if compiled is None:
        import numba

        compiled = _COMPILED_KERNELS[function] = numba.njit(
            nogil=True, error_model="numpy", cache=bool(numba.config.CACHE_DIR))(function)  # IEEE division
    return compiled


_COMPILED_KERNELS = {}


def _sorted_window_median_kernel(x, half, out, along_rows):  # numba: see _sorted_window_median
    n, m_all = x.shape if along_rows else x.shape[::-1]
    w = 2 * half + 1
    lanes = _LANES  # a compile-time constant: the lane loop is unrolled into whole SIMD registers
    cur = np.empty((w + 2, lanes), dtype=x.dtype)    # rows 1..w: the sorted windows of `lanes` columns;
    nxt = np.empty((w + 2, lanes), dtype=x.dtype)    # row 0: -inf, row w + 1: +inf
    incoming = np.empty(lanes, dtype=x.dtype)
    outgoing = np.empty(lanes, dtype=x.dtype)
    for start in range(0, m_all, lanes):
        m = min(lanes, m_all - start)                 # lanes past the last column keep windows of -inf,
        cur[:w + 1] = -np.inf                         # and nothing reads them
        cur[w + 1] = np.inf
        nxt[0] = -np.inf
        nxt[w + 1] = np.inf
        incoming[:] = 0
        outgoing[:] = 0
        for p in range(n + 2 * half):                 # padded position p enters, p - w leaves
            q = p - half                              # its position in x, mirrored (q = -1 is x[0])
            i = -1 - q if q < 0 else (2 * n - 1 - q if q >= n else q)
            for j in range(m):
                v = x[i, start + j] if along_rows else x[start + j, i]
                if v != v:
                    return False
                incoming[j] = v
            if p >= w:
                q = p - w - half
                i = -1 - q if q < 0 else (2 * n - 1 - q if q >= n else q)
                for j in range(m):
                    outgoing[j] = x[i, start + j] if along_rows else x[start + j, i]
            else:
                outgoing[:m] = -np.inf
            for k in range(1, w + 1):
                for j in range(lanes):
                    o, v = outgoing[j], incoming[j]
                    s0, s1, s2 = cur[k - 1, j], cur[k, j], cur[k + 1, j]
                    d0 = s0 if s0 < o else s1
                    d1 = s1 if s1 < o else s2
                    nxt[k, j] = d1 if d1 < v else (v if v > d0 else d0)
            cur, nxt = nxt, cur
            if p >= 2 * half:
                i = p - 2 * half
                for j in range(m):
                    if along_rows:
                        out[i, start + j] = cur[half + 1, j]
                    else:
                        out[start + j, i] = cur[half + 1, j]
    return True


def _harmonic_part_kernel(stft, mag, harm, perc, tiny):  # numba: see _harmonic_part
    unit = tiny / tiny  # 1 in the arrays' float type: a literal 1 would turn the arithmetic into float64
    for i in range(stft.shape[0]):
        for j in range(stft.shape[1]):  # branch-free, so that it runs as SIMD
            h, p, m = harm[i, j], perc[i, j], mag[i, j]
            z = max(h, p)
            silent = z < tiny
            z = unit if silent else z
            h, p = h / z, p / z
            mask = (h * h) / (h * h + p * p)
            scaled = m * (unit / (unit + unit) if silent else mask)
            zero = m == 0
            m = unit if zero else m
            stft[i, j] = complex(scaled * (stft[i, j].real / m + (unit if zero else 0 * unit)),
                                 scaled * (stft[i, j].imag / m))


def _overlap_add_kernel(frames, window, hop, out, first):  # numba: see istft
    # out[(first + f) * hop + s] += frames[f, s] * window[s] in frame order: librosa's __overlap_add of float64
    # windowed frames into float32 (each sum is rounded to float32, as numpy and librosa do)
    n_fft = frames.shape[1]
    for f in range(frames.shape[0]):
        base = (first + f) * hop
        for s in range(min(n_fft, out.shape[0] - base)):
            out[base + s] += frames[f, s] * window[s]


def _spectral_moments_kernel(frames, freq, fraction, m0, m1, m2, rolloff):  # numba: see spectral_shape
    # per frame: the moments sum_f S f**k in float64, and the first frequency where the running sum in S's own
    # type (np.cumsum's order and rounding) reaches `fraction` of the total
    for t in range(frames.shape[0]):
        frame = frames[t]
        total = frame[0] - frame[0]
        s0 = s1 = s2 = 0.0
        for f in range(len(frame)):
            x = frame[f]
            total += x
            s0 += x
            s1 += x * freq[f]
            s2 += x * (freq[f] * freq[f])
        m0[t], m1[t], m2[t] = s0, s1, s2
        threshold = fraction * total
        running = frame[0] - frame[0]
        k = 0
        for f in range(len(frame)):
            running += frame[f]
            if running >= threshold:
                k = f
                break
        rolloff[t] = freq[k]


def _harmonic_part(stft, mag, harm, perc):
    """``stft[:] = (mag * softmask(harm, perc, power=2, split_zeros=True)) * phase`` in one pass (in place).

    librosa's own arithmetic, in its order and float type (``magphase``, ``softmask``, then magnitude times
    mask times phase), so that the harmonic STFT is librosa's bit for bit.
    """
    kernel = _kernel(_harmonic_part_kernel)
    arrays = (stft, mag, harm, perc)
    if stft.flags.f_contiguous:  # librosa's STFT: walk memory in order
        kernel(*(np.asfortranarray(a).T for a in arrays), np.finfo(harm.dtype).tiny)
    else:
        kernel(*(np.ascontiguousarray(a) for a in arrays), np.finfo(harm.dtype).tiny)
    return stft


def harmonic_stft(stft, S=None, kernel_size=31):
    """The harmonic part of a complex STFT, as ``librosa.decompose.hpss(stft)[0]``, computed in place.

    librosa multiplies the magnitude by the soft mask ``H**2 / (H**2 + P**2)`` (H, P: the magnitude median
    filtered along time and along frequency; zero bins split evenly) and by the phase; the percussive part
    is the complement. ``S`` is ``abs(stft)`` if already computed. Equal to librosa's bit for bit.

    Examples
    --------
    >>> import librosa
    >>> D = librosa.stft(np.random.default_rng(0).normal(size=22050).astype(np.float32))
    >>> np.array_equal(harmonic_stft(D.copy()), librosa.decompose.hpss(D)[0])
    True
    """
    S = np.abs(stft) if S is None else S
    harm = median_filter_reflect(S, kernel_size, axis=-1)
    perc = median_filter_reflect(S, kernel_size, axis=-2)
    return _harmonic_part(stft, S, harm, perc)


#: Frames per block of the STFT and its inverse: a block of frames (64 x 2048) stays in the L2 cache.
_FRAMES_PER_BLOCK = 64


def _hann(n_fft):
    """librosa's periodic Hann window of ``n_fft`` samples (float64), read-only and made once per length."""
    window = _HANN.get(n_fft)
    if window is None:
        import librosa

        window = _HANN[n_fft] = librosa.filters.get_window("hann", n_fft, fftbins=True)
        window.setflags(write=False)
    return window


_HANN = {}


def stft(y, *, n_fft=N_FFT, hop_length=HOP_LENGTH, pad_mode="constant"):
    """``librosa.stft(y, n_fft=n_fft, hop_length=hop_length, pad_mode=pad_mode)`` (Hann, centred), bit for bit.

    librosa windows the frames in float64 and transforms 32 frames per call through a strided view;
    this does the same arithmetic on blocks of contiguous frames, which is about a third faster.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float32 or float64
    n_fft, hop_length : int
    pad_mode : str
        How ``y`` is padded by ``n_fft // 2`` on each side (``np.pad`` mode).

    Returns
    -------
    np.ndarray [shape=(1 + n_fft // 2, n_frames)], complex64 for float32 input, Fortran-ordered as librosa's.

    Examples
    --------
    >>> import librosa
    >>> y = np.random.default_rng(0).normal(size=22050).astype(np.float32)
    >>> np.array_equal(stft(y), librosa.stft(y))
    True
    """
    import scipy.fft
    from numpy.lib.stride_tricks import sliding_window_view

    y = np.asarray(y)
    if y.ndim != 1 or y.dtype not in (np.float32, np.float64):
        import librosa

        return librosa.stft(y, n_fft=n_fft, hop_length=hop_length, pad_mode=pad_mode)
    frames = sliding_window_view(np.pad(y, n_fft // 2, mode=pad_mode), n_fft)[::hop_length]
    window = _hann(n_fft)
    out = np.empty((len(frames), 1 + n_fft // 2), dtype=np.complex64 if y.dtype == np.float32 else np.complex128)
    for i in range(0, len(frames), _FRAMES_PER_BLOCK):
        out[i:i + _FRAMES_PER_BLOCK] = scipy.fft.rfft(frames[i:i + _FRAMES_PER_BLOCK] * window, axis=-1)
    return out.T


def istft(stft, *, n_fft=N_FFT, hop_length=HOP_LENGTH, length=None):
    """``librosa.istft(stft, n_fft=n_fft, hop_length=hop_length, length=length)`` (Hann, centred), bit for bit.

    librosa's arithmetic in its order and precision (frames windowed in float64 and added in frame order into
    a float32 signal, then divided by the window's sum of squares), with the overlap-add compiled and the sum
    of squares kept per length. Input other than a 2-D complex64 STFT with a ``length`` goes to librosa.

    Examples
    --------
    >>> import librosa
    >>> D = librosa.stft(np.random.default_rng(0).normal(size=22050).astype(np.float32))
    >>> np.array_equal(istft(D, length=22050), librosa.istft(D, length=22050))
    True
    """
    import scipy.fft

    if stft.ndim != 2 or length is None or stft.dtype != np.complex64:
        import librosa

        return librosa.istft(stft, n_fft=n_fft, hop_length=hop_length, length=length)
    n_frames = min(stft.shape[-1], int(np.ceil((length + 2 * (n_fft // 2)) / hop_length)))
    overlap_add = _kernel(_overlap_add_kernel)
    window = _hann(n_fft)
    padded = np.zeros(n_fft + hop_length * (n_frames - 1), dtype=np.float32)  # the centred signal
    for i in range(0, n_frames, _FRAMES_PER_BLOCK):
        overlap_add(scipy.fft.irfft(stft[:, i:min(i + _FRAMES_PER_BLOCK, n_frames)].T, n=n_fft, axis=-1),
                    window, hop_length, padded, i)
    y = np.zeros(length, dtype=np.float32)
    start = n_fft // 2
    y[:min(length, padded.size - start)] = padded[start:start + length]
    return np.divide(y, _window_sum_square(n_frames, n_fft, hop_length, length), out=y)


def _window_sum_square(n_frames, n_fft, hop_length, length):
    """The divisor of :func:`istft`: ``librosa.filters.window_sumsquare`` from ``n_fft // 2`` on, fixed to
    ``length``, with 1 where librosa leaves a sample undivided (at most ``tiny``); kept for the last lengths."""
    key = n_frames, n_fft, hop_length, length
    norm = _WSS.get(key)
    if norm is None:
        import librosa

        wss = librosa.filters.window_sumsquare(window="hann", n_frames=n_frames, hop_length=hop_length,
                                               win_length=n_fft, n_fft=n_fft, dtype=np.float32)
        norm = librosa.util.fix_length(wss[n_fft // 2:], size=length)
        norm[norm <= np.finfo(np.float32).tiny] = 1
        norm.setflags(write=False)
        if len(_WSS) >= 16:  # a few clip lengths at a time; clear() is atomic, safe beside threads
            _WSS.clear()
        _WSS[key] = norm
    return norm


_WSS = {}


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
    """Spectral centroid, bandwidth and roll-off of a magnitude spectrogram, in one compiled sweep.

    Equal (to float rounding) to ``librosa.feature.spectral_centroid(S=S)``, ``spectral_bandwidth(S=S)``
    and ``spectral_rolloff(S=S)``, which each normalise and sweep ``S`` separately: the centroid is
    ``M1/M0`` and the squared bandwidth ``M2/M0 - centroid**2`` with ``Mk = sum_f S f**k`` (float64). Like
    librosa, a frame whose total magnitude is below float32 ``tiny`` is not normalised. The roll-off is the
    first frequency whose running float32 sum reaches ``roll_percent`` of the frame's: librosa's cumulative
    sum, so the same bin.

    Returns ``(centroid, bandwidth, rolloff)``, each of shape ``(1, n_frames)``.

    Examples
    --------
    >>> import librosa
    >>> S = np.abs(librosa.stft(np.random.default_rng(0).normal(size=22050).astype(np.float32)))
    >>> centroid, bandwidth, rolloff = spectral_shape(S)
    >>> np.array_equal(rolloff, librosa.feature.spectral_rolloff(S=S))
    True
    """
    import librosa

    freq = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    if S.ndim != 2 or S.shape[-2] != len(freq) or S.dtype not in (np.float32, np.float64):
        raise ValueError(f"S must be a float (1 + n_fft // 2, n_frames) magnitude spectrogram, got {S.shape} {S.dtype}")
    m0, m1, m2 = np.empty((3, S.shape[-1]))
    rolloff = np.empty(S.shape[-1])
    _kernel(_spectral_moments_kernel)(np.ascontiguousarray(S.T), freq, S.dtype.type(roll_percent), m0, m1, m2, rolloff)
    norm = np.where(m0 < np.finfo(S.dtype).tiny, 1.0, m0)
    centroid = m1 / norm
    bandwidth = np.sqrt(np.maximum(m2 / norm - 2 * centroid * m1 / norm + centroid ** 2 * m0 / norm, 0.0))
    return centroid[np.newaxis], bandwidth[np.newaxis], rolloff[np.newaxis]


def estimate_tuning(power, sr=SR, n_fft=N_FFT, *, fmin=150.0, fmax=4000.0, threshold=0.1, bins_per_octave=12):
    """``librosa.estimate_tuning(S=power, sr=sr)`` computed on the pitch-tracking band's peaks only.

    librosa's ``piptrack`` interpolates the whole spectrogram, then keeps the local maxima above a tenth of
    each frame's maximum in ``[fmin, fmax)``; every step is local in frequency (a bin and its two
    neighbours), so finding those peaks first and interpolating only there gives the same pitches, in
    librosa's float type and arithmetic (its own stencil with librosa < 1.0, its numpy formula after), and
    the same tuning.

    Examples
    --------
    >>> import librosa
    >>> y = librosa.tone(440 * 2 ** (0.3 / 12), sr=22050, duration=1.0)
    >>> power = np.abs(librosa.stft(y)) ** 2
    >>> bool(estimate_tuning(power) == librosa.estimate_tuning(S=power, sr=22050))
    True
    """
    import librosa

    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    band = np.flatnonzero((max(fmin, 0) <= freqs) & (freqs < min(fmax, sr / 2)))
    if power.ndim != 2 or len(band) == 0 or band[0] < 1 or band[-1] + 2 > power.shape[-2]:
        return librosa.estimate_tuning(S=power, sr=sr, n_fft=n_fft, bins_per_octave=bins_per_octave)
    lo, hi = band[0], band[-1] + 1
    ref = threshold * power.max(axis=-2, keepdims=True)
    below, center, above = power[lo - 1:hi - 1], power[lo:hi], power[lo + 1:hi + 1]
    rows, cols = np.nonzero((center > ref) & (center > below) & (center >= above))  # peaks above the threshold
    minus, mid, plus = below[rows, cols], center[rows, cols], above[rows, cols]
    shift = _parabolic_shift(minus, mid, plus)
    pitch = ((rows + lo + shift) * float(sr) / n_fft).astype(power.dtype)   # piptrack's float32 pitches ...
    mag = mid + 0.5 * ((plus - minus) / 2) * shift                         # ... and magnitudes
    positive = pitch > 0
    level = np.median(mag[positive]) if positive.any() else 0.0
    return librosa.pitch_tuning(pitch[(mag >= level) & positive], resolution=0.01,
                                bins_per_octave=bins_per_octave)


def _parabolic_shift(minus, mid, plus):
    """piptrack's parabolic peak shift ``-b / a`` (0 where ``|b| >= |a|``) of the values at ``mid``'s bins."""
    try:
        from librosa.core.pitch import _parabolic_interpolation  # librosa < 1.0: its numba stencil, as piptrack
    except ImportError:  # librosa >= 1.0 evaluates the formula with numpy at the peaks
        a = plus + minus - 2.0 * mid
        b = 0.5 * (plus - minus)
        shift = np.zeros_like(b)
        return np.divide(-b, a, out=shift, where=np.abs(b) < np.abs(a))
    return _parabolic_interpolation(np.stack([minus, mid, plus]), axis=-2)[1]


def _mean_var(x):
    """Mean and variance as the per-feature reference computes them: numpy's reductions in the feature's own
    dtype (float32 for chroma, RMS, MFCC, the HPSS signals), so identical frames give identical columns."""
    x = np.asarray(x)
    return [float(x.mean()), float(x.var())]


def _mel_basis(sr, n_fft):
    """``librosa.filters.mel(sr=sr, n_fft=n_fft)``, read-only and made once per (sr, n_fft)."""
    basis = _MEL_BASES.get((sr, n_fft))
    if basis is None:
        import librosa

        basis = _MEL_BASES[sr, n_fft] = librosa.filters.mel(sr=sr, n_fft=n_fft)
        basis.setflags(write=False)
    return basis


_MEL_BASES = {}


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
    spectrum = stft(y, n_fft=n_fft, hop_length=hop_length, pad_mode=pad_mode)
    mag = np.abs(spectrum)
    power = mag ** 2
    kw = dict(sr=sr, n_fft=n_fft, hop_length=hop_length)
    chroma = librosa.feature.chroma_stft(S=power, tuning=estimate_tuning(power, sr, n_fft), **kw)
    rms = librosa.feature.rms(y=y, frame_length=n_fft, hop_length=hop_length, pad_mode=pad_mode)
    centroid, bandwidth, rolloff = spectral_shape(mag, sr, n_fft)
    zcr = zero_crossing_rate(y, n_fft, hop_length)
    # HPSS: the soft masks sum to one and istft(stft(y)) == y, so percussive = y - harmonic (one iSTFT)
    n_keep = len(y) if full_length else hop_length * (spectrum.shape[-1] - 1)
    harmonic = np.zeros_like(y)
    harmonic[:n_keep] = istft(harmonic_stft(spectrum, mag), n_fft=n_fft, hop_length=hop_length, length=n_keep)
    percussive = np.zeros_like(y)
    percussive[:n_keep] = y[:n_keep] - harmonic[:n_keep]
    # mel spectrogram shared by tempo (onset strength) and MFCC: librosa.feature.melspectrogram(S=power)'s product
    log_mel = librosa.power_to_db(np.einsum("...ft,mf->...mt", power, _mel_basis(sr, n_fft), optimize=True))
    onset = librosa.onset.onset_strength(S=log_mel, sr=sr, n_fft=n_fft, hop_length=hop_length)
    tempo = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=hop_length))[0])
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=20)
    values = (_mean_var(chroma) + _mean_var(rms) + _mean_var(centroid) + _mean_var(bandwidth)
              + _mean_var(rolloff) + _mean_var(zcr) + _mean_var(harmonic) + _mean_var(percussive) + [tempo])
    # each row's statistics at once: a reduction along the rows of a C-ordered array is each row's own
    mfcc = np.ascontiguousarray(mfcc)
    return np.concatenate([values, np.stack([mfcc.mean(axis=1), mfcc.var(axis=1)], axis=1).ravel()])


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

    _parameter_constraints = {
        **BaseAudioTransformer._parameter_constraints,
        "compat": [StrOptions(set(COMPAT))],
        "n_segments": [Interval(Integral, 1, None, closed="left"), None],
        "segment_samples": [Interval(Integral, N_FFT, None, closed="left")],  # at least one FFT window
        "segment_hop": [Interval(Integral, 1, None, closed="left")],
        "segments": "no_validation",  # deprecated: renamed_param says so, and n_segments' rule applies
    }

    def _n_segments(self):
        return renamed_param(self, "segments", "n_segments", warn=False)

    def _check_params(self):
        super()._check_params()
        n = renamed_param(self, "segments", "n_segments")
        if n is not None and not (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0):
            raise ValueError(f"n_segments={n!r} must be a positive int or None")

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
