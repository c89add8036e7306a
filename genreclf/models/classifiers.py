"""Keras networks as scikit-learn classifiers: :class:`CNNClassifier`, :class:`LSTMClassifier`, :class:`MLPClassifier`.

Why not scikeras
----------------
scikeras' ideas are kept — the model packed as in-memory ``.keras`` bytes when pickled (so ``clone``,
``joblib.dump`` and ``n_jobs > 1`` work), ``class_weight`` mapped to sample weights, one seeding helper,
shapes checked before Keras sees the data — but the classes do not subclass ``scikeras.KerasClassifier``:

1. ``import scikeras`` imports Keras/TensorFlow and monkeypatches ``keras.Model`` (and losses, metrics,
   optimizers) globally, whereas genreclf promises that TensorFlow is imported only when a network is first
   built: ``from genreclf import CNNClassifier`` stays light (a few ms instead of several seconds).
2. scikeras takes ``**kwargs`` and routes ``model__*`` parameters; here every architecture knob is an explicit
   ``__init__`` parameter, so ``get_params``, ``clone`` and ``GridSearchCV`` see exactly what they tune and
   :func:`sklearn.utils.estimator_checks.parametrize_with_checks` runs on the classes unchanged.

Input shapes
------------
- 2-D tables ``(n_samples, n_features)``: :class:`MLPClassifier` eats them as they are; :class:`CNNClassifier` and
  :class:`LSTMClassifier` reshape each row to ``input_shape`` when it is given (so ``StandardScaler``/``PCA`` can
  come first), else read each row as a sequence of ``n_features`` steps of one value.
- 3-D frames ``(n_samples, n_frames, n_coefs)``: the CNN adds a channel axis, the LSTM reads frames as time steps,
  the MLP flattens them.

``n_features_in_`` counts the last axis (the coefficients of a 3-D array), as in :mod:`genreclf.features.frames`.

Reproducibility
---------------
With an int ``random_state``, ``fit`` seeds Python, NumPy and Keras/TensorFlow with it and switches TensorFlow's
op determinism on for the duration of the fit (the previous global random states are restored afterwards), and
the validation split is drawn from the same seed, so two fits on one machine give identical predictions.
Residual nondeterminism: results may still differ between machines, CPU instruction sets (oneDNN kernels),
TensorFlow versions and thread counts, and GPUs need deterministic kernels for every op. With
``random_state=None`` every fit starts from fresh random weights.
"""
import os
import random
import tempfile
import warnings
from contextlib import contextmanager, nullcontext
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import assert_all_finite, check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted, validate_data

from .._deprecation import deprecate_positional_args
from .._persistence import VersionStampMixin
from . import networks
from .networks import MLP_PRESETS, import_keras

__all__ = ["BaseKerasClassifier", "CNNClassifier", "LSTMClassifier", "MLPClassifier", "seeded",
           "tf_determinism_restored", "pack_keras_model", "unpack_keras_model", "check_probabilities"]

#: Rows per forward pass at predict time. Every pass is this full size (the last one padded with zero rows): float32
#: kernels round a row differently when it falls in the ragged tail of a batch, so a fixed, full batch is what makes
#: a row's probabilities independent of the rows predicted with it (and memory bounded).
_PREDICT_CHUNK = 256


# ---------------------------------------------------------------------------------------------------- helpers
@contextmanager
def seeded(seed):
    """Seed Python, NumPy and Keras/TensorFlow and make TensorFlow ops deterministic, inside a ``with`` block.

    The global Python and NumPy random states and TensorFlow's op-determinism switch are restored on exit, so
    seeding one estimator does not reseed the caller's program (TensorFlow's and Keras' global seeds have no public
    getter: they stay at ``seed``). ``seed=None`` does nothing.

    Parameters
    ----------
    seed : int or None

    Examples
    --------
    >>> import numpy as np
    >>> with seeded(0):
    ...     a = np.random.rand()
    >>> with seeded(0):
    ...     b = np.random.rand()
    >>> a == b
    True
    """
    if seed is None:
        yield
        return
    keras = import_keras()
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002 - Keras seeds the legacy global
    with tf_determinism_restored():
        keras.utils.set_random_seed(int(seed))
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf
            tf.config.experimental.enable_op_determinism()
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)  # noqa: NPY002


