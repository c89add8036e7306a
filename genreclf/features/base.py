"""The base class of every audio feature transformer.

It owns what all of them share, once: what a sample *is* (``input='filename'|'array'|'auto'``, the idea of
``CountVectorizer(input=...)``), decoding through :func:`genreclf.audio.load_audio`, fixed ``duration``,
parallel extraction through joblib (``n_jobs``; any joblib backend, e.g. Dask), an optional
cache of features keyed on each clip's content and the parameters (:mod:`._cache`), the error policy
(``on_error``) and a progress bar (``verbose``). A concrete transformer only says how to turn one
signal into features (``_extract``) and what the features are called (``_coef_names``).
"""
import os
import warnings
from collections.abc import Iterator
from numbers import Integral, Real

import joblib
import numpy as np
from joblib import delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .._defaults import N_FFT
from .._parallel import run_tasks
from .._persistence import VersionStampMixin
from .._progress import progress_bar
from ..audio import AudioLoadError, AudioLoadWarning, check_signal, describe, load_audio
from ._cache import CacheWarning, FeatureCache
from .frames import check_summary, frame_statistics, statistic_names

__all__ = ["BaseAudioTransformer", "FrameFeatureTransformer", "resolve_clips"]

#: Parameters that change how the work is done, not its result: left out of cache keys.
_RUNTIME_PARAMS = ("n_jobs", "memory", "verbose", "on_error")


# -- what a batch is -------------------------------------------------------------------------------------
def _is_path(item):
    return isinstance(item, (str, os.PathLike))


def _as_batch(X):
    """Container-level checks shared by ``fit`` and ``transform``: a batch of clips, not one clip.

    Returns a numeric ndarray ``(n_clips, n_samples)`` / ``(n_clips, n_channels, n_samples)`` or a list.
    """
    if isinstance(X, Iterator):
        raise TypeError(f"X is a {type(X).__name__}, which can be read only once, but fit and transform each read "
                        "X: pass a list instead, e.g. X = list(paths)")
    if _is_path(X) or isinstance(X, bytes):
        raise TypeError(f"Iterable over audio files or signals expected, {type(X).__name__} object received. "
                        "Wrap a single clip in a list: [path].")
    if hasattr(X, "tocsr") or hasattr(X, "tocoo"):  # scipy.sparse, without importing scipy
        raise TypeError("Sparse input is not supported: rows of X must be dense audio signals "
                        "(use X.toarray()) or paths")
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # DataFrame
        numeric = all(getattr(dt, "kind", "O") in "biuf" for dt in X.dtypes)
        if numeric and X.shape[1] > 0:
            X = X.to_numpy()  # rows are signals
        elif X.shape[1] == 1:
            X = X.iloc[:, 0]  # one column of paths
        else:
            raise ValueError(f"a DataFrame X must have one column of paths or numeric columns (rows = signals), "
                             f"got {X.shape[1]} columns of mixed types")
    if hasattr(X, "to_numpy") and getattr(X, "ndim", 2) == 1:  # Series
        X = X.to_numpy()
    if not isinstance(X, (list, tuple, np.ndarray)) and hasattr(X, "__array__"):
        X = np.asarray(X)
    if isinstance(X, np.ndarray):
        if X.dtype.kind == "c":
            raise ValueError("Complex data not supported: audio signals are real-valued")
        if X.ndim == 0:
            raise TypeError(f"Iterable over audio files or signals expected, a 0-d array ({X!r}) received.")
        if X.dtype.kind in "biuf":
            if X.ndim == 1:
                raise ValueError(f"X is one 1-D array of {X.shape[0]} samples: a batch is expected. Reshape your "
                                 "data: pass [y] (or y[np.newaxis]) for one signal.")
            if X.ndim not in (2, 3):
                raise ValueError(f"a numeric X must be (n_clips, n_samples) or (n_clips, n_channels, n_samples), "
                                 f"got shape {X.shape}")
            if X.shape[0] == 0:
                raise ValueError(f"X contains 0 clips (shape={X.shape}); at least 1 is required.")
            if X.shape[-1] == 0:
                raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                                 "required: the rows of X are signals of 0 samples.")
            return X
        return list(X)  # paths, or the rows of an object array (each one a signal)
    try:
        clips = list(X)
    except TypeError:
        raise TypeError(f"Iterable over audio files or signals expected, {type(X).__name__} "
                        "object received.") from None
    if len(clips) == 0:
        raise ValueError("X contains 0 clips; at least 1 is required.")
    return clips


