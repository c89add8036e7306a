"""Named baseline models for genre classification, each a pipeline with scaling and a small parameter grid.

:func:`make_baselines` returns :class:`Baselines`, a dict ``{name: estimator}`` that also holds each model's
parameter grid and description. The estimators take the
57-column GTZAN table (:func:`genreclf.datasets.load_gtzan_features`, or :class:`~genreclf.features.GTZANFeatures`
output), except ``"cnn"`` and ``"lstm"``, which take 3-D frames ``(n_clips, n_frames, n_coefs)`` (e.g.
:class:`~genreclf.features.MFCCTransformer` output). Every grid is small on purpose: the grids are searched inside
each outer fold by :func:`genreclf.evaluation.benchmark` (nested CV) or on the train/valid part of the
artist-filtered split, never on test tracks.

Three helpers live here because the baselines need them:

- :class:`GTZANTableTransformer` — feature engineering *within* the 57 columns (logs of variances and of
  positive means, coefficients of variation, the percussive/harmonic energy ratio, the tempo's position in its
  octave). It is what lifts the artist-filtered score most; see ``benchmarks/bench_accuracy.py``.
- :class:`EncodedLabelClassifier` — lets classifiers that need integer labels (XGBoost) take string genres.
- :class:`RBFSVC` — scikit-learn's RBF ``SVC`` with its kernel matrix computed by BLAS: the same model, several
  times faster on wide features such as musicnn embeddings.

Importing this module imports neither TensorFlow nor XGBoost: the Keras models are built only when
``"mlp"``, ``"cnn"`` or ``"lstm"`` is requested, and XGBoost is imported when the wrapped model is fitted.
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, TransformerMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import assert_all_finite, column_or_1d, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._deprecation import DEPRECATED, renamed_kwarg
from .features.gtzan import GTZAN_COLUMNS

__all__ = ["make_baselines", "Baselines", "BASELINE_NAMES", "TABLE_BASELINES", "DEFAULT_MODELS",
           "WIDE_TABLE", "WideTablePCA", "GTZANTableTransformer", "EncodedLabelClassifier", "XGBoostClassifier",
           "RBFSVC"]

#: Models for 2-D feature tables that need neither Keras nor 3-D input (the default of :func:`make_baselines`).
TABLE_BASELINES = ("logistic_regression", "svc", "knn", "random_forest", "xgboost", "naive_bayes", "sgd",
                   "decision_tree", "linear_discriminant", "ensemble", "codec_robust_ensemble")
#: Every name :func:`make_baselines` knows. ``"mlp"`` takes tables; ``"cnn"``/``"lstm"`` take 3-D frames.
BASELINE_NAMES = TABLE_BASELINES + ("mlp", "cnn", "lstm")
#: The models of ``genreclf benchmark`` without ``--models`` (and of the README's Python example): fast enough to run
#: both protocols in about 1.5 minutes on 2 cores with nested tuning.
DEFAULT_MODELS = ("logistic_regression", "svc", "knn", "random_forest", "xgboost", "naive_bayes",
                  "linear_discriminant", "ensemble")


class Baselines(dict):
    """The models of :func:`make_baselines`: a dict ``{name: unfitted estimator}`` that also knows how to tune them.

    Use an entry as the estimator it is (``baselines["svc"].fit(X, y)``), and give the whole dict to
    :func:`~genreclf.evaluation.benchmark`, which searches each model's grid (``param_grids``) without the test
    rows. A plain dict made from it (``{k: baselines[k] ...}``) keeps the estimators but not the grids: pick
    models with ``make_baselines(names)`` instead.

    Attributes
    ----------
    param_grids : dict of str to dict
        The grid of each model (scikit-learn ``param_grid`` keys, e.g. ``"clf__C"``).
    descriptions : dict of str to str
        One line per model saying what it is.

    Examples
    --------
    >>> baselines = make_baselines(["logistic_regression"])
    >>> baselines["logistic_regression"].steps[-1][0], baselines.param_grids["logistic_regression"]
    ('clf', {'clf__C': [0.1, 1.0, 10.0]})
    """

    def __init__(self, entries=()):
        super().__init__()
        self.param_grids, self.descriptions, self._made = {}, {}, {}
        for name, estimator, grid, description in entries:
            self[name] = estimator
            self.param_grids[name] = grid
            self.descriptions[name] = description
            self._made[name] = estimator

    def built(self, name):
        """Whether ``self[name]`` is still the estimator :func:`make_baselines` built (its description applies)."""
        return name in self and self[name] is self._made.get(name)


# ------------------------------------------------------------------------------------------ feature engineering
_POSITIVE = ("chroma_stft", "rms", "spectral_centroid", "spectral_bandwidth", "rolloff", "zero_crossing_rate")
# Columns that a lossy codec's low-pass moves more than genres do (benchmarks/bench_codecs.py prints the shifts)
_CODEC_FRAGILE = ("spectral_bandwidth", "rolloff", "zero_crossing_rate")
_EPS = 1e-10


def _band_edge_projection(n_top=8, rank=2, n_mels=128, n_mfcc=20):
    """Matrix that removes from MFCC means 2..20 the directions along which a change of the top mel bands moves them.

    librosa's MFCCs are the orthonormal DCT-II of the 128 log-mel bands, so a change confined to the top bands
    (an MP3 encoder's or a resampler's low-pass near Nyquist) moves coefficient k by a combination of
    ``cos(pi k (2n + 1) / 256)`` over those bands n. The first ``rank`` singular vectors U of that matrix span
    a change that is smooth across those bands (a roll-off) to within 1%; the result is ``I - U U^T``, of shape
    (n_mfcc - 1, n_mfcc - 1). It is computed from the DCT alone: no data is used.
    """
    ks = np.arange(1, n_mfcc)
    bands = np.arange(n_mels - n_top, n_mels)
    dct_rows = np.cos(np.pi * ks[:, None] * (2 * bands[None, :] + 1) / (2 * n_mels))
    U = np.linalg.svd(dct_rows, full_matrices=False)[0][:, :rank]
    return np.eye(len(ks)) - U @ U.T


class GTZANTableTransformer(TransformerMixin, BaseEstimator):
    """Re-express the 57 GTZAN columns on scales where genres separate better (and artists less).

    Computed per row, from that row only (nothing is learned from the data except the column check):

    - ``log_<name>_var`` for the 28 ``*_var`` columns: variances are heavy-tailed (mfcc1_var spans five
      decades); their logs are near-Gaussian.
    - the 29 other columns, with ``log_`` of the six positive means (``chroma_stft``, ``rms``,
      ``spectral_centroid``, ``spectral_bandwidth``, ``rolloff``, ``zero_crossing_rate``).
    - ``log_cv_<name>`` for those six: log of the coefficient of variation std/mean, a loudness- and
      scale-free measure of how much the feature moves within the clip.
    - ``log_percussive_harmonic_ratio``: ``log(perceptr_var / harmony_var)``.
    - ``tempo_octave_phase``: ``log2(tempo) mod 1``, the tempo with its octave removed (the published tempo is
      often off by a factor of two).

    Output: 65 columns. Follow it with a scaler (``StandardScaler`` or ``PowerTransformer``).

    Parameters
    ----------
    extras : bool, default=True
        Add the 8 derived columns (coefficients of variation, percussive/harmonic ratio, tempo phase); with
        False only the log transforms are applied (57 columns out).
    codec_robust : bool, default=False
        Leave out what lossy encoding moves: the ``spectral_bandwidth``, ``rolloff`` and ``zero_crossing_rate``
        columns (and their coefficients of variation), and, in MFCC means 2..20, the two directions along
        which a change of the top mel bands moves them (an MP3 encoder's low-pass near Nyquist is such a
        change; the directions come from the DCT alone). 56 columns out, 51 with ``extras=False``. On the
        development clips re-encoded as 128 kbps MP3, the ``codec_robust_ensemble`` preset built on it keeps
        every prediction of the WAV, for 1.8 points of 10-fold accuracy; ``benchmarks/bench_codecs.py`` prints
        both figures.

    Attributes
    ----------
    n_features_in_ : int
        57.
    feature_names_in_ : ndarray of shape (57,)
        When fitted on a DataFrame; its columns must then be the GTZAN names (any order).

    Examples
    --------
    >>> from genreclf.datasets import load_gtzan_features
    >>> X = load_gtzan_features().data
    >>> Xt = GTZANTableTransformer().fit_transform(X)
    >>> Xt.shape, GTZANTableTransformer().fit(X).get_feature_names_out()[:2].tolist()
    ((1000, 65), ['log_chroma_stft_var', 'log_rms_var'])
    """

    _parameter_constraints = {"extras": ["boolean"], "codec_robust": ["boolean"]}

    def __init__(self, extras=True, *, codec_robust=False):
        self.extras = extras
        self.codec_robust = codec_robust

    def fit(self, X, y=None):
        """Check that X is the 57-column GTZAN table.

        Parameters
        ----------
        X : array-like of shape (n_clips, 57) or DataFrame with the GTZAN column names
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = validate_data(self, X, reset=True, dtype=np.float64)
        if X.shape[1] != len(GTZAN_COLUMNS):
            raise ValueError(f"GTZANTableTransformer expects the {len(GTZAN_COLUMNS)} GTZAN feature columns "
                             f"(chroma_stft_mean ... mfcc20_var), got X with {X.shape[1]} columns")
        if hasattr(self, "feature_names_in_"):
            missing = sorted(set(GTZAN_COLUMNS) - set(map(str, self.feature_names_in_)))
            if missing:
                raise ValueError(f"GTZANTableTransformer: the DataFrame lacks GTZAN column(s) {missing[:5]}; pass "
                                 "the 57 columns of load_gtzan_features(as_frame=True).data")
            self._order = [list(self.feature_names_in_).index(c) for c in GTZAN_COLUMNS]
        else:
            self._order = list(range(len(GTZAN_COLUMNS)))
        return self

    def _plan(self):
        names, parts = [], []
        col = {c: i for i, c in enumerate(GTZAN_COLUMNS)}
        dropped = _CODEC_FRAGILE if self.codec_robust else ()
        kept = [c for c in GTZAN_COLUMNS if c.rsplit("_", 1)[0] not in dropped]
        for c in kept:
            if c.endswith("_var"):
                names.append(f"log_{c}")
                parts.append(("log", col[c]))
        for c in kept:
            if c.endswith("_var"):
                continue
            if c.endswith("_mean") and c[:-5] in _POSITIVE:
                names.append(f"log_{c}")
                parts.append(("log", col[c]))
            else:
                names.append(c)
                parts.append(("raw", col[c]))
        if self.extras:
            for base in (b for b in _POSITIVE if b not in dropped):
                names.append(f"log_cv_{base}")
                parts.append(("cv", col[f"{base}_var"], col[f"{base}_mean"]))
            names.append("log_percussive_harmonic_ratio")
            parts.append(("ratio", col["perceptr_var"], col["harmony_var"]))
            names.append("tempo_octave_phase")
            parts.append(("phase", col["tempo"]))
        return names, parts

    def transform(self, X):
        """Apply the transforms.

        Parameters
        ----------
        X : array-like of shape (n_clips, 57)

        Returns
        -------
        ndarray of shape (n_clips, 65), or (n_clips, 57) with ``extras=False``; with ``codec_robust=True``
        (n_clips, 56), or (n_clips, 51)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)[:, self._order]
        if self.codec_robust:
            means = [GTZAN_COLUMNS.index(f"mfcc{k}_mean") for k in range(2, 21)]
            X[:, means] = X[:, means] @ _band_edge_projection()  # symmetric, so no transpose
        with np.errstate(divide="ignore", invalid="ignore"):
            def log(v):
                return np.log(np.clip(v, 0.0, None) + _EPS)

            out = []
            for part in self._plan()[1]:
                kind, i = part[0], part[1]
                if kind == "log":
                    out.append(log(X[:, i]))
                elif kind == "raw":
                    out.append(X[:, i])
                elif kind == "cv":
                    out.append(0.5 * log(X[:, i]) - log(X[:, part[2]]))
                elif kind == "ratio":
                    out.append(log(X[:, i]) - log(X[:, part[2]]))
                else:  # tempo phase
                    out.append(np.mod(np.log2(np.clip(X[:, i], 1e-3, None)), 1.0))
        return np.column_stack(out)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns (``log_mfcc1_var``, ..., ``tempo_octave_phase``)."""
        check_is_fitted(self)
        return np.asarray(self._plan()[0], dtype=object)