def predict_in_full_batches(model, X):
    """A Keras model's outputs for ``X``, as float64, from forward passes of ``_PREDICT_CHUNK`` rows each.

    The last pass is padded with zero rows, so that every row goes through the same float32 kernels whatever the
    rows predicted with it: its output does not depend on their number or order.
    """
    X = np.asarray(X)
    chunks = []
    batch = np.zeros((_PREDICT_CHUNK, *X.shape[1:]), dtype=X.dtype)
    for start in range(0, len(X), _PREDICT_CHUNK):
        rows = X[start:start + _PREDICT_CHUNK]
        batch[:len(rows)] = rows
        batch[len(rows):] = 0
        chunks.append(np.asarray(model(batch, training=False))[:len(rows)])
    if not chunks:
        return np.zeros((0, *model.output_shape[1:]), dtype=np.float64)
    return np.concatenate(chunks).astype(np.float64)


def check_probabilities(proba, who):
    """``proba`` rescaled so that rows sum to exactly 1, once checked that they are probabilities: finite, not
    negative, and summing to 1 within float32 rounding. Else an error naming ``who`` (a network that diverged gives
    NaN; one that does not end in a softmax gives rows of any sum, an all-zero row among them).

    Examples
    --------
    >>> check_probabilities(np.array([[0.2, 0.8000001]]), "my model").round(3).tolist()
    [[0.2, 0.8]]
    >>> check_probabilities(np.array([[0.0, 0.0]]), "my model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: my model gives 1 row(s) of class probabilities that are not probabilities (row 0: [0. 0.], which ...
    """
    proba = np.asarray(proba, dtype=np.float64)
    sums = proba.sum(axis=1)
    bad = ~np.isfinite(proba).all(axis=1) | (proba < 0).any(axis=1) | ~(np.abs(sums - 1.0) <= 1e-3)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{who} gives {int(bad.sum())} row(s) of class probabilities that are not probabilities "
                         f"(row {row}: {np.round(proba[row], 3)}, which sums to {sums[row]:.3g}); a network whose "
                         "outputs are not a softmax, or that diverged in training (NaN): end it in a softmax over the "
                         "classes, or lower its learning rate")
    return proba / sums[:, None]


@contextmanager
def tf_determinism_restored():
    """Inside the block TensorFlow's op determinism may be switched on; after it, it is off again if it was off.

    Unseeded random ops fail while it is on ("Random ops require a seed"), so a fit that leaves it on breaks every
    later unseeded Keras model. scikeras 0.13 can: it sets ``TF_DETERMINISTIC_OPS=1`` before asking TensorFlow
    whether determinism was on, and TensorFlow, asked for the first time, answers from that variable.
    """
    tf_config = _tf_determinism_config()
    was_deterministic = tf_config.is_op_determinism_enabled() if tf_config is not None else None
    try:
        yield
    finally:
        if tf_config is not None and not was_deterministic:
            tf_config.disable_op_determinism()


def _tf_determinism_config():
    """TensorFlow's module with ``is_op_determinism_enabled``/``disable_op_determinism`` (None if unavailable).

    Only ``enable_op_determinism`` is public; without the other two the switch simply stays on after a seeded fit.
    """
    if import_keras().backend.backend() != "tensorflow":
        return None
    try:
        from tensorflow.python.framework import config
    except ImportError:  # pragma: no cover
        return None
    if hasattr(config, "is_op_determinism_enabled") and hasattr(config, "disable_op_determinism"):
        return config
    return None  # pragma: no cover