def resolve_clips(X, input="auto"):
    """Return ``(clips, kind)``: a list of paths (``kind="filename"``) or of signals (``kind="array"``).

    ``X`` is a list/tuple/Series/array of paths, a list of 1-D (or channels-first 2-D) signals, or a
    numeric array whose rows are signals ``(n_clips, n_samples)``.
    """
    if input not in ("auto", "filename", "array"):
        raise ValueError(f"input={input!r} is not valid: use 'auto', 'filename' or 'array'")
    clips = list(_as_batch(X))
    if len(clips) == 0:
        raise ValueError("X contains 0 clips; at least 1 is required.")
    paths = [_is_path(c) for c in clips]
    if all(paths):
        kind = "filename"
    elif not any(paths):
        kind = "array"
        for i, c in enumerate(clips):
            c = np.asarray(c)
            if c.dtype.kind == "O":  # numbers stored as objects (e.g. a pandas object column): read as floats
                try:
                    c = c.astype(np.float64)
                except (TypeError, ValueError):
                    raise TypeError(f"clip {i + 1} of {len(clips)} of X is not a path or a numeric signal "
                                    f"(it holds non-numeric objects of shape {c.shape})") from None
            if c.dtype.kind == "c":
                raise ValueError("Complex data not supported: audio signals are real-valued")
            if c.dtype.kind not in "biuf" or c.ndim not in (1, 2):
                raise TypeError(f"clip {i + 1} of {len(clips)} of X is not a path or a 1-D numeric signal "
                                f"(got {type(clips[i]).__name__} with dtype {c.dtype}, shape {c.shape})")
            clips[i] = c
    else:
        raise TypeError("X mixes paths and signals: pass either paths or signals")
    if input != "auto" and input != kind:
        raise TypeError(f"input={input!r} but X holds {'paths' if kind == 'filename' else 'signals'}; "
                        f"pass input={kind!r} or input='auto'")
    return clips, kind


def _extract_source(estimator, clip):
    """Decode one clip, check it, fix its length and extract features. Raises AudioLoadError.

    Numerical failures of the extraction itself (librosa refusing non-finite spectra, overflow) and
    non-finite features are errors of that clip too: never a silent inf/NaN in a row that looks valid.
    """
    from librosa.util.exceptions import ParameterError

    y, _ = load_audio(clip, sr=estimator.sr, offset=estimator.offset, duration=estimator.duration)
    source = clip if _is_path(clip) else None
    check_signal(y, min_samples=estimator._min_samples(), source=source)
    peak = float(np.max(np.abs(y)))
    hint = f" (peak |sample| = {peak:.3g}; audio is expected in [-1, 1])" if peak > 1e3 else ""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            features = estimator._transform_signal(y)
    except AudioLoadError:
        raise
    except (ParameterError, ValueError, ArithmeticError) as err:
        raise AudioLoadError(f"feature extraction failed on {describe(clip)}: {err}{hint}") from err
    features = np.asarray(features)
    finite = np.isfinite(features)
    if not finite.all():
        # whole NaN rows of a per-clip table of vectors are declared gaps (GTZANFeatures segments that do not
        # fit in a clip); anything else non-finite is an error of this clip
        nan = np.isnan(features)
        gaps = (not estimator._frame_level and features.ndim == 2 and not np.isinf(features).any()
                and bool(np.all(nan.all(axis=1) | ~nan.any(axis=1))))
        if not gaps:
            raise AudioLoadError(f"{describe(clip)} gives {int((~finite).sum())} non-finite feature "
                                 f"value(s){hint}")
    return features


_CONTROLLER = None
#: Transformer classes whose numba kernels this process has compiled (see ``_compile_kernels``).
_COMPILED = set()


def _one_thread():
    """Run one clip with one BLAS/OpenMP thread, whatever the process (parent, loky worker, Dask worker).

    The number of BLAS threads changes the summation order of librosa's mel projection, so without this
    ``n_jobs=2`` (one thread per worker) and ``n_jobs=None`` (all threads) differ in the last float32 bits.
    Parallelism comes from ``n_jobs``; the controller is built once per process (the limit itself is ~30 us).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        import scipy.fft  # noqa: F401  (load the numerical libraries before taking stock of them)
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1)


def _one(extract, clip, index, n):
    """Features of one clip, or the reason it cannot be used, and the warnings raised meanwhile.

    The warnings travel back with the result, so that the caller sees them whichever process ran the clip.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # said once per call, naming the parameters, by _check_params (see spectral._check_mel_bands)
        warnings.filterwarnings("ignore", message="Empty filters detected in mel frequency basis")
        try:
            with _one_thread():
                features, error = extract(clip), None
        except AudioLoadError as err:
            features, error = None, str(err)
    return features, error, [_naming(w.message, describe(clip, index, n)) for w in caught]


