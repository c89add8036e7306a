"""Frame-level arrays ``(n_clips, n_frames, n_coefs)``: summary statistics and scaling.

A 3-D array of frames is what CNNs and LSTMs eat; a 2-D table of per-coefficient statistics is what
``StandardScaler``, ``PCA``, SVC and XGBoost eat. :class:`FrameStatistics` turns the first into the
second, and :class:`SequenceScaler` standardises frames the way ``StandardScaler`` standardises columns.
Throughout, the *features* of a 3-D array are its last axis (the coefficients).
"""
import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from .._deprecation import DEPRECATED, deprecate_positional_args, renamed_kwarg, renamed_param
from .._persistence import VersionStampMixin

__all__ = ["STATISTICS", "check_summary", "frame_statistics", "statistic_names", "FrameStatistics",
           "SequenceScaler"]

#: Per-coefficient statistics over frames (or over a clip's patches), the values of every ``summary=`` parameter
#: of genreclf. ``var`` is the population variance (ddof=0), as in the published GTZAN tables.
STATISTICS = {
    "mean": lambda f: f.mean(axis=-2),
    "var": lambda f: f.var(axis=-2),
    "std": lambda f: f.std(axis=-2),
    "min": lambda f: f.min(axis=-2),
    "max": lambda f: f.max(axis=-2),
    "median": lambda f: np.median(f, axis=-2),
}


def check_summary(summary, name="summary"):
    """The statistics named by ``summary`` as a tuple, or a ValueError that lists the valid ones.

    ``summary`` is a tuple of names from :data:`STATISTICS` or the same names joined by ``_``.

    Examples
    --------
    >>> check_summary("mean_var"), check_summary(("mean", "std"))
    (('mean', 'var'), ('mean', 'std'))
    """
    stats = tuple(summary.split("_")) if isinstance(summary, str) else summary
    try:
        stats = tuple(stats)
    except TypeError:
        stats = ()
    unknown = [s for s in stats if s not in STATISTICS]
    if not stats or unknown:
        raise ValueError(f"{name}={summary!r} is not valid: use statistics among {sorted(STATISTICS)}, "
                         "as a tuple or joined by '_' (e.g. 'mean_var')")
    return stats


def frame_statistics(frames, summary=("mean", "var"), *, stats=DEPRECATED):
    """Per-coefficient statistics over the frame axis.

    Parameters
    ----------
    frames : np.ndarray [shape=(..., n_frames, n_coefs)]
    summary : tuple of str or str like ``"mean_var"``
        Names from :data:`STATISTICS`.
    stats : tuple of str or str
        Deprecated since 0.2: the old name of ``summary``.

    Returns
    -------
    np.ndarray [shape=(..., n_coefs * len(summary))], float64
        Coefficient-major: ``coef1_mean, coef1_var, coef2_mean, ...`` (the published GTZAN column order).

    Examples
    --------
    >>> frame_statistics(np.array([[1.0, 10.0], [3.0, 30.0]]), "mean_var")
    array([  2.,   1.,  20., 100.])
    """
    names = check_summary(renamed_kwarg("frame_statistics", "stats", stats, "summary", summary))
    frames = np.asarray(frames, dtype=np.float64)
    out = np.stack([STATISTICS[s](frames) for s in names], axis=-1)  # (..., n_coefs, n_stats)
    return out.reshape(*out.shape[:-2], -1)


def statistic_names(coef_names, summary):
    """Column names matching :func:`frame_statistics`: ``[f"{coef}_{stat}" ...]`` coefficient-major."""
    return [f"{c}_{s}" for c in coef_names for s in check_summary(summary)]


def _check_frames(estimator, X, reset):
    """Validate a 2-D table or 3-D frame array; its features are the last axis."""
    if reset:  # a DataFrame's column names name the coefficients (read before check_array drops them)
        columns = getattr(X, "columns", None)
        if columns is not None and all(isinstance(c, str) for c in columns):
            estimator.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    X = check_array(X, allow_nd=True, dtype=(np.float64, np.float32), input_name="X",
                    estimator=estimator, ensure_all_finite=True)
    if X.ndim not in (2, 3):
        raise ValueError(f"{type(estimator).__name__} expects a 2-D table or 3-D frames "
                         f"(n_clips, n_frames, n_coefs); got X with shape {X.shape}")
    n_features = X.shape[-1]
    if reset:
        estimator.n_features_in_ = n_features
    elif n_features != estimator.n_features_in_:
        raise ValueError(f"X has {n_features} features, but {type(estimator).__name__} is expecting "
                         f"{estimator.n_features_in_} features as input (the last axis of X).")
    return X


