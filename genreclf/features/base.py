"""The base class of every audio feature transformer.

It owns what all of them share, once: what a sample *is* (``input='filename'|'array'|'auto'``, the idea of
``CountVectorizer(input=...)``), decoding through :func:`genreclf.audio.load_audio`, fixed ``duration``,
parallel extraction through joblib (``n_jobs``; any joblib backend, e.g. Dask), an optional
``joblib.Memory`` cache keyed on the file's path, size and mtime plus the parameters, the error policy
(``on_error``) and a progress display (``verbose``). A concrete transformer only says how to turn one
signal into features (``_extract``) and what the features are called (``_coef_names``).
"""
import os
import sys
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_memory

from .._defaults import N_FFT
from ..audio import AudioLoadError, AudioLoadWarning, check_signal, fix_length, load_audio
from .frames import _parse_stats, frame_statistics, statistic_names

__all__ = ["BaseAudioTransformer", "FrameFeatureTransformer", "resolve_clips"]

#: Parameters that change how the work is done, not its result: left out of cache keys.
_RUNTIME_PARAMS = ("n_jobs", "memory", "verbose", "on_error")


def _is_path(item):
    return isinstance(item, (str, os.PathLike))


def resolve_clips(X, input="auto"):
    """Return ``(clips, kind)``: a list of paths (``kind="filename"``) or of signals (``kind="array"``).

    ``X`` is a list/tuple/Series/array of paths, a list of 1-D (or channels-first 2-D) signals, or a
    numeric array whose rows are signals ``(n_clips, n_samples)``.
    """
    if input not in ("auto", "filename", "array"):
        raise ValueError(f"input={input!r} is not valid: use 'auto', 'filename' or 'array'")
    if _is_path(X) or isinstance(X, bytes):
        raise TypeError(f"Iterable over audio files or signals expected, {type(X).__name__} object received. "
                        "Wrap a single clip in a list: [path].")
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # DataFrame: one column of paths
        if X.shape[1] != 1:
            raise ValueError(f"a DataFrame X must have one column of paths, got {X.shape[1]} columns")
        X = X.iloc[:, 0]
    if hasattr(X, "to_numpy") and getattr(X, "ndim", 2) == 1:  # Series
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.dtype.kind in "biufc":
        if X.dtype.kind == "c":
            raise ValueError("Complex data not supported: audio signals are real-valued")
        if X.ndim == 1:
            raise ValueError(f"X is one 1-D array of {X.shape[0]} samples: a batch is expected. "
                             "Pass [y] (or y[np.newaxis]) for one signal.")
        if X.ndim not in (2, 3):
            raise ValueError(f"a numeric X must be (n_clips, n_samples) or (n_clips, n_channels, n_samples), "
                             f"got shape {X.shape}")
        clips = list(X)
    else:
        try:
            clips = list(X)
        except TypeError:
            raise TypeError(f"Iterable over audio files or signals expected, {type(X).__name__} "
                            "object received.") from None
    if len(clips) == 0:
        raise ValueError("X contains 0 clips (0 sample(s)); at least 1 is required.")
    paths = [_is_path(c) for c in clips]
    if all(paths):
        kind = "filename"
    elif not any(paths):
        kind = "array"
        for i, c in enumerate(clips):
            c = np.asarray(c)
            if c.dtype.kind == "c":
                raise ValueError("Complex data not supported: audio signals are real-valued")
            if c.dtype.kind not in "biuf" or c.ndim not in (1, 2):
                raise TypeError(f"clip {i} of X is not a path or a 1-D numeric signal "
                                f"(got {type(clips[i]).__name__} with dtype {c.dtype}, shape {c.shape})")
            clips[i] = c
    else:
        raise TypeError("X mixes paths and signals: pass either paths or signals")
    if input != "auto" and input != kind:
        raise TypeError(f"input={input!r} but X holds {'paths' if kind == 'filename' else 'signals'}")
    return clips, kind


def _name(clip, index, n):
    where = f"clip {index + 1} of {n}"
    return f"{os.fspath(clip)!r} ({where})" if _is_path(clip) else where


def _extract_source(estimator, clip):
    """Decode one clip, check it, fix its length and extract features. Raises AudioLoadError."""
    y, _ = load_audio(clip, sr=estimator.sr, offset=estimator.offset, duration=estimator.duration)
    check_signal(y, min_samples=estimator._min_samples(), source=clip if _is_path(clip) else "signal")
    if estimator.duration is not None:
        y = fix_length(y, int(round(estimator.duration * estimator.sr)))
    return estimator._transform_signal(y)


def _cached_extract(cls, params, clip, stamp):
    """Module-level so joblib.Memory can key it: (class, parameters, clip or path, file size+mtime)."""
    return _extract_source(cls(**params), clip)


def _one(extract, clip, index, n):
    try:
        return extract(clip), None
    except AudioLoadError as err:
        return None, f"{_name(clip, index, n)}: {err}"


