"""Model files: saved in a format whose loading runs no code, and stamped with the genreclf version.

:func:`save_model` writes a fitted model as a `skops <https://skops.readthedocs.io>`_ file, the format scikit-learn's
maintainers publish for this: a zip of JSON and NumPy arrays from which :func:`load_model` rebuilds only the types
it trusts (skops' own list: scikit-learn's estimators, NumPy, SciPy and Python's builtins; plus
:data:`TRUSTED_TYPES`: genreclf's estimators and the few scikit-learn internals and XGBoost classes its models hold).
Anything else in a file is refused by name before a single object is built. Keras networks travel inside as ``.keras``
archives, loaded in Keras' safe mode (no code of the file's own). The anchors: PyTorch's
``torch.load(weights_only=True)`` and Keras' ``load_model(safe_mode=True)``, the defaults since 2025.

Pickles (``joblib.dump``, ``pickle.dump``) run any code they hold when loaded: :func:`load_model` opens one only with
``allow_pickle=True``, for a file you trust. Pickles of genreclf estimators carry the genreclf version
(:class:`VersionStampMixin`), and so do skops files; loading either with another version warns.
"""
import io
import os
import warnings
import zipfile

__all__ = ["GenreclfVersionWarning", "VersionStampMixin", "save_model", "load_model", "UnsafeModelError",
           "TRUSTED_TYPES", "MAX_MODEL_BYTES", "VERSIONED_LIBRARIES", "library_versions"]

#: The types a model file may hold beyond those skops trusts itself. Each holds parameters and fitted arrays only:
#: loading one runs none of the file's code.
TRUSTED_TYPES = (
    # genreclf's estimators (its Keras classifiers load their network in Keras' safe mode)
    "genreclf.baselines.EncodedLabelClassifier", "genreclf.baselines.GTZANTableTransformer",
    "genreclf.baselines.RBFSVC", "genreclf.baselines.WideTablePCA",
    "genreclf.features.gtzan.GTZANFeatures", "genreclf.features.spectral.MFCCTransformer",
    "genreclf.features.spectral.MelSpectrogramTransformer", "genreclf.features.spectral.ChromaTransformer",
    "genreclf.features.spectral.SpectralTransformer", "genreclf.features.spectral.TempoTransformer",
    "genreclf.features.frames.FrameStatistics", "genreclf.features.frames.SequenceScaler",
    "genreclf.features.musicnn.MusicnnEmbedding", "genreclf.features.musicnn.MusicnnTagger",
    "genreclf.models.segment.SegmentClassifier", "genreclf.models.segment.WindowedClassifier",
    "genreclf.models.segment.RejectOptionClassifier",
    "genreclf.models.classifiers.CNNClassifier", "genreclf.models.classifiers.LSTMClassifier",
    "genreclf.models.classifiers.MLPClassifier",
    # scikit-learn's internals of calibrated classifiers and trees, and the Bunch of an ensemble's named members;
    # a tree's nodes are checked after loading (every child after its parent: no loop, no index out of range)
    "sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration",
    "sklearn.utils._bunch.Bunch", "sklearn.tree._tree.Tree",
    # XGBoost: the booster is rebuilt by XGBoost's own parser from the bytes XGBoost wrote
    "xgboost.sklearn.XGBClassifier", "xgboost.core.Booster",
)
#: The largest model file :func:`load_model` reads, and the most its contents may unpack to (bytes).
MAX_MODEL_BYTES = 1 << 30
#: The libraries whose classes a saved model or a cached result may hold: {module: distribution}. Their versions key
#: genreclf's caches (:func:`library_versions`): a new scikit-learn or XGBoost may fit differently.
VERSIONED_LIBRARIES = {"genreclf": "genreclf", "sklearn": "scikit-learn", "numpy": "numpy", "scipy": "scipy",
                       "xgboost": "xgboost", "keras": "keras", "tensorflow": "tensorflow"}


class GenreclfVersionWarning(UserWarning):
    """An estimator is loaded by another version of genreclf than the one that saved it."""


class UnsafeModelError(ValueError):
    """A model file would run code when loaded, or holds types genreclf does not load: the message says which and
    what to do."""


def library_versions():
    """``"distribution version"`` of every library of :data:`VERSIONED_LIBRARIES` (``-`` when not installed)."""
    from importlib import metadata

    versions = []
    for package in VERSIONED_LIBRARIES.values():
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} -")
    return versions


def _current_version():
    import genreclf

    return genreclf.__version__