def _naming(message, clip):
    """A warning raised while extracting the clip described as ``clip``, naming it (librosa's own warnings say nothing
    of the file)."""
    if isinstance(message, (CacheWarning, AudioLoadWarning)):
        return message  # genreclf's own: they name the clip already
    try:
        return type(message)(f"{clip}: {message}")
    except Exception:  # a warning class that takes other arguments
        return UserWarning(f"{clip}: {message}")


class BaseAudioTransformer(VersionStampMixin, TransformerMixin, BaseEstimator):
    """Base class: clips (paths or signals) in, one row of features per clip out.

    Subclasses implement ``_extract(y) -> np.ndarray`` for one float32 signal at ``self.sr`` and
    ``_coef_names() -> list of str``, and declare their parameters explicitly in ``__init__`` (plus the
    common ones: ``input, sr, offset, duration, n_jobs, memory, on_error, verbose``).

    The common parameters
    ---------------------
    input : {"auto", "filename", "array"}
        What an element of ``X`` is: a path to an audio file, or a signal (1-D array, or channels-first
        2-D array) already at ``sr`` Hz. ``"auto"`` decides from the elements.
    sr : int > 0
        Sample rate the audio is resampled to.
    offset : float >= 0
        Seconds skipped at the start of each clip.
    duration : float > 0 or None
        Pad with zeros or trim every clip to this many seconds (fixes the number of frames).
        ``None`` keeps each clip's own length.
    n_jobs : int or None
        Clips processed in parallel through joblib (``-1``: all cores; any joblib backend applies).
    memory : None, str or joblib.Memory
        A folder (or a ``joblib.Memory``'s location) where per-clip features are kept, keyed on the clip's
        content (a file's bytes or a signal's samples), the parameters that change the result and the genreclf
        version; a second run on the same clips extracts nothing.
    on_error : {"raise", "nan"}
        A clip that cannot be used (unreadable, empty, silent, non-finite, shorter than one FFT window)
        raises :class:`~genreclf.audio.AudioLoadError` naming it, or with ``"nan"`` gives a row of NaN
        and an :class:`~genreclf.audio.AudioLoadWarning` listing every such clip.
    verbose : int
        ``> 0`` shows a progress bar on stderr.

    Notes
    -----
    Reliability: every clip is decoded and checked on its own, so one bad file never costs the other rows;
    a cache entry is stored only once a clip's features are complete (written to a temporary file, then
    renamed) and is checked when read against the key it was stored under and its digest, so an interrupted,
    damaged, swapped or stale entry is recomputed, never served, with one warning in the caller's process. A
    cache folder that is a file is an error before any work; one that cannot be written, a warning. Pickles
    are stamped with the genreclf version (:class:`VersionStampMixin`); loading a pickle runs code, so only load
    files you trust.

    Reproducibility: extraction is deterministic, and each clip runs with one BLAS thread so the result does
    not depend on ``n_jobs`` or the joblib backend (bit-identical rows, tested).
    """

    #: True when ``_extract`` returns frames ``(n_frames, n_coefs)`` rather than a vector.
    _frame_level = False

    # -- what subclasses provide -------------------------------------------------------------------
    def _extract(self, y):
        raise NotImplementedError

    def _coef_names(self):
        raise NotImplementedError

    def _min_samples(self):
        return getattr(self, "n_fft", N_FFT)

    #: What every parameter may be, in scikit-learn's terms: a wrong one is an error at ``fit`` (and at ``transform``,
    #: which needs no fit) naming the parameter, the value and what is allowed. Subclasses add their own.
    _parameter_constraints = {
        "input": [StrOptions({"auto", "filename", "array"})],
        "sr": [Interval(Real, 0, None, closed="neither")],
        "offset": [Interval(Real, 0, None, closed="left")],
        "duration": [Interval(Real, 0, None, closed="neither"), None],
        "n_jobs": [Integral, None],
        "memory": [str, os.PathLike, HasMethods(["cache"]), None],
        "on_error": [StrOptions({"raise", "nan"})],
        "verbose": ["verbose"],
    }

    def _check_params(self):
        self._validate_params()
        if getattr(self, "summary", None) is not None:
            check_summary(self.summary)

    def _warn_about_setting(self):
        """Once per ``transform``: warn about parameters that are valid but give poor features (a subclass's)."""

    # -- the shared machinery ----------------------------------------------------------------------
    def _transform_signal(self, y):
        features = self._extract(y)
        if self._frame_level and getattr(self, "summary", None) is not None:
            return frame_statistics(features, self.summary)
        return features

    def fit(self, X, y=None):
        """Validate the parameters and ``X``; nothing is learned (the transformer is stateless).

        Checks that ``X`` is a batch of clips (not one path, not empty, not sparse). Files are not opened
        here; a numeric array of signals is checked for NaN/inf samples unless ``on_error="nan"``.

        Parameters
        ----------
        X : list of str or os.PathLike, or list of np.ndarray, or np.ndarray [shape=(n_clips, n_samples)]
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        batch = _as_batch(X)
        if isinstance(batch, np.ndarray) and self.on_error == "raise":
            for i, row in enumerate(batch):
                bad = int(row.size - np.count_nonzero(np.isfinite(row)))
                if bad:
                    raise AudioLoadError(f"{type(self).__name__}: clip {i + 1} of {len(batch)} has {bad} NaN or "
                                         "infinite sample(s); pass on_error='nan' to get a NaN row instead")
        elif len(batch) == 0:
            raise ValueError("X contains 0 clips; at least 1 is required.")
        return self

    def transform(self, X):
        """Extract features of every clip.

        Parameters
        ----------
        X : list of str or os.PathLike, or list of np.ndarray, or np.ndarray [shape=(n_clips, n_samples)]

        Returns
        -------
        np.ndarray [shape=(n_clips, n_features)] or [shape=(n_clips, n_frames, n_coefs)]
        """
        self._check_params()
        self._warn_about_setting()
        clips, _ = resolve_clips(X, self.input)
        n = len(clips)
        extract = self._extractor()
        # clips found in the cache are read here: a warm run starts no worker and runs no probe
        results = {i: (features, None) for i, features in extract.cached(clips).items()}
        todo = [i for i in range(n) if i not in results]
        if todo and effective_n_jobs(self.n_jobs) != 1:
            self._compile_kernels()
        tasks = [delayed(_one)(extract, clips[i], i, n) for i in todo]
        said = set()
        with _one_thread(), progress_bar(n, desc=type(self).__name__, unit="clips", verbose=self.verbose) as bar:
            bar.update(len(results))
            # the limit also covers thread-based backends, whose tasks share this process's BLAS; a worker that dies
            # (a crashing decoder, the system's out-of-memory killer) fails its own clip only
            for k, output, died in run_tasks(tasks, n_jobs=self.n_jobs):
                i = todo[k]
                features, error, caught = output if died is None else (None, str(died), [])
                results[i] = (features, error)
                for message in caught:
                    if isinstance(message, CacheWarning):  # each worker finds a full disk once: say it once
                        if str(message) in said:
                            continue
                        said.add(str(message))
                    warnings.warn(message, stacklevel=2)
                bar.update(1)
        return self._stack([results[i] for i in range(n)], n, clips)

    def _extractor(self):
        cache = FeatureCache.of(self.memory)
        if cache is None:
            return _Extractor(self, None, None)
        cache.check(type(self).__name__)
        params = {k: v for k, v in self.get_params(deep=False).items() if k not in _RUNTIME_PARAMS}
        setting = f"{type(self).__module__}.{type(self).__qualname__} {joblib.hash(params)}"
        return _Extractor(self, cache, setting)

    def _probe(self, n_samples):
        """This transformer's output for a noise signal of ``n_samples`` samples (warnings silenced)."""
        probe = np.random.default_rng(0).normal(scale=0.1, size=n_samples).astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self._transform_signal(probe))

    def _nan_shape(self):
        """Shape and dtype of one clip's output, found on a probe signal (used when every clip failed)."""
        if self._frame_level and getattr(self, "summary", None) is None and self.duration is None:
            return None  # the number of frames depends on each clip's length
        n = self._min_samples() if self.duration is None else int(round(self.duration * self.sr))
        out = self._probe(max(n, self._min_samples()))
        return out.shape, out.dtype

    def _compile_kernels(self):
        """Run one probe clip in this process before workers start, once per class and process.

        librosa's pitch, beat and zero-crossing kernels are ``numba.guvectorize(cache=True)`` functions, compiled
        on first import and written to numba's cache as two files each. Worker processes that compile them at the
        same moment can leave a pair of files from two different processes, and every later process that loads
        that pair crashes with a segmentation fault (numba/numba#10128). Compiling here first means the workers
        only read the cache.
        """
        if type(self) not in _COMPILED:
            self._probe(self._probe_samples())
            _COMPILED.add(type(self))

    def _probe_samples(self):
        """Length of a probe signal that runs every step of the extraction."""
        return max(self._min_samples(), int(self.sr))

    def _stack(self, results, n, clips):
        failures = [(i, os.fspath(clips[i]) if _is_path(clips[i]) else None, err)
                    for i, (_, err) in enumerate(results) if err is not None]
        good = [r for r, err in results if err is None]
        shape = None if good or not failures or self.on_error == "raise" else self._nan_shape()
        if failures and (self.on_error == "raise" or (not good and shape is None)):
            i, _, cause = failures[0]
            more = f" (and {len(failures) - 1} more clip(s))" if len(failures) > 1 else ""
            hint = ("; pass on_error='nan' to get a NaN row instead" if self.on_error == "raise" else
                    "; no clip could be used and without duration= the number of frames of a NaN row is unknown")
            raise AudioLoadError(f"{type(self).__name__}: cannot use {describe(clips[i], i, n)}: {cause}{more}{hint}")
        if good:
            shapes = {r.shape for r in good}
            if len(shapes) > 1:
                frames = sorted(s[0] for s in shapes)
                raise ValueError(f"{type(self).__name__}: clips give different numbers of frames ({frames[0]} to "
                                 f"{frames[-1]}); set duration= (e.g. duration=30) to pad or trim every clip "
                                 "to one length, or summary='mean_var' for one row of statistics per clip")
            shape = (good[0].shape, good[0].dtype)
        out = np.full((n, *shape[0]), np.nan, dtype=shape[1])
        for i, (r, err) in enumerate(results):
            if err is None:
                out[i] = r
        if failures:
            listing = "; ".join(f"{describe(clips[i], i, n)}: {cause}" for i, _, cause in failures)
            warnings.warn(AudioLoadWarning(f"{type(self).__name__}: {len(failures)} of {n} clip(s) could not be "
                                           f"used and are NaN rows: {listing}", failures), stacklevel=3)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns (for 3-D output: of the last axis, the coefficients).

        ``input_features`` is ignored: the inputs are clips, not named columns.
        """
        names = self._coef_names()
        if self._frame_level and getattr(self, "summary", None) is not None:
            names = statistic_names(names, self.summary)
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = []
        return tags


class _Extractor:
    """Picklable per-clip function: direct, or through the feature cache (see :mod:`._cache`)."""

    def __init__(self, estimator, cache, setting):
        self.estimator, self.cache, self.setting = estimator, cache, setting

    def cached(self, clips):
        """``{index: features}`` of the clips whose cache entry is sound. A clip without one, or with an entry
        that cannot be served, is left to ``__call__``, which computes it (and says why an entry was not used)."""
        found = {}
        if self.cache is None:
            return found
        for i, clip in enumerate(clips):
            try:
                features, _ = self.cache.load(self.cache.key(self.setting, clip))
            except OSError:  # an unreadable path: the loader names the problem
                continue
            if features is not None:
                found[i] = features
        return found

    def __call__(self, clip):
        if self.cache is None:
            return _extract_source(self.estimator, clip)
        try:
            key = self.cache.key(self.setting, clip)
        except OSError:  # an unreadable path: the loader names the problem
            return _extract_source(self.estimator, clip)
        features, problem = self.cache.load(key)
        if problem is not None:  # never served: recomputed, and the entry rewritten
            warnings.warn(CacheWarning(f"genreclf: the cached features of {describe(clip)} {problem}; "
                                       "recomputing them"), stacklevel=2)
        if features is None:
            features = _extract_source(self.estimator, clip)
            self.cache.store(key, features)
        return features


class FrameFeatureTransformer(BaseAudioTransformer):
    """Base of transformers whose per-clip result is a sequence of frames ``(n_frames, n_coefs)``.

    Adds ``n_fft``, ``hop_length`` and ``summary``: ``None`` returns 3-D frames
    ``(n_clips, n_frames, n_coefs)``; a statistic list such as ``"mean_var"`` returns the 2-D table
    ``(n_clips, n_coefs * n_stats)`` with names like ``mfcc3_var``.
    """

    _frame_level = True
    _parameter_constraints = {
        **BaseAudioTransformer._parameter_constraints,
        "n_fft": [Interval(Integral, 1, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "summary": "no_validation",  # check_summary names the statistics allowed
    }

    def _stft_power(self, y, power=2.0):
        import librosa

        S = np.abs(librosa.stft(y, n_fft=self.n_fft, hop_length=self.hop_length))
        return S ** power if power != 1 else S