def _names_in(estimator, input_features):
    n = estimator.n_features_in_
    if input_features is None:
        names = getattr(estimator, "feature_names_in_", None)
        return list(names) if names is not None else [f"x{i + 1}" for i in range(n)]
    if len(input_features) != n:
        raise ValueError(f"input_features has {len(input_features)} names, but {type(estimator).__name__} "
                         f"was fitted on {n} features")
    return list(input_features)


class FrameStatistics(VersionStampMixin, TransformerMixin, BaseEstimator):
    """Turn frames ``(n_clips, n_frames, n_coefs)`` into a table of per-coefficient statistics.

    Parameters
    ----------
    summary : tuple of str or str, default=("mean", "var")
        Statistics over frames, from ``mean, var, std, min, max, median``; ``"mean_var"`` also works.
    stats : tuple of str or str
        Deprecated since 0.2: the old name of ``summary``.

    Attributes
    ----------
    n_features_in_ : int
        Number of coefficients (the last axis of ``X``). A 2-D ``X`` is read as one frame per clip.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12, dtype=float).reshape(2, 3, 2)       # 2 clips, 3 frames, 2 coefficients
    >>> stats = FrameStatistics(summary="mean_std").fit(X)
    >>> stats.transform(X).shape
    (2, 4)
    >>> list(stats.get_feature_names_out(["mfcc1", "mfcc2"]))
    ['mfcc1_mean', 'mfcc1_std', 'mfcc2_mean', 'mfcc2_std']
    """

    _parameter_constraints = {"summary": "no_validation", "stats": "no_validation"}  # check_summary names them

    def __init__(self, summary=("mean", "var"), *, stats=DEPRECATED):
        self.summary = summary
        self.stats = stats

    def _summary(self, warn=False):
        return check_summary(renamed_param(self, "stats", "summary", warn=warn))

    def fit(self, X, y=None):
        self._summary(warn=True)
        _check_frames(self, X, reset=True)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = _check_frames(self, X, reset=False)
        if X.ndim == 2:
            X = X[:, np.newaxis, :]
        return frame_statistics(X, self._summary())

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray(statistic_names(_names_in(self, input_features), self._summary()), dtype=object)


class SequenceScaler(VersionStampMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise each coefficient over clips *and* frames of a 3-D array (2-D: like ``StandardScaler``).

    Parameters
    ----------
    with_mean : bool, default=True
    with_std : bool, default=True

    Attributes
    ----------
    mean_, scale_ : np.ndarray [shape=(n_coefs,)]
    n_features_in_ : int
        Number of coefficients (the last axis of ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(5, 3, size=(4, 100, 13))
    >>> Z = SequenceScaler().fit_transform(X)
    >>> Z.shape, bool(abs(Z.mean()) < 1e-9), bool(abs(Z.std() - 1) < 1e-9)
    ((4, 100, 13), True, True)
    """

    _parameter_constraints = {"with_mean": ["boolean"], "with_std": ["boolean"]}

    @deprecate_positional_args
    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        self._validate_params()
        X = _check_frames(self, X, reset=True)
        flat = X.reshape(-1, X.shape[-1])
        self.mean_ = flat.mean(axis=0) if self.with_mean else np.zeros(X.shape[-1])
        if self.with_std:
            scale = flat.std(axis=0)
            scale[scale < 10 * np.finfo(scale.dtype).eps] = 1.0  # constant coefficient: leave it unscaled
            self.scale_ = scale
        else:
            self.scale_ = np.ones(X.shape[-1])
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = _check_frames(self, X, reset=False)
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        check_is_fitted(self)
        X = _check_frames(self, X, reset=False)
        return (X * self.scale_ + self.mean_).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