class VersionStampMixin:
    """Stamp saved estimators with the genreclf version and warn when they are loaded by another version.

    ``save_model``, ``pickle`` and ``joblib.dump`` store ``genreclf.__version__`` beside the estimator's state; loading
    it with a different version (or from a file made before stamping existed) emits a :class:`GenreclfVersionWarning`
    naming both versions, like scikit-learn's ``InconsistentVersionWarning``. Put it before ``BaseEstimator`` in the
    bases: ``class MyEstimator(VersionStampMixin, BaseEstimator)``.
    """

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state if state is not None else self.__dict__)  # never mutate the live __dict__
        state["_genreclf_version"] = _current_version()
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("_genreclf_version", None)
        current = _current_version()
        if saved != current:
            warnings.warn(GenreclfVersionWarning(
                f"Trying to load {type(self).__name__} saved with genreclf "
                f"{saved if saved is not None else '(unknown version)'} while using genreclf {current}. "
                "This might give errors or invalid results: re-fit it with this version, or load it with "
                f"genreclf=={saved}."), stacklevel=2)
        super().__setstate__(state)


# ------------------------------------------------------------------------------------------------------- saving
def dumps(obj, *, what="the model"):
    """``obj`` as the bytes of a skops file that :func:`loads` accepts; :class:`UnsafeModelError` (naming the types)
    if it holds anything :func:`loads` would refuse, so that a model that cannot travel safely says so now, not
    when someone loads it."""
    import skops.io as sio

    try:
        data = sio.dumps(obj, compression=zipfile.ZIP_DEFLATED)
    except Exception as err:  # skops refuses lambdas, local classes, open files...
        raise UnsafeModelError(f"{what} cannot be saved in genreclf's safe format: {type(err).__name__}: {err}. "
                               "Save it with joblib.dump if you must (then loading it runs code and needs "
                               "allow_pickle=True)") from err
    foreign = _untrusted(data)
    if foreign:
        raise UnsafeModelError(f"{what} cannot be saved in genreclf's safe format: it holds {', '.join(foreign)}, "
                               "which genreclf does not load without running code. Build it from scikit-learn, "
                               "XGBoost and genreclf parts, or save it with joblib.dump if you must (then loading it "
                               "runs code and needs allow_pickle=True)")
    return data


def save_model(model, path):
    """Save a fitted model to ``path`` in genreclf's safe format (a skops file): loading it runs no code.

    The file is written through a temporary file in the same folder, then renamed into place: a crash leaves the
    old file or the new one, never half of one.

    Parameters
    ----------
    model : estimator
        Fitted; made of scikit-learn, XGBoost and genreclf parts (see :data:`TRUSTED_TYPES`).
    path : str or os.PathLike
        The file to write, e.g. ``"model.skops"``.

    Raises
    ------
    UnsafeModelError
        ``model`` holds a type that :func:`load_model` would refuse (a class or function of your own, say): the
        message names it. Nothing is written.
    OSError
        The file cannot be written.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.linear_model import LogisticRegression
    >>> from genreclf.datasets import load_gtzan_features
    >>> X, y = load_gtzan_features(return_X_y=True)
    >>> model = LogisticRegression(max_iter=200).fit(X[:, :5], y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
    >>> save_model(model, path)
    >>> (load_model(path).predict(X[:3, :5]) == model.predict(X[:3, :5])).all()
    np.True_
    """
    from .features._cache import write_own_file

    write_own_file(path, dumps(model))


# ------------------------------------------------------------------------------------------------------ loading
_PICKLE_MAGIC = (b"\x80", b"x\x01", b"x\x5e", b"x\x9c", b"x\xda", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x04\x22\x4d\x18")


def _untrusted(data):
    """The types of the skops file ``data`` that neither skops nor :data:`TRUSTED_TYPES` trusts."""
    import skops.io as sio

    return sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))


def _audit(data, source):
    """Refuse, before skops builds anything, a file that would take more memory than :data:`MAX_MODEL_BYTES`
    (zip members that unpack far beyond their size) or that asks NumPy to build a scalar of a type whose size the
    file chooses (``numpy.void(n)`` allocates ``n`` bytes)."""
    import json

    import numpy as np

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_MODEL_BYTES:
            raise UnsafeModelError(f"{source} would unpack to {unpacked:,} bytes, more than the {MAX_MODEL_BYTES:,} "
                                   "genreclf loads: it is not a model genreclf saved")
        schema = json.loads(archive.read("schema.json"))
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            if node.get("__loader__") == "NdArrayNode":
                module, name = node.get("__module__"), node.get("__class__")
                kind = getattr(np, str(name), None) if module == "numpy" else None
                if not (kind is np.ndarray or (isinstance(kind, type) and issubclass(kind, (np.number, np.bool_)))):
                    raise UnsafeModelError(f"{source} asks for an array of type {module}.{name}, which genreclf "
                                           "does not load (only arrays and numeric NumPy scalars)")
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)