def pack_keras_model(model):
    """Serialise a Keras model (architecture, weights, optimizer state) to ``.keras`` archive bytes."""
    keras = import_keras()
    with tempfile.TemporaryDirectory(prefix="genreclf-") as tmp:
        path = os.path.join(tmp, "model.keras")
        keras.saving.save_model(model, path)
        with open(path, "rb") as fh:
            return fh.read()


def unpack_keras_model(data):
    """Inverse of :func:`pack_keras_model`."""
    keras = import_keras()
    with tempfile.TemporaryDirectory(prefix="genreclf-") as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        return keras.saving.load_model(path, compile=True, safe_mode=True)  # no code of the archive's own


def _dataset(arrays, batch_size, *, shuffle, seed):
    """A ``tf.data`` pipeline of minibatches gathered from in-memory arrays.

    Batches have an unknown leading dimension, so Keras traces its train step once per fit instead of twice
    (a full batch, then the last partial one), which is most of the overhead of small networks. Shuffling
    permutes row indices every epoch (not the rows themselves), as Keras does for NumPy input.
    """
    import tensorflow as tf

    tensors = tuple(tf.convert_to_tensor(a) for a in arrays)
    n = int(arrays[0].shape[0])
    index = tf.data.Dataset.range(n)
    if shuffle:
        index = index.shuffle(n, seed=seed, reshuffle_each_iteration=True)

    @tf.autograph.experimental.do_not_convert
    def gather(i):
        return tuple(tf.gather(t, i) for t in tensors)

    batches = index.batch(batch_size).map(gather)
    return batches.prefetch(tf.data.AUTOTUNE)


def _as_shape(value, name):
    try:
        shape = tuple(int(d) for d in value)
    except TypeError:
        shape = ()
    if not shape or any(d < 1 for d in shape):
        raise ValueError(f"{name}={value!r} is not valid: use a tuple of positive ints, e.g. (130, 13)")
    return shape