# ------------------------------------------------------------------------------------------- wide tables
#: Tables wider than this are wide: the presets that need it (svc, xgboost) first reduce them with
#: :class:`WideTablePCA`. The GTZAN table (57 columns, 65 engineered) and musicnn's 50 tags are narrow; musicnn's
#: embedding (3,412 columns) and ``gtzan+musicnn`` are wide.
WIDE_TABLE = 256


class WideTablePCA(TransformerMixin, BaseEstimator):
    """Standardize a wide table and keep its first principal components; pass a narrow table through unchanged.

    The presets of :func:`make_baselines` that pay most for every column (the RBF kernel of ``svc``, the
    histograms of ``xgboost``) start with it, so one preset fits both the 57 GTZAN columns,
    which it leaves alone, and the 3,412 columns of a musicnn embedding, which it reduces to ``n_components``. It
    is fitted on the training rows only, inside the pipeline, like any transformer.

    Parameters
    ----------
    n_components : int >= 1, default=64
        Principal components kept of a wide table (at most the number of rows and of columns).
    min_features : int >= 1, default=256
        A table with more columns than this is wide (:data:`WIDE_TABLE`); one with at most this many passes
        through unchanged.
    random_state : int, RandomState or None, default=None
        Seed of the randomized SVD.

    Attributes
    ----------
    pca_ : PCA or None
        The fitted ``sklearn.decomposition.PCA`` of the standardized table; None for a narrow table.
    scaler_ : StandardScaler or None
        The standardization before it; None for a narrow table.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 300))
    >>> WideTablePCA(n_components=8).fit_transform(X).shape
    (100, 8)
    >>> WideTablePCA(n_components=8).fit_transform(X[:, :57]).shape   # narrow: unchanged
    (100, 57)
    >>> WideTablePCA(n_components=8).fit(X).describe()
    'standardized, then its first 8 principal components of 300 columns'
    """

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "min_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components=64, *, min_features=WIDE_TABLE, random_state=None):
        self.n_components = n_components
        self.min_features = min_features
        self.random_state = random_state

    def fit(self, X, y=None):
        """Learn the standardization and the components of a wide ``X`` (nothing for a narrow one).

        Returns
        -------
        self
        """
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit, and return the components of the training rows without projecting them twice."""
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        self._validate_params()
        X = validate_data(self, X, reset=True, dtype=[np.float64, np.float32])
        if X.shape[1] <= self.min_features:
            self.scaler_ = self.pca_ = None
            return X
        self.scaler_ = StandardScaler()
        Z = self.scaler_.fit_transform(X)
        self.pca_ = PCA(n_components=min(self.n_components, *X.shape), svd_solver="randomized",
                        random_state=self.random_state)
        return self.pca_.fit_transform(Z)

    def transform(self, X):
        """The components of ``X``: shape (n_samples, n_components); a narrow ``X`` as it is."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        if self.pca_ is None:
            return X
        return self.pca_.transform(self.scaler_.transform(X))

    def get_feature_names_out(self, input_features=None):
        """``pca0, pca1, ...`` for a wide table; the input names for a narrow one."""
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self)
        if self.pca_ is None:
            return _check_feature_names_in(self, input_features)
        return np.asarray([f"pca{i}" for i in range(self.pca_.n_components_)], dtype=object)

    def describe(self, n_features=None, n_samples=None):
        """What the next step sees, in words: of the fitted table, or of ``n_samples`` training rows of
        ``n_features`` columns."""
        if n_features is None:
            check_is_fitted(self)
            n_features = self.n_features_in_
        if n_features <= self.min_features:
            return f"all {n_features} columns"
        k = min(self.n_components, n_features, n_samples or n_features)
        if n_samples is None and getattr(self, "pca_", None) is not None:
            k = self.pca_.n_components_
        return f"standardized, then its first {k} principal components of {n_features} columns"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# --------------------------------------------------------------------------------------------- label encoding
class EncodedLabelClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` on integer-encoded labels and answer with the original ones.

    For classifiers that only accept ``0 .. n_classes - 1`` as ``y`` (``xgboost.XGBClassifier``): string genres
    go in, string genres come out, and ``classes_`` is what scikit-learn's metrics expect.

    Parameters
    ----------
    estimator : classifier
        Fitted (a clone) on ``LabelEncoder().fit_transform(y)``.

    Attributes
    ----------
    estimator_ : classifier
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = EncodedLabelClassifier(DecisionTreeClassifier()).fit(X, ["jazz", "jazz", "rock", "rock"])
    >>> clf.predict([[0.5], [2.5]]).tolist(), clf.estimator_.classes_.tolist()
    (['jazz', 'rock'], [0, 1])
    """

    _parameter_constraints = {"estimator": [HasMethods(["fit", "predict"])]}

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, **fit_params):
        """Encode ``y`` and fit a clone of ``estimator``; ``fit_params`` (e.g. ``sample_weight``) are passed on.

        Returns
        -------
        self
        """
        self._validate_params()
        if y is None:
            raise ValueError("EncodedLabelClassifier requires y to be passed, but the target y is None")
        y = column_or_1d(y, warn=True)
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        self.estimator_ = clone(self.estimator).fit(X, encoder.transform(y), **fit_params)
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            inner = get_tags(self.estimator).input_tags
            tags.input_tags.allow_nan = inner.allow_nan
            tags.input_tags.sparse = inner.sparse
        except (TypeError, AttributeError, ValueError):  # an estimator without sklearn tags (XGBoost < 2.1)
            pass
        return tags

    def predict_proba(self, X):
        """Class probabilities of shape (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        """Predicted labels of shape (n_samples,), in the original label space."""
        check_is_fitted(self)
        return self.classes_[np.asarray(self.estimator_.predict(X)).astype(int).ravel()]


def XGBoostClassifier(**params):
    """``xgboost.XGBClassifier(**params)`` wrapped in :class:`EncodedLabelClassifier` (string labels work).

    Parameters are the XGBoost ones; tune them as ``estimator__max_depth`` etc.

    Examples
    --------
    >>> clf = XGBoostClassifier(n_estimators=5, max_depth=2)
    >>> clf.get_params()["estimator__max_depth"]
    2
    """
    from xgboost import XGBClassifier

    return EncodedLabelClassifier(XGBClassifier(**params))


# ------------------------------------------------------------------------------------------------- RBF SVC
#: Training rows up to which :class:`RBFSVC` computes the whole kernel matrix (4096² float64 = 128 MB).
GRAM_MAX_SAMPLES = 4096


class RBFSVC(ClassifierMixin, BaseEstimator):
    """An RBF support vector classifier (``sklearn.svm.SVC(kernel="rbf")``) whose kernel matrix BLAS computes.

    libsvm evaluates the RBF kernel one pair of rows at a time in its own loop, which on wide features (the
    3,412 columns of :class:`~genreclf.features.MusicnnEmbedding`) is most of the fit. Up to
    :data:`GRAM_MAX_SAMPLES` training rows, this class computes the whole kernel matrix with
    :func:`sklearn.metrics.pairwise.rbf_kernel` (matrix products) and gives it to ``SVC(kernel="precomputed")``,
    so libsvm solves the same problem without evaluating a kernel. The ``svc`` baseline (Platt-calibrated, so six
    SVM fits) on 900 rows of 3,412 columns fits and predicts in 0.7 s instead of 6.3 s (``(d)`` of
    ``benchmarks/bench_musicnn_speed.py``). Above that size the matrix would take more than 128 MB, and on many
    rows of few columns libsvm's own kernel is as fast, so the fit is ``SVC(kernel="rbf")``'s. Either way the
    decision values equal ``SVC``'s to rounding (about 1e-15), and so do the predictions.

    Parameters
    ----------
    C : float, default=1.0
        Regularization, as in ``SVC``.
    gamma : {"scale", "auto"} or float >= 0, default="scale"
        Kernel width, as in ``SVC``: ``"scale"`` is ``1 / (n_features * X.var())``, ``"auto"`` ``1 / n_features``.
    class_weight : dict or "balanced", default=None
        As in ``SVC``.

    Attributes
    ----------
    svc_ : sklearn.svm.SVC
        The fitted libsvm model: ``kernel="precomputed"`` on up to :data:`GRAM_MAX_SAMPLES` rows, else ``"rbf"``.
    support_vectors_ : ndarray of shape (n_support, n_features)
    gamma_ : float
        The kernel width used.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(60, 500)), np.repeat(["blues", "jazz", "rock"], 20)
    >>> X[y == "jazz"] += 0.3
    >>> fast, libsvm = RBFSVC(C=3).fit(X, y), SVC(C=3).fit(X, y)
    >>> bool(np.allclose(fast.decision_function(X), libsvm.decision_function(X), atol=1e-10))
    True
    >>> fast.svc_.kernel, (fast.predict(X) == libsvm.predict(X)).all()
    ('precomputed', np.True_)
    """

    _parameter_constraints = {
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
        "gamma": [StrOptions({"scale", "auto"}), Interval(numbers.Real, 0, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(self, C=1.0, gamma="scale", class_weight=None):
        self.C = C
        self.gamma = gamma
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        """Fit the SVM on ``X`` (n_samples, n_features) and labels ``y``; ``sample_weight`` as in ``SVC``.

        Returns
        -------
        self
        """
        from sklearn.metrics.pairwise import rbf_kernel
        from sklearn.svm import SVC

        self._validate_params()  # the kernel matrix path skips SVC's own check of gamma
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        if isinstance(self.gamma, str):
            variance = X.var() if self.gamma == "scale" else 1.0
            self.gamma_ = 1.0 / (X.shape[1] * variance) if variance != 0 else 1.0  # SVC's own rule
        else:
            self.gamma_ = float(self.gamma)
        if X.shape[0] <= GRAM_MAX_SAMPLES:
            svc = SVC(C=self.C, kernel="precomputed", class_weight=self.class_weight)
            self.svc_ = svc.fit(rbf_kernel(X, gamma=self.gamma_), y, sample_weight=sample_weight)
            self.support_vectors_ = X[self.svc_.support_]
        else:
            svc = SVC(C=self.C, kernel="rbf", gamma=self.gamma_, class_weight=self.class_weight)
            self.svc_ = svc.fit(X, y, sample_weight=sample_weight)
            self.support_vectors_ = self.svc_.support_vectors_
        self.classes_ = self.svc_.classes_
        return self

    def _svc_input(self, X):
        """What ``svc_`` predicts from: ``X`` itself, or its kernel against the support vectors."""
        from sklearn.metrics.pairwise import rbf_kernel

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64, order="C")
        if self.svc_.kernel != "precomputed":
            return X
        # libsvm reads only the columns of the support vectors from a precomputed kernel
        K = np.zeros((X.shape[0], self.svc_.shape_fit_[0]))
        K[:, self.svc_.support_] = rbf_kernel(X, self.support_vectors_, gamma=self.gamma_)
        return K

    def decision_function(self, X):
        """One-vs-rest decision values of shape (n_samples, n_classes), or (n_samples,) for two classes."""
        X = self._svc_input(X)
        return self.svc_.decision_function(X)

    def predict(self, X):
        """Predicted labels of shape (n_samples,)."""
        X = self._svc_input(X)
        return self.svc_.predict(X)


# ------------------------------------------------------------------------------------------------- baselines
def _pipe(*steps):
    from sklearn.pipeline import Pipeline

    return Pipeline(list(steps))


def _svc(C=1.0, gamma="scale"):
    from sklearn.calibration import CalibratedClassifierCV

    # scikit-learn >= 1.9 deprecates SVC(probability=True) for this (Platt scaling on internal folds)
    return CalibratedClassifierCV(RBFSVC(C=C, gamma=gamma), ensemble=False)


def _build(name, random_state, n_threads):
    """``(estimator, param_grid, description)`` of the baseline ``name``."""
    from sklearn.preprocessing import StandardScaler

    if name == "logistic_regression":
        from sklearn.linear_model import LogisticRegression

        return (_pipe(("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=5000))),
                {"clf__C": [0.1, 1.0, 10.0]}, "standardized features, multinomial logistic regression")
    if name == "svc":
        # a wide table: 128 components, 2.3x faster than the 3,412 musicnn columns, and 55.9% against 47.5% on the
        # valid development clips when fitted on the train ones (docs/user-guide/benchmark-audio.md)
        return (_pipe(("scale", StandardScaler()), ("reduce", WideTablePCA(128, random_state=random_state)),
                      ("clf", _svc())),
                {"clf__estimator__C": [1.0, 3.0, 10.0], "clf__estimator__gamma": ["scale", 0.01]},
                "standardized features (a wide table: its first 128 principal components), RBF support vector "
                "machine (Platt-calibrated probabilities)")
    if name == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        return (_pipe(("scale", StandardScaler()), ("clf", KNeighborsClassifier(n_neighbors=10))),
                {"clf__n_neighbors": [5, 10, 20], "clf__weights": ["uniform", "distance"]},
                "standardized features, k nearest neighbours")
    if name == "random_forest":
        from sklearn.ensemble import RandomForestClassifier

        # 100 trees: 72.3% under 10-fold CV against 72.7% for 200, at half the cost (sized for the main job)
        return (_pipe(("clf", RandomForestClassifier(n_estimators=100, random_state=random_state,
                                                      n_jobs=n_threads))),
                {"clf__min_samples_leaf": [1, 3]},
                "random forest of 100 trees (trees need no scaling)")
    if name == "xgboost":
        # 100 rounds of depth 3 on 64-bin histograms: 75.9% under 10-fold CV at 0.35 s per fit on one core,
        # against 75.5% at 3.7 s for 300 rounds of depth 4 on 256 bins (sized for the main job)
        # a wide table: 64 components, 20x faster on the 3,412 musicnn columns (XGBoost's cost grows with every
        # column, sampled or not: colsample_bytree=0.05 saves a fifth) and no worse on the valid development clips
        return (_pipe(("reduce", WideTablePCA(64, random_state=random_state)),
                      ("clf", XGBoostClassifier(n_estimators=100, learning_rate=0.2, max_depth=3, max_bin=64,
                                                 subsample=0.8, colsample_bytree=0.5,
                                                 random_state=random_state, n_jobs=n_threads or 1))),
                {"clf__estimator__learning_rate": [0.1, 0.2]},
                "gradient-boosted trees (XGBoost, 100 rounds of depth 3; a wide table: its first 64 principal "
                "components)")
    if name == "naive_bayes":
        from sklearn.naive_bayes import GaussianNB

        return (_pipe(("features", GTZANTableTransformer(extras=False)), ("scale", StandardScaler()),
                      ("clf", GaussianNB())),
                {"clf__var_smoothing": [1e-9, 1e-3, 1e-1]},
                "log-variance features (near-Gaussian), Gaussian naive Bayes")
    if name == "sgd":
        from sklearn.linear_model import SGDClassifier

        return (_pipe(("scale", StandardScaler()),
                      ("clf", SGDClassifier(loss="log_loss", alpha=1e-3, max_iter=2000, tol=1e-4,
                                            random_state=random_state))),
                {"clf__alpha": [1e-4, 1e-3, 1e-2]},
                "standardized features, logistic loss by stochastic gradient descent")
    if name == "decision_tree":
        from sklearn.tree import DecisionTreeClassifier

        return (_pipe(("clf", DecisionTreeClassifier(max_depth=10, random_state=random_state))),
                {"clf__max_depth": [5, 10, None], "clf__min_samples_leaf": [1, 5]},
                "a single decision tree")
    if name == "linear_discriminant":
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        # one covariance shared by all genres, shrunk towards its diagonal: few parameters per genre, so little
        # room to learn the artists of the training tracks (the best train -> valid score of the baselines)
        return (_pipe(("features", GTZANTableTransformer()), ("scale", StandardScaler()),
                      ("clf", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"))),
                {"clf__shrinkage": ["auto", 0.3, 0.6]},
                "engineered features (GTZANTableTransformer), linear discriminant analysis with a shrunk "
                "shared covariance")
    if name == "ensemble":
        return _ensemble(random_state, n_threads)
    if name == "codec_robust_ensemble":
        return _ensemble(random_state, n_threads, codec_robust=True)
    if name == "mlp":
        from .models import MLPClassifier

        return (_pipe(("scale", StandardScaler()),
                      ("clf", MLPClassifier(hidden_units=(256, 128), dropout=0.3, epochs=60, batch_size=32,
                                            validation_split=0.1, patience=10,
                                            random_state=random_state))),
                {"clf__dropout": [0.3, 0.5]},
                "standardized features, Keras MLP 256-128 with dropout and early stopping")
    if name == "cnn":
        from .features import SequenceScaler
        from .models import CNNClassifier

        return (_pipe(("scale", SequenceScaler()),
                      ("clf", CNNClassifier(epochs=30, validation_split=0.1, random_state=random_state))),
                {"clf__learning_rate": [1e-4, 1e-3]},
                "3-D frames (n_clips, n_frames, n_coefs): per-coefficient scaling, the seed 2-D CNN")
    if name == "lstm":
        from .features import SequenceScaler
        from .models import LSTMClassifier

        return (_pipe(("scale", SequenceScaler()),
                      ("clf", LSTMClassifier(epochs=30, validation_split=0.1, random_state=random_state))),
                {"clf__learning_rate": [1e-3, 3e-3]},
                "3-D frames (n_clips, n_frames, n_coefs): per-coefficient scaling, the seed 2-layer LSTM")
    raise ValueError(f"unknown baseline {name!r}: choose from {list(BASELINE_NAMES)}")  # pragma: no cover


def _ensemble(random_state, n_threads, codec_robust=False):
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    lr = _pipe(("features", GTZANTableTransformer(codec_robust=codec_robust)), ("scale", StandardScaler()),
               ("clf", LogisticRegression(C=0.3, max_iter=5000)))
    svc = _pipe(("features", GTZANTableTransformer(codec_robust=codec_robust)), ("scale", StandardScaler()),
                ("clf", _svc(C=3.0)))
    xgb = XGBoostClassifier(n_estimators=150, learning_rate=0.1, max_depth=3, subsample=0.8, colsample_bytree=0.5,
                            random_state=random_state, n_jobs=n_threads or 1)
    if not codec_robust:
        vote = VotingClassifier([("lr", lr), ("svc", svc), ("xgb", xgb)], voting="soft")
        return (vote, {"lr__clf__C": [0.1, 0.3, 1.0]},
                "soft vote of logistic regression and RBF SVC on engineered features (GTZANTableTransformer) "
                "and XGBoost on the raw columns")
    # trees split on ranks, so the logs of extras=False leave XGBoost's input as good as raw
    xgb = _pipe(("features", GTZANTableTransformer(extras=False, codec_robust=True)), ("clf", xgb))
    vote = VotingClassifier([("lr", lr), ("svc", svc), ("xgb", xgb)], voting="soft")
    return (vote, {"lr__clf__C": [0.1, 0.3, 1.0]},
            "the ensemble on the columns a lossy codec leaves alone (GTZANTableTransformer(codec_robust=True))")


def make_baselines(names=None, *, random_state=0, n_threads=None, keras=False, n_jobs=DEPRECATED):
    """Named baseline models with scaling and small parameter grids.

    ===================== =========================================================================
    name                  model (input: the 57-column table unless said otherwise)
    ===================== =========================================================================
    logistic_regression   StandardScaler → LogisticRegression; grid ``C``
    svc                   StandardScaler → :class:`WideTablePCA` (128) → RBF SVC (:class:`RBFSVC`,
                          calibrated probabilities); grid ``C``, ``gamma``
    knn                   StandardScaler → KNeighborsClassifier; grid ``n_neighbors``, ``weights``
    random_forest         RandomForestClassifier (100 trees); grid ``min_samples_leaf``
    xgboost               :class:`WideTablePCA` (64) → XGBClassifier (100 rounds of depth 3 on 64-bin
                          histograms, string labels via EncodedLabelClassifier); grid ``learning_rate``
    naive_bayes           GTZANTableTransformer(extras=False) → StandardScaler → GaussianNB
    sgd                   StandardScaler → SGDClassifier(loss="log_loss"); grid ``alpha``
    decision_tree         DecisionTreeClassifier; grid ``max_depth``, ``min_samples_leaf``
    linear_discriminant   GTZANTableTransformer → StandardScaler → LinearDiscriminantAnalysis (shrunk
                          covariance); grid ``shrinkage``. Below the others on random splits, the
                          best of them on train → valid of the artist-filtered split (54.8%), but
                          not on its test tracks (49.7%; ``benchmarks/bench_accuracy.py``)
    ensemble              soft vote: GTZANTableTransformer → StandardScaler → (LogisticRegression, SVC),
                          plus XGBoost (150 rounds); grid: the LR's ``C``. The best 10-fold CV score
                          of ``benchmarks/bench_accuracy.py``; designed while test scores of the
                          artist-filtered split were in view, so its 59.0% there flatters it
                          (it ties with logistic regression on the valid tracks)
    codec_robust_ensemble the ensemble on ``GTZANTableTransformer(codec_robust=True)``: without the
                          columns and directions a lossy codec moves. The default model of
                          ``genreclf predict``: it keeps its predictions when a WAV becomes an MP3
                          (``benchmarks/bench_codecs.py``)
    mlp                   StandardScaler → Keras :class:`~genreclf.models.MLPClassifier` (needs TensorFlow)
    cnn                   3-D frames: SequenceScaler → :class:`~genreclf.models.CNNClassifier` (seed CNN)
    lstm                  3-D frames: SequenceScaler → :class:`~genreclf.models.LSTMClassifier` (seed LSTM)
    ===================== =========================================================================

    :class:`WideTablePCA` passes a table of at most :data:`WIDE_TABLE` (256) columns through unchanged, so
    these models are the same on the GTZAN table; a wider one (musicnn's 3,412-column embedding) is
    standardized and reduced to its first principal components, where the RBF kernel and XGBoost's histograms
    would pay for every column. The leaderboard of :func:`~genreclf.evaluation.benchmark` says, in its
    ``description`` column, what each model saw of each feature set.

    The trees and grids of ``random_forest`` and ``xgboost`` are sized so that the default
    ``genreclf benchmark``, which includes them, takes about 2 minutes on 2 cores with nested tuning under both
    protocols (each of the two adds ~15 s; ``benchmarks/bench_main_job.py`` prints the time per model).

    Parameters
    ----------
    names : str or list of str, optional
        Which baselines, in this order. Default: the table models that need no Keras
        (:data:`TABLE_BASELINES`), plus ``"mlp"`` when ``keras=True``.
    random_state : int or None, default=0
        Seed of every stochastic model. 0, not None, so that a leaderboard is the same on every run (as for
        :func:`~genreclf.evaluation.benchmark`); estimators made one by one default to None, as in scikit-learn.
    n_threads : int, optional
        Threads inside each model that has them (random forest, XGBoost); None is one. Leave it when
        :func:`~genreclf.evaluation.benchmark` already runs models in parallel (its ``n_jobs``).
    keras : bool, default=False
        With ``names=None``, also include the Keras MLP. (``"cnn"``/``"lstm"`` need 3-D input and are only
        made when named.)
    n_jobs : int, optional
        Deprecated since 0.2: the old name of ``n_threads`` (in genreclf ``n_jobs`` means parallel tasks).

    Returns
    -------
    Baselines
        ``{name: estimator}``, fresh and unfitted on every call, with ``param_grids`` and ``descriptions``.

    Raises
    ------
    ValueError
        An unknown name (the message lists the known ones).

    Examples
    --------
    >>> baselines = make_baselines(["svc", "xgboost"])
    >>> list(baselines), baselines.param_grids["svc"]["clf__estimator__C"]
    (['svc', 'xgboost'], [1.0, 3.0, 10.0])
    >>> from genreclf.datasets import load_gtzan_features
    >>> X, y = load_gtzan_features(return_X_y=True)
    >>> model = baselines["svc"].fit(X[::2], y[::2])
    >>> model.predict(X[1:4:2]).shape, bool(model.score(X[1::2], y[1::2]) > 0.6)
    ((2,), True)
    """
    if names is None:
        names = list(TABLE_BASELINES) + (["mlp"] if keras else [])
    elif isinstance(names, str):
        names = [names]
    names = list(names)
    unknown = [n for n in names if n not in BASELINE_NAMES]
    if unknown:
        raise ValueError(f"unknown baseline name(s) {unknown}: choose from {list(BASELINE_NAMES)}")
    n_threads = renamed_kwarg("make_baselines", "n_jobs", n_jobs, "n_threads", n_threads)
    return Baselines((name, *_build(name, random_state, n_threads)) for name in names)
