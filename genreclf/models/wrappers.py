"""Your own Keras model in genreclf's tools: scikeras' ``KerasClassifier`` and Keras' ``SKLearnClassifier``.

genreclf's own networks (:class:`~genreclf.models.CNNClassifier` and its siblings) are scikit-learn classes written
for genreclf, not scikeras subclasses. A model you already wrapped for scikit-learn works in genreclf too: wrap it in
:class:`KerasWrapperClassifier`, or give it as it is to :func:`~genreclf.evaluation.benchmark` and
:class:`~genreclf.models.SegmentClassifier`, which do that for you (:func:`as_classifier`). Two things need mending:

- **The classifier tag.** scikeras 0.13 declares itself a classifier the way scikit-learn < 1.6 read it (an
  ``_estimator_type`` attribute). scikit-learn >= 1.6 reads tags, finds none, and ``is_classifier`` is False:
  ``cross_val_score`` then splits with plain ``KFold`` (not ``StratifiedKFold``) and ``benchmark`` would refuse
  the model. Wrapped, it is a classifier again.
- **Probabilities.** ``keras.wrappers.SKLearnClassifier`` has no ``predict_proba``, which the track vote
  (mean of segment probabilities) and the log loss need. Wrapped, ``predict_proba`` is its fitted Keras model's
  output, a softmax over ``classes_``.
- **Cloning.** ``keras.wrappers.SKLearnClassifier.__sklearn_clone__`` (Keras 3.15) leaves out ``fit_kwargs``, so
  every clone that ``cross_val_score`` or ``GridSearchCV`` makes trains one epoch, silently. Wrapped (and inside
  ``SegmentClassifier``), it is copied with all its parameters (:func:`clone_estimator`).

genreclf's network builders serve as the wrappers' ``model=`` (see :mod:`genreclf.models.networks`).
"""
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, validate_data

from .._labels import check_classes
from .._persistence import VersionStampMixin
from .classifiers import check_probabilities, predict_in_full_batches, seeded, tf_determinism_restored

__all__ = ["KerasWrapperClassifier", "as_classifier", "is_keras_wrapper", "clone_estimator"]

#: (module prefix, class name) of the Keras wrappers for scikit-learn that genreclf mends.
_WRAPPERS = (("scikeras.", "KerasClassifier"), ("keras.", "SKLearnClassifier"))


def is_keras_wrapper(estimator):
    """Whether ``estimator`` is scikeras' ``KerasClassifier`` or Keras' ``SKLearnClassifier`` (or a subclass)."""
    return any(cls.__module__.startswith(module) and cls.__name__ == name
               for cls in type(estimator).__mro__ for module, name in _WRAPPERS)


def clone_estimator(estimator):
    """``sklearn.base.clone(estimator)``, except that a Keras wrapper keeps all its parameters.

    ``keras.wrappers.SKLearnClassifier`` clones itself without its ``fit_kwargs`` (so with one epoch): here it is
    rebuilt from ``get_params`` instead, each parameter cloned as scikit-learn would.

    Examples
    --------
    >>> from keras.wrappers import SKLearnClassifier
    >>> from genreclf.models import build_mlp
    >>> clone_estimator(SKLearnClassifier(model=build_mlp, fit_kwargs={"epochs": 30})).fit_kwargs
    {'epochs': 30}
    """
    if is_keras_wrapper(estimator):
        params = estimator.get_params(deep=False)
        return type(estimator)(**{k: clone(v, safe=False) for k, v in params.items()})
    return clone(estimator)


def as_classifier(estimator):
    """``estimator`` itself, or a Keras wrapper inside :class:`KerasWrapperClassifier`; used by genreclf's tools.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> lr = LogisticRegression()
    >>> as_classifier(lr) is lr
    True
    """
    if is_keras_wrapper(estimator):
        return KerasWrapperClassifier(estimator)
    return estimator