# ------------------------------------------------------------------------------------------------ base class
class BaseKerasClassifier(VersionStampMixin, ClassifierMixin, BaseEstimator):
    """Shared machinery of the Keras classifiers; subclasses say how to build the network and shape the input.

    A subclass defines ``__init__`` (architecture knobs + the training parameters below), ``_build_network(
    input_shape, n_classes)`` returning an uncompiled ``keras.Model``, and ``_to_network(X)`` mapping a validated
    2-D or 3-D ``X`` to the network's input array.

    Training parameters (common to all subclasses)
    ----------------------------------------------
    optimizer : str or keras optimizer class
        A Keras optimizer name (``"adam"``, ``"sgd"``, ``"rmsprop"``, ``"adamw"``, ...) or class, built with
        ``learning_rate``. Instances are refused: they carry state that ``clone`` would share between fits.
    learning_rate : float > 0
    epochs : int > 0
    batch_size : int > 0
    validation_split : float in [0, 1)
        Fraction of the training rows held out (stratified when every class allows it, drawn from
        ``random_state``) to monitor ``val_loss``. Unlike Keras' own ``validation_split``, which takes the *last*
        rows, this is safe on data sorted by class.
    patience : int > 0 or None
        With ``validation_split > 0``: stop after ``patience`` epochs without a better ``val_loss`` and restore
        the weights of the best epoch. ``None``: no early stopping (all epochs, last weights).
    class_weight : None, "balanced" or dict {label: weight}
        Multiplies each sample's loss (as ``sklearn.utils.class_weight.compute_sample_weight``), e.g. for the
        imbalanced classes of the 264-feature report.
    random_state : int, RandomState or None
        Seeds weights, shuffling, dropout and the validation split; see the module docstring.
    verbose : int
        Keras' ``verbose`` of ``fit`` (0 silent, 1 progress bar, 2 one line per epoch).

    Attributes
    ----------
    model_ : keras.Model
        The trained network.
    classes_ : np.ndarray of shape (n_classes,)
    n_features_in_ : int
        Last axis of the training ``X``.
    feature_names_in_ : np.ndarray of shape (n_features_in_,)
        Only when fitted on a DataFrame.
    history_ : dict of str to list of float
        Per-epoch ``loss``, ``accuracy`` (and ``val_loss``, ``val_accuracy`` with a validation split).
    n_iter_ : int
        Epochs actually run.
    X_shape_ : tuple of int
        Shape of one training sample (``X.shape[1:]``); ``predict`` requires the same.
    """

    # ---- subclass hooks
    def _build_network(self, input_shape, n_classes):  # pragma: no cover - abstract
        raise NotImplementedError

    def _to_network(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- validation
    def _validate_X(self, X, y=None, reset=True):
        """Return float32 ``X`` (2-D or 3-D) and, when given, a checked ``y``; set or check the input shape."""
        name = type(self).__name__
        ndim = 2 if hasattr(X, "iloc") else getattr(X, "ndim", None)
        if ndim is None:
            try:
                X = np.asarray(X)
                ndim = X.ndim
            except ValueError:  # ragged nested lists: let sklearn's validation report them
                pass
        if ndim is not None and ndim > 3:
            raise ValueError(f"{name} expects a 2-D table (n_samples, n_features) or 3-D frames "
                             f"(n_samples, n_frames, n_coefs); got X with {ndim} dimensions")
        if not reset and ndim in (2, 3) and ndim != len(self.X_shape_) + 1:
            raise ValueError(f"X has {ndim} dimensions, but {name} was fitted on X of shape (n_samples,) + "
                             f"{self.X_shape_}: every sample must have the training shape.")
        if ndim == 3:
            X = check_array(X, allow_nd=True, dtype=(np.float32, np.float64), input_name="X", estimator=self)
            if reset:
                self.n_features_in_ = X.shape[-1]
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
        else:
            # 2-D (and the errors for 1-D/4-D+): sklearn's own checks, messages and feature-name handling
            X = validate_data(self, X, reset=reset, dtype=(np.float32, np.float64), allow_nd=True)
            if X.ndim != 2:
                raise ValueError(f"{name} expects a 2-D table (n_samples, n_features) or 3-D frames "
                                 f"(n_samples, n_frames, n_coefs); got X with shape {X.shape}")
        if reset:
            self.X_shape_ = tuple(X.shape[1:])
        else:
            if tuple(X.shape[1:]) != self.X_shape_:
                if X.shape[-1] != self.n_features_in_:
                    raise ValueError(f"X has {X.shape[-1]} features, but {name} is expecting "
                                     f"{self.n_features_in_} features as input (X of shape (n,) + "
                                     f"{self.X_shape_}, got {X.shape}).")
                raise ValueError(f"X has shape {X.shape}, but {name} was fitted on X of shape "
                                 f"(n_samples,) + {self.X_shape_}: every sample must have the training shape.")
        X = X.astype(np.float32, copy=False)
        if y is None:
            return X
        y = column_or_1d(y, warn=True)
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        check_consistent_length(X, y)
        return X, y

    #: The training parameters every subclass has (scikit-learn's constraints: checked at ``fit``, and a wrong one
    #: is an error naming the parameter, the value and what is allowed). Subclasses add their architecture's.
    _parameter_constraints = {
        "optimizer": "no_validation",  # _make_optimizer names the choices, and says why an instance is refused
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _check_params(self):
        self._validate_params()

    def _make_optimizer(self):
        keras = import_keras()
        opt = self.optimizer
        if isinstance(opt, str):
            try:
                cls = type(keras.optimizers.get(opt))
            except ValueError as err:
                raise ValueError(f"optimizer={opt!r} is not a Keras optimizer name: use e.g. 'adam', 'sgd', "
                                 "'rmsprop', 'adamw'") from err
        elif isinstance(opt, type) and issubclass(opt, keras.optimizers.Optimizer):
            cls = opt
        else:
            raise TypeError(f"optimizer={opt!r} is not valid: use a Keras optimizer name or class (not an instance, "
                            "whose state clone() would share between fits)")
        return cls(learning_rate=float(self.learning_rate))

    # ---- fit / predict
    def fit(self, X, y, sample_weight=None):
        """Train a fresh network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_frames, n_coefs)
        y : array-like of shape (n_samples,)
            Class labels (ints or strings).
        sample_weight : array-like of shape (n_samples,), optional
            Multiplied with the weights from ``class_weight``.

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        self._check_params()
        X, y = self._validate_X(X, y, reset=True)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        y_enc = encoder.transform(y).astype(np.int32)
        weights = self._sample_weights(y, sample_weight, len(X))
        Xn = self._to_network(X)
        seed = None
        if self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

        keras = import_keras()
        with seeded(seed) if seed is not None else nullcontext():
            Xt, yt, wt, validation = self._split(Xn, y_enc, weights, seed)
            batch_size = int(self.batch_size)
            train = _dataset((Xt, yt) if wt is None else (Xt, yt, wt), batch_size, shuffle=True, seed=seed)
            if validation is not None:
                validation = _dataset(validation, batch_size, shuffle=False, seed=None)
            model = self._build_network(Xn.shape[1:], len(self.classes_))
            model.compile(optimizer=self._make_optimizer(), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            callbacks = []
            if validation is not None and self.patience is not None:
                callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=int(self.patience),
                                                               restore_best_weights=True))
            history = model.fit(train, epochs=int(self.epochs), verbose=self.verbose, validation_data=validation,
                                callbacks=callbacks, shuffle=False)  # the dataset shuffles itself
        self.model_ = model
        self.history_ = {key: [float(v) for v in values] for key, values in history.history.items()}
        self.n_iter_ = len(self.history_.get("loss", []))
        return self

    def _sample_weights(self, y, sample_weight, n):
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float64)
            if weights.ndim != 1 or weights.shape[0] != n:
                raise ValueError(f"sample_weight.shape == {weights.shape}, expected ({n},)!")
            assert_all_finite(weights, input_name="sample_weight")
            if np.any(weights < 0):
                raise ValueError("sample_weight must be non-negative")
            if not np.any(weights > 0):
                raise ValueError("sample_weight is zero for every sample: there is nothing to fit")
            weights = weights.copy()
        if self.class_weight is not None:
            cw = compute_sample_weight(self.class_weight, y)
            weights = cw if weights is None else weights * cw
        if weights is not None and np.all(weights == 1.0):
            return None  # the exact unweighted computation
        return None if weights is None else weights.astype(np.float32)

    def _split(self, X, y, w, seed):
        split = float(self.validation_split)
        if split == 0.0:
            return X, y, w, None
        n_val = int(np.ceil(split * len(X)))
        if n_val < 1 or n_val >= len(X):
            raise ValueError(f"validation_split={self.validation_split} leaves no training or no validation "
                             f"rows out of {len(X)}; use a larger X or validation_split=0")
        idx = np.arange(len(X))
        counts = np.bincount(y)
        stratify = y if counts[counts > 0].min() >= 2 and n_val >= len(counts) else None
        train, val = train_test_split(idx, test_size=n_val, stratify=stratify, random_state=seed)
        validation = (X[val], y[val]) if w is None else (X[val], y[val], w[val])
        return X[train], y[train], (None if w is None else w[train]), validation

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) like the training ``X``

        Returns
        -------
        np.ndarray of shape (n_samples, n_classes), float64
            Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return check_probabilities(predict_in_full_batches(self.model_, self._to_network(X)), type(self).__name__)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) like the training ``X``

        Returns
        -------
        np.ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # ---- persistence
    def __getstate__(self):
        state = dict(super().__getstate__())  # stamped with the genreclf version by VersionStampMixin
        if "model_" in state:
            state["model_"] = pack_keras_model(state["model_"])
            state["_keras_version"] = import_keras().__version__
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("model_"), bytes):
            saved = state.pop("_keras_version", None)
            keras = import_keras()
            if saved is not None and saved != keras.__version__:
                warnings.warn(f"{type(self).__name__} was pickled with Keras {saved} and is loaded with Keras "
                              f"{keras.__version__}: predictions may differ; refit if they matter.",
                              UserWarning, stacklevel=2)
            state["model_"] = unpack_keras_model(state["model_"])
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


# ------------------------------------------------------------------------------------------------- classifiers
def _reshape_rows(X, input_shape, n_dims):
    """2-D rows -> ``input_shape`` (when given) or ``(n_features, 1)`` sequences; 3-D checked against it."""
    if X.ndim == 2:
        if input_shape is None:
            return X.reshape(len(X), X.shape[1], *([1] * (n_dims - 1)))
        shape = _as_shape(input_shape, "input_shape")
        if int(np.prod(shape)) != X.shape[1]:
            raise ValueError(f"input_shape={tuple(input_shape)} holds {int(np.prod(shape))} values but X has "
                             f"{X.shape[1]} columns; give the (n_frames, n_coefs) of the rows before they were "
                             "flattened")
        return X.reshape(len(X), *shape)
    if input_shape is not None and tuple(_as_shape(input_shape, "input_shape"))[:2] != X.shape[1:]:
        raise ValueError(f"input_shape={tuple(input_shape)} does not match 3-D X of shape {X.shape}; input_shape "
                         "only reshapes 2-D rows, leave it None for 3-D frames")
    return X


class CNNClassifier(BaseKerasClassifier):
    """2-D convolutional network on MFCC (or any frames × coefficients) segments; the seed notebook's CNN by default.

    The network is :func:`genreclf.models.networks.build_cnn`: Conv2D 48 (4×4) → MaxPool (4×4, stride 2, same) →
    BatchNorm; Conv2D 32 (3×3) → MaxPool (3×3, s2) → BN; Conv2D 16 (2×2) → MaxPool (2×2, s2) → BN; Flatten →
    Dense 32 relu → Dropout 0.3 → softmax; Adam with learning rate 1e-4, batch 32 (the seed trained 50 epochs on
    ``(130, 13, 1)`` segments). A channel axis is added to 3-D frames internally.

    Parameters
    ----------
    filters : tuple of int, default=(48, 32, 16)
        One convolution block per entry.
    kernel_sizes, pool_sizes : (int, int) or sequence of them, default=seed
        One size for every block, or one per block.
    pool_strides : int, default=2
    padding : {"valid", "same"}, default="valid"
        Convolution padding; "same" lets the kernels run over inputs narrower than themselves.
    batch_norm : bool, default=True
    dense_units : tuple of int, default=(32,)
    dropout : float in [0, 1), default=0.3
    activation : str, default="relu"
    input_shape : tuple of int (n_frames, n_coefs[, n_channels]) or None, default=None
        Shape of each 2-D row before flattening, e.g. ``(130, 13)`` after ``StandardScaler`` on flattened frames.
        ``None``: a 2-D row is read as ``(n_features, 1, 1)``.
    optimizer : str or keras optimizer class, default="adam"
    learning_rate : float, default=1e-4
    epochs : int, default=30
    batch_size : int, default=32
    validation_split : float, default=0.0
    patience : int or None, default=10
    class_weight : None, "balanced" or dict, default=None
    random_state : int, RandomState or None, default=None
    verbose : int, default=0
        See :class:`BaseKerasClassifier` for the training parameters and the fitted attributes.

    Attributes
    ----------
    model_, classes_, n_features_in_, history_, n_iter_
        See :class:`BaseKerasClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 20, 6)).astype("float32")      # 40 clips, 20 frames, 6 coefficients
    >>> y = np.repeat(["blues", "rock"], 20)
    >>> X[y == "rock"] += 1.0
    >>> clf = CNNClassifier(filters=(4,), kernel_sizes=(3, 3), pool_sizes=(2, 2), dense_units=(8,),
    ...                     learning_rate=1e-2, epochs=3, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape, clf.classes_.tolist(), len(clf.history_["loss"])
    ((2, 2), ['blues', 'rock'], 3)
    """

    _parameter_constraints = {
        **BaseKerasClassifier._parameter_constraints,
        "filters": [list, tuple],
        "kernel_sizes": [list, tuple],
        "pool_sizes": [list, tuple],
        "pool_strides": [Interval(Integral, 1, None, closed="left"), list, tuple],
        "padding": [StrOptions({"valid", "same"})],
        "batch_norm": ["boolean"],
        "dense_units": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [str, callable],
        "input_shape": [list, tuple, None],
    }

    @deprecate_positional_args
    def __init__(self, filters=(48, 32, 16), *, kernel_sizes=((4, 4), (3, 3), (2, 2)),
                 pool_sizes=((4, 4), (3, 3), (2, 2)), pool_strides=2, padding="valid", batch_norm=True,
                 dense_units=(32,), dropout=0.3, activation="relu", input_shape=None, optimizer="adam",
                 learning_rate=1e-4, epochs=30, batch_size=32, validation_split=0.0, patience=10,
                 class_weight=None, random_state=None, verbose=0):
        self.filters = filters
        self.kernel_sizes = kernel_sizes
        self.pool_sizes = pool_sizes
        self.pool_strides = pool_strides
        self.padding = padding
        self.batch_norm = batch_norm
        self.dense_units = dense_units
        self.dropout = dropout
        self.activation = activation
        self.input_shape = input_shape
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.patience = patience
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose

    def _to_network(self, X):
        X = _reshape_rows(X, self.input_shape, 3)
        return X[..., np.newaxis] if X.ndim == 3 else X

    def _build_network(self, input_shape, n_classes):
        return networks.build_cnn(input_shape, n_classes, filters=self.filters, kernel_sizes=self.kernel_sizes,
                                  pool_sizes=self.pool_sizes, pool_strides=self.pool_strides, padding=self.padding,
                                  activation=self.activation, batch_norm=self.batch_norm,
                                  dense_units=self.dense_units, dropout=self.dropout)


class LSTMClassifier(BaseKerasClassifier):
    """Stacked LSTM over frame sequences; the seed slides' network by default.

    The network is :func:`genreclf.models.networks.build_lstm`: LSTM 64 (return sequences) → LSTM 64 → Dense 64
    relu → softmax, Adam with learning rate 1e-3, batch 32 (the slides trained 60 epochs).

    Parameters
    ----------
    units : tuple of int, default=(64, 64)
        One LSTM layer per entry; all but the last return sequences.
    dense_units : tuple of int, default=(64,)
    dropout : float in [0, 1), default=0.0
        Dropout after each dense layer.
    activation : str, default="relu"
        Activation of the dense layers.
    input_shape : tuple of int (n_frames, n_coefs) or None, default=None
        Shape of each 2-D row before flattening; ``None`` reads a 2-D row as ``n_features`` steps of one value.
    optimizer : str or keras optimizer class, default="adam"
    learning_rate : float, default=1e-3
    epochs : int, default=30
    batch_size : int, default=32
    validation_split : float, default=0.0
    patience : int or None, default=10
    class_weight : None, "balanced" or dict, default=None
    random_state : int, RandomState or None, default=None
    verbose : int, default=0
        See :class:`BaseKerasClassifier`.

    Attributes
    ----------
    model_, classes_, n_features_in_, history_, n_iter_
        See :class:`BaseKerasClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 10, 3)).astype("float32")
    >>> y = np.repeat([0, 1], 20)
    >>> X[y == 1] += 1.0
    >>> clf = LSTMClassifier(units=(8,), dense_units=(), epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **BaseKerasClassifier._parameter_constraints,
        "units": [list, tuple],
        "dense_units": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [str, callable],
        "input_shape": [list, tuple, None],
    }

    @deprecate_positional_args
    def __init__(self, units=(64, 64), *, dense_units=(64,), dropout=0.0, activation="relu", input_shape=None,
                 optimizer="adam", learning_rate=1e-3, epochs=30, batch_size=32, validation_split=0.0,
                 patience=10, class_weight=None, random_state=None, verbose=0):
        self.units = units
        self.dense_units = dense_units
        self.dropout = dropout
        self.activation = activation
        self.input_shape = input_shape
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.patience = patience
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose

    def _to_network(self, X):
        return _reshape_rows(X, self.input_shape, 2)

    def _build_network(self, input_shape, n_classes):
        return networks.build_lstm(input_shape, n_classes, units=self.units, dense_units=self.dense_units,
                                   activation=self.activation, dropout=self.dropout)