def loads(data, *, source="the model file"):
    """The object of the skops file ``data``, built only from trusted types (see :func:`load_model`)."""
    import skops.io as sio

    if not data.startswith(b"PK\x03\x04"):
        raise UnsafeModelError(_not_safe(data, source))
    try:
        _audit(data, source)
        foreign = _untrusted(data)
    except UnsafeModelError:
        raise
    except Exception as err:  # not a skops file after all: a damaged or foreign zip
        raise UnsafeModelError(f"{source} is not a model file genreclf can read ({type(err).__name__}: {err})") \
            from err
    if foreign:
        raise UnsafeModelError(f"{source} holds {', '.join(foreign)}, which genreclf does not load: building them "
                               "could run code. If you trust where the file came from, check those types and load it "
                               "with skops.io.load(path, trusted=[...]) yourself")
    try:
        obj = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as err:  # a damaged file: skops, NumPy, XGBoost or Keras may raise anything
        raise UnsafeModelError(f"{source} cannot be loaded ({type(err).__name__}: {err})") from err
    _check_trees(obj, source)
    return obj


def _not_safe(data, source):
    if data.startswith(_PICKLE_MAGIC):
        return (f"{source} is a pickle (joblib.dump or pickle.dump), not a file in genreclf's safe format: loading a "
                "pickle runs any code it holds. If you trust where it came from, load it with allow_pickle=True "
                "(genreclf predict --allow-pickle), then save it again with genreclf.save_model")
    return f"{source} is not a model file genreclf can read (neither a skops file nor a pickle)"


def _check_trees(obj, source):
    """Every scikit-learn tree in ``obj`` walks forward: each child comes after its parent and inside the tree, and
    each split reads a feature the tree has (scikit-learn does not check a loaded tree's nodes)."""
    import numpy as np
    from sklearn.base import BaseEstimator
    from sklearn.tree._tree import Tree

    seen, todo = set(), [obj]
    while todo:  # through estimators and containers only: a Keras network's own objects hold no tree
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Tree):
            n = item.node_count
            node = np.arange(n)
            left, right, feature = item.children_left, item.children_right, item.feature
            leaf = (left == -1) & (right == -1)
            forward = (left > node) & (left < n) & (right > node) & (right < n)
            inside = (feature >= 0) & (feature < item.n_features)
            if not np.all(leaf | (forward & inside)):
                raise UnsafeModelError(f"{source} holds a decision tree whose nodes point outside it or back up it: "
                                       "it is damaged or was made by hand")
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple, set)) or (isinstance(item, np.ndarray) and item.dtype == object):
            todo.extend(item)
        elif isinstance(item, BaseEstimator):
            todo.extend(item.__dict__.values())


def load_model(path, *, allow_pickle=False):
    """Load a model saved by :func:`save_model` (or ``genreclf train``), running none of the file's code.

    Parameters
    ----------
    path : str or os.PathLike
    allow_pickle : bool, default=False
        Also open a pickle (``joblib.dump``, ``pickle.dump``). A pickle runs any code it holds while it loads: pass
        True only for a file you trust as you would trust a program.

    Returns
    -------
    estimator

    Raises
    ------
    UnsafeModelError
        The file is a pickle and ``allow_pickle`` is False, or it holds types genreclf does not load (named), or it
        is damaged. Nothing of the file's own has run.
    FileNotFoundError, OSError
        The file cannot be read.

    Examples
    --------
    >>> import os, tempfile, joblib
    >>> from sklearn.dummy import DummyClassifier
    >>> path = os.path.join(tempfile.mkdtemp(), "model.joblib")
    >>> _ = joblib.dump(DummyClassifier().fit([[0], [1]], ["a", "b"]), path)
    >>> load_model(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf._persistence.UnsafeModelError: '...model.joblib' is a pickle (joblib.dump or pickle.dump), ...
    >>> load_model(path, allow_pickle=True).predict([[0]]).tolist()
    ['a']
    """
    path = os.fspath(path)
    source = repr(path)
    if not os.path.isfile(path):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{source}: no such file")
        raise UnsafeModelError(f"{source} is not a regular file (a folder or a device), so not a model file")
    size = os.path.getsize(path)
    if size > MAX_MODEL_BYTES:
        raise UnsafeModelError(f"{source} holds {size:,} bytes, more than the {MAX_MODEL_BYTES:,} genreclf loads")
    with open(path, "rb") as fh:
        data = fh.read(MAX_MODEL_BYTES + 1)
    if allow_pickle and not data.startswith(b"PK\x03\x04"):
        import joblib

        return joblib.load(path)
    return loads(data, source=source)