class KerasWrapperClassifier(VersionStampMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A Keras wrapper for scikit-learn as a complete classifier: the classifier tag, and ``predict_proba``.

    Parameters
    ----------
    estimator : scikeras.wrappers.KerasClassifier or keras.wrappers.SKLearnClassifier
        Fitted (a clone) on ``X, y``. Its Keras model must end in a softmax over the classes.
    random_state : int, RandomState instance or None, default=None
        Seeds Python, NumPy and Keras and makes TensorFlow's ops deterministic during ``fit`` (as genreclf's own
        networks do), so that two fits give the same model: Keras' ``SKLearnClassifier`` has no seed of its own.
        The global random states are restored afterwards. None: the wrapped model's own seeding (scikeras'
        ``random_state``), or none.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone.
    classes_ : np.ndarray of shape (n_classes,)
    n_features_in_ : int
        Columns of ``X`` (its second axis).

    Examples
    --------
    >>> import numpy as np
    >>> from keras.wrappers import SKLearnClassifier
    >>> from genreclf.models import build_mlp
    >>> X = np.random.default_rng(0).normal(size=(40, 5)).astype("float32")
    >>> y = np.repeat(["jazz", "rock"], 20)
    >>> X[y == "rock"] += 1.0
    >>> wrapper = SKLearnClassifier(model=build_mlp, model_kwargs={"hidden_units": (8,)},
    ...                             fit_kwargs={"epochs": 3, "verbose": 0})
    >>> clf = KerasWrapperClassifier(wrapper).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape, clf.classes_.tolist()
    ((2, 2), ['jazz', 'rock'])
    """

    _parameter_constraints = {"estimator": [HasMethods(["fit", "predict"])], "random_state": ["random_state"]}

    def __init__(self, estimator, *, random_state=None):
        self.estimator = estimator
        self.random_state = random_state

    def fit(self, X, y, **fit_params):
        """Fit a clone of ``estimator``; ``fit_params`` (e.g. ``sample_weight``) go to its ``fit``.

        Returns
        -------
        self
        """
        self._validate_params()  # an estimator without fit and predict is named, with what it must have
        X, y = validate_data(self, X, y, allow_nd=True)  # the checks and messages of every scikit-learn model
        check_classes(y, where=type(self).__name__)
        seed = None
        if self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        with tf_determinism_restored(), seeded(seed):
            self.estimator_ = clone_estimator(self.estimator).fit(X, y, **fit_params)
        if not hasattr(self.estimator_, "predict_proba") and not hasattr(self.estimator_, "model_"):
            raise TypeError(f"{type(self.estimator).__name__} has neither predict_proba nor a fitted Keras model_ "
                            "to take probabilities from: use scikeras' KerasClassifier or keras.wrappers."
                            "SKLearnClassifier, whose model ends in a softmax")
        self.classes_ = np.asarray(self.estimator_.classes_)
        self._check_outputs()
        return self

    def _check_outputs(self):
        """The fitted network has one output per class (or one sigmoid for two classes), else an error saying so
        before the wrapper's own, which does not (scikeras: an IndexError deep in its target encoder)."""
        model = getattr(self.estimator_, "model_", None)
        shape = getattr(model, "output_shape", None)
        if not isinstance(shape, tuple) or not shape:  # several outputs, or none known: the wrapper's business
            return
        n = len(self.classes_)
        if shape[-1] != n and not (shape[-1] == 1 and n == 2):
            raise ValueError(f"{type(self).__name__}: the Keras model of {type(self.estimator).__name__} outputs "
                             f"{shape[-1]} values per sample, but y has {n} classes: end it in "
                             f"keras.layers.Dense({n}, activation='softmax')")

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``.

        The fitted Keras model's softmax output when it has one column per class (both wrappers encode targets
        in the order of ``classes_``), computed in full batches so that a row's probabilities do not depend on the
        rows predicted with it; otherwise the wrapper's own ``predict_proba`` (scikeras with a sigmoid output).
        """
        check_is_fitted(self)
        self._check_outputs()
        X = validate_data(self, X, reset=False, allow_nd=True)
        model = getattr(self.estimator_, "model_", None)
        softmax_over_classes = model is not None and model.output_shape[-1] == len(self.classes_)
        with tf_determinism_restored():
            if softmax_over_classes or not hasattr(self.estimator_, "predict_proba"):
                proba = predict_in_full_batches(model, X)
            else:  # e.g. scikeras with one sigmoid output for two classes
                # scikeras squeezes the output of a single row to (n_classes,)
                proba = np.asarray(self.estimator_.predict_proba(X), dtype=np.float64).reshape(len(X), -1)
        if proba.ndim != 2 or proba.shape[1] != len(self.classes_):
            raise ValueError(f"the Keras model of {type(self.estimator).__name__} outputs {proba.shape[1:]} values "
                             f"per sample, not {len(self.classes_)} probabilities: end it in a softmax over the "
                             "classes")
        return check_probabilities(proba, f"the Keras model of {type(self.estimator).__name__}")

    def predict(self, X):
        """The most probable class of each sample, shape (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_clone__(self):
        return type(self)(clone_estimator(self.estimator), random_state=clone(self.random_state, safe=False))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True  # scikeras accepts frames; Keras' wrapper says no itself
        tags.non_deterministic = self.random_state is None and getattr(self.estimator, "random_state", None) is None
        return tags