class MLPClassifier(BaseKerasClassifier):
    """Fully connected network on feature tables; the seed slides' 5-layer MLP by default.

    The network is :func:`genreclf.models.networks.build_mlp`: for each of ``hidden_units`` a Dense layer
    (→ BatchNorm if ``batch_norm``) → Dropout, then softmax. The four seed MLPs are named presets
    (:data:`genreclf.models.networks.MLP_PRESETS`), reachable with :meth:`from_preset`:

    ============  ==============================================================  =========================
    preset        layers                                                          source
    ============  ==============================================================  =========================
    ``deep``      512-256-128-64-32 relu, Dropout 0.2 (the default)               course slides
    ``wide_bn``   1024-512-256-128-64 relu, BatchNorm + Dropout 0.5               comparison slides
    ``simple``    512-256-64 relu, Dropout 0.2                                    comparison slides
    ``minimal``   Dense 128 elu                                                   264-feature report
    ============  ==============================================================  =========================

    3-D frames are flattened to ``(n_samples, n_frames * n_coefs)``.

    Parameters
    ----------
    hidden_units : tuple of int, default=(512, 256, 128, 64, 32)
    activation : str, default="relu"
    dropout : float in [0, 1), default=0.2
    batch_norm : bool, default=False
    optimizer : str or keras optimizer class, default="adam"
    learning_rate : float, default=1e-3
    epochs : int, default=30
    batch_size : int, default=32
    validation_split : float, default=0.0
    patience : int or None, default=10
    class_weight : None, "balanced" or dict, default=None
    random_state : int, RandomState or None, default=None
    verbose : int, default=0
        See :class:`BaseKerasClassifier`.

    Attributes
    ----------
    model_, classes_, n_features_in_, feature_names_in_, history_, n_iter_
        See :class:`BaseKerasClassifier`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=60, n_features=8, n_informative=4, n_classes=3, random_state=0)
    >>> clf = MLPClassifier(hidden_units=(16,), epochs=3, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (60, 3)
    >>> MLPClassifier.from_preset("minimal", epochs=4).get_params()["hidden_units"]
    (128,)
    """

    _parameter_constraints = {
        **BaseKerasClassifier._parameter_constraints,
        "hidden_units": [list, tuple],
        "activation": [str, callable],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
    }

    @deprecate_positional_args
    def __init__(self, hidden_units=(512, 256, 128, 64, 32), *, activation="relu", dropout=0.2, batch_norm=False,
                 optimizer="adam", learning_rate=1e-3, epochs=30, batch_size=32, validation_split=0.0,
                 patience=10, class_weight=None, random_state=None, verbose=0):
        self.hidden_units = hidden_units
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.patience = patience
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def from_preset(cls, name, **params):
        """An ``MLPClassifier`` with the architecture of a named seed MLP; ``params`` override or add parameters.

        Parameters
        ----------
        name : {"deep", "wide_bn", "simple", "minimal"}
        **params
            Any other ``__init__`` parameter (``epochs``, ``random_state``, ...).
        """
        if name not in MLP_PRESETS:
            raise ValueError(f"preset={name!r} is not known: use one of {sorted(MLP_PRESETS)}")
        return cls(**{**MLP_PRESETS[name], **params})

    def _to_network(self, X):
        return X.reshape(len(X), -1)

    def _build_network(self, input_shape, n_classes):
        return networks.build_mlp(input_shape, n_classes, hidden_units=self.hidden_units,
                                  activation=self.activation, dropout=self.dropout, batch_norm=self.batch_norm)