class _Progress:
    """A one-line progress bar on stderr (works in terminals and notebooks)."""

    def __init__(self, total, label, enabled):
        self.total, self.label, self.enabled = total, label, enabled
        self.start = time.perf_counter()
        self.shown = -1

    def update(self, done):
        if not self.enabled:
            return
        pct = int(100 * done / self.total)
        if pct == self.shown and done != self.total:
            return
        self.shown = pct
        bar = "#" * (pct // 4) + "." * (25 - pct // 4)
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{self.total} clips, {rate:.1f} clips/s")
        if done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


class BaseAudioTransformer(TransformerMixin, BaseEstimator):
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
        Cache of per-clip features, keyed on the path, file size and mtime (or the signal's content)
        and on the parameters.
    on_error : {"raise", "nan"}
        A clip that cannot be used (unreadable, empty, silent, non-finite, shorter than one FFT window)
        raises :class:`~genreclf.audio.AudioLoadError` naming it, or with ``"nan"`` gives a row of NaN
        and an :class:`~genreclf.audio.AudioLoadWarning` listing every such clip.
    verbose : int
        ``> 0`` shows a progress bar on stderr.
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

    def _check_params(self):
        if self.on_error not in ("raise", "nan"):
            raise ValueError(f"on_error={self.on_error!r} is not valid: use 'raise' or 'nan'")
        if not (np.isscalar(self.sr) and self.sr > 0):
            raise ValueError(f"sr={self.sr!r} must be a positive number")
        if self.duration is not None and not self.duration > 0:
            raise ValueError(f"duration={self.duration!r} must be a positive number of seconds or None")
        if getattr(self, "summary", None) is not None:
            _parse_stats(self.summary, "summary")

    # -- the shared machinery ----------------------------------------------------------------------
    def _transform_signal(self, y):
        features = self._extract(y)
        if self._frame_level and getattr(self, "summary", None) is not None:
            return frame_statistics(features, self.summary)
        return features

    def fit(self, X, y=None):
        """Validate the parameters and ``X``; nothing is learned (the transformer is stateless).

        Parameters
        ----------
        X : list of str or os.PathLike, or list of np.ndarray, or np.ndarray [shape=(n_clips, n_samples)]
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        resolve_clips(X, self.input)
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
        clips, kind = resolve_clips(X, self.input)
        n = len(clips)
        extract = self._extractor(kind)
        progress = _Progress(n, type(self).__name__, bool(self.verbose))
        tasks = (delayed(_one)(extract, clip, i, n) for i, clip in enumerate(clips))
        results = []
        for done, result in enumerate(Parallel(n_jobs=self.n_jobs, return_as="generator")(tasks), 1):
            results.append(result)
            progress.update(done)
        return self._stack(results, n)

    def _extractor(self, kind):
        if self.memory is None:
            return _Extractor(self, None)
        memory = check_memory(self.memory)
        params = {k: v for k, v in self.get_params(deep=False).items() if k not in _RUNTIME_PARAMS}
        params.update(n_jobs=None, memory=None, verbose=0, on_error="raise")
        return _Extractor(memory.cache(_cached_extract), (type(self), params))

    def _stack(self, results, n):
        failures = [(i, err) for i, (_, err) in enumerate(results) if err is not None]
        good = [r for r, err in results if err is None]
        if failures and (self.on_error == "raise" or not good):
            first = failures[0][1]
            more = f" (and {len(failures) - 1} more clip(s))" if len(failures) > 1 else ""
            hint = "" if self.on_error == "nan" else "; pass on_error='nan' to get a NaN row instead"
            raise AudioLoadError(f"{type(self).__name__}: cannot use {first}{more}{hint}")
        shapes = {r.shape for r in good}
        if len(shapes) > 1:
            frames = sorted(s[0] for s in shapes)
            raise ValueError(f"{type(self).__name__}: clips give different numbers of frames ({frames[0]} to "
                             f"{frames[-1]}); set duration= (e.g. duration=30) to pad or trim every clip "
                             "to one length, or summary='mean_var' for one row of statistics per clip")
        shape = good[0].shape
        out = np.full((n, *shape), np.nan, dtype=good[0].dtype)
        for i, (r, err) in enumerate(results):
            if err is None:
                out[i] = r
        if failures:
            listing = "; ".join(err for _, err in failures)
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
    """Picklable per-clip function: direct, or through a joblib.Memory cache keyed on the file's stamp."""

    def __init__(self, estimator_or_cached, key):
        self.target, self.key = estimator_or_cached, key

    def __call__(self, clip):
        if self.key is None:
            return _extract_source(self.target, clip)
        cls, params = self.key
        stamp = None
        if _is_path(clip):
            try:
                st = os.stat(clip)
                stamp = (os.path.abspath(clip), st.st_size, st.st_mtime_ns)
            except OSError:
                return _extract_source(cls(**params), clip)  # let the loader name the problem
        return self.target(cls, params, clip, stamp)


class FrameFeatureTransformer(BaseAudioTransformer):
    """Base of transformers whose per-clip result is a sequence of frames ``(n_frames, n_coefs)``.

    Adds ``n_fft``, ``hop_length`` and ``summary``: ``None`` returns 3-D frames
    ``(n_clips, n_frames, n_coefs)``; a statistic list such as ``"mean_var"`` returns the 2-D table
    ``(n_clips, n_coefs * n_stats)`` with names like ``mfcc3_var``.
    """

    _frame_level = True

    def _stft_power(self, y, power=2.0):
        import librosa

        S = np.abs(librosa.stft(y, n_fft=self.n_fft, hop_length=self.hop_length))
        return S ** power if power != 1 else S

