"""The genre of audio files, in one call: a default model that needs no training, and recordings of any length.

:func:`predict_files` is what ``genreclf predict FILE...`` runs. A file is predicted the way its model was trained:
cut into windows of the training clips' length (30 s for every GTZAN-trained model), decoded one window at a time,
the windows' probabilities averaged (:class:`~genreclf.models.WindowedClassifier`). Without a model it uses
:func:`default_model`, fitted on the bundled GTZAN table the first time and kept in the data home.
"""
import copy
import os
import warnings

import numpy as np

from ._labels import check_training
from .audio import AudioLoadError

__all__ = ["predict_files", "default_model", "fit_audio_model", "DEFAULT_MODEL", "DEFAULT_MODEL_ACCURACY",
           "DEFAULT_WINDOW"]

#: The baseline :func:`default_model` fits (a name of :func:`genreclf.baselines.make_baselines`). Codec-robust,
#: because users hold MP3s: its prediction of a clip is the same for the WAV and a 128 kbps MP3 of it, for 1.8
#: points of 10-fold accuracy below ``"ensemble"`` (``benchmarks/bench_codecs.py --candidates`` prints both).
DEFAULT_MODEL = "codec_robust_ensemble"
#: Its accuracy on the 290 test tracks of the artist-filtered GTZAN split when fitted on the other 640 tracks, that
#: is on artists it has never heard: what to expect on new music. Printed by
#: ``benchmarks/bench_accuracy.py --models codec_robust_ensemble --no-tune``: 59.3% with XGBoost 3.2 (the Python
#: 3.11 environment of CI), 57.9% with XGBoost 3.4 (Python 3.13), whose trees differ; ``tests/test_prediction.py``
#: recomputes it and allows that spread.
DEFAULT_MODEL_ACCURACY = 0.593
#: Length of the clips of the GTZAN tables, the training length of every model trained on them (seconds).
DEFAULT_WINDOW = 30.0


def _default_key():
    """What the default model is fitted from: its name, genreclf (the bundled table) and the libraries that fit it."""
    from . import __version__
    from ._persistence import library_versions

    return "\n".join([f"default model {DEFAULT_MODEL}", f"genreclf {__version__}", *library_versions()])


def _model_file(data_home, key):
    import hashlib

    from . import __version__
    from .datasets import get_data_home

    # scikit-learn and XGBoost models do not travel across versions: one file per set of versions, made where it
    # is used
    tag = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
    name = f"default-{DEFAULT_MODEL}-genreclf{__version__}-{tag}.skops"
    return os.path.join(get_data_home(data_home), "models", name)


def _load_default(path, key):
    """The default model saved at ``path`` for ``key``; raises OSError or ValueError (the reason) otherwise."""
    from ._defaults import GENRES
    from ._persistence import MAX_MODEL_BYTES, loads
    from .features._cache import read_own_file
    from .models import WindowedClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a model of another version is a stale entry: fit it again
        saved = loads(read_own_file(path, MAX_MODEL_BYTES), source=repr(path))
    if not isinstance(saved, dict) or saved.get("key") != key:
        raise ValueError("it was not saved as this default model (its key differs: another version, or a file "
                         "put there)")
    model = saved.get("model")
    if not (isinstance(model, WindowedClassifier) and [str(c) for c in model.classes_] == list(GENRES)):
        raise ValueError("it does not hold a model of the ten GTZAN genres")
    return model


def default_model(*, data_home=None, refit=False):
    """The model ``genreclf predict`` uses without ``--model``: fitted once on the bundled table, then reused.

    :data:`DEFAULT_MODEL` from :func:`~genreclf.baselines.make_baselines`, fitted on the 1000 tracks of the
    bundled GTZAN 30 s table, behind :class:`~genreclf.features.GTZANFeatures`, predicting files in windows of
    30 s. The first call fits it (a few seconds) and saves it under ``<data_home>/models``; later calls load it.

    The saved file is genreclf's safe format (:func:`~genreclf.save_model`: loading it runs no code), bound to the
    versions it was fitted with. A file that is not served is fitted again, with one warning saying why: a link, a
    file of another user's or one that others can write, one saved for other versions, or a damaged one. A data home
    that cannot be written is a warning too: the model is fitted for this call only.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        See :func:`~genreclf.datasets.get_data_home`.
    refit : bool, default=False
        Fit it again even if saved.

    Returns
    -------
    WindowedClassifier
        Fitted; ``predict([paths])`` works at once.

    Examples
    --------
    >>> import tempfile
    >>> model = default_model(data_home=tempfile.mkdtemp())
    >>> model.classes_.tolist()[:3], model.window
    (['blues', 'classical', 'country'], 30.0)
    """
    from ._persistence import dumps
    from .features._cache import CacheWarning, write_own_file

    key = _default_key()
    try:
        path = _model_file(data_home, key)
    except OSError as err:  # a data home that cannot be made (a read-only parent folder)
        warnings.warn(CacheWarning(f"genreclf: cannot keep the default model ({err}); it is fitted for this run only"),
                      stacklevel=2)
        return _fit_default()
    if not refit and os.path.lexists(path):
        try:
            return _load_default(path, key)
        except (OSError, ValueError, Warning) as err:  # never served: fitted again
            warnings.warn(CacheWarning(f"genreclf: the saved default model {path!r} is not used ({err}); fitting it "
                                       "again"), stacklevel=2)
    model = _fit_default()
    try:
        write_own_file(path, dumps({"key": key, "model": model}, what="the default model"))
    except OSError as err:
        warnings.warn(CacheWarning(f"genreclf: cannot save the default model in {path!r} "
                                   f"({err.strerror or err}); it will be fitted again next time"), stacklevel=2)
    return model


def _fit_default():
    from .baselines import make_baselines
    from .datasets import load_gtzan_features

    table = load_gtzan_features()
    return fit_audio_model(make_baselines([DEFAULT_MODEL])[DEFAULT_MODEL], table.data, table.target)[0]


def fit_audio_model(estimator, X, y, *, groups=None, param_grid=None, cv=5, window=DEFAULT_WINDOW, threshold=None,
                    random_state=0, n_jobs=None):
    """Fit ``estimator`` on GTZAN features and return a model that predicts audio files of any length.

    The model computes :class:`~genreclf.features.GTZANFeatures` from audio and classifies it with the fitted
    estimator, in windows of ``window`` seconds (:class:`~genreclf.models.WindowedClassifier`). With segment
    features ``X`` of shape ``(n_clips, n_segments, 57)`` (``GTZANFeatures(n_segments=...)``, or the published
    3-second table stacked with :func:`genreclf.segments.stack_segments`), the estimator is trained on segments
    and every window is decided by its segments' vote (:class:`~genreclf.models.SegmentClassifier`).

    Parameters
    ----------
    estimator : classifier
        Takes the 57 GTZAN columns, e.g. ``make_baselines(["ensemble"])["ensemble"]``.
    X : array-like of shape (n_clips, 57) or (n_clips, n_segments, 57)
    y : array-like of shape (n_clips,)
    groups : array-like of shape (n_clips,), optional
        Track ids, so that the search's folds keep a track on one side.
    param_grid : dict, optional
        Searched by ``GridSearchCV`` with ``cv`` stratified folds first (keys of ``estimator``'s parameters).
    cv : int, default=5
    window : float > 0, default=30.0
        The length of the training clips in seconds.
    threshold : float in [0, 1], optional
        Reject option: predict ``"unknown"`` where the top probability is under it.
    random_state : int, default=0
        Shuffles the search's folds.
    n_jobs : int, optional
        Parallel fits of the search.

    Raises
    ------
    ValueError
        Fewer than two classes, or a class with fewer clips than the search's folds or the model's own folds
        need, or fewer clips than a KNN's neighbours: the message names the class.

    Returns
    -------
    model : WindowedClassifier or RejectOptionClassifier
        Fitted; ``predict([paths])`` classifies audio files.
    search : GridSearchCV or None
        The fitted search, when a grid was given.

    Examples
    --------
    >>> from genreclf.baselines import make_baselines
    >>> from genreclf.datasets import load_gtzan_features
    >>> table = load_gtzan_features()
    >>> model, _ = fit_audio_model(make_baselines(["naive_bayes"])["naive_bayes"], table.data, table.target)
    >>> type(model).__name__, model.window, len(model.classes_)
    ('WindowedClassifier', 30.0, 10)
    """
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, StratifiedKFold
    from sklearn.pipeline import Pipeline

    from .features import GTZANFeatures
    from .models import RejectOptionClassifier, SegmentClassifier, WindowedClassifier

    X = np.asarray(X)
    check_training(estimator, y, where="fit_audio_model", param_grid=param_grid, n_folds=cv if param_grid else None)
    n_segments = X.shape[1] if X.ndim == 3 else None
    if n_segments is not None:
        estimator = SegmentClassifier(estimator, segment_frames=1)
        param_grid = {f"estimator__{k}": v for k, v in (param_grid or {}).items()}
    search = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if param_grid:
            folds = (StratifiedGroupKFold(cv, shuffle=True, random_state=random_state) if groups is not None
                     else StratifiedKFold(cv, shuffle=True, random_state=random_state))
            search = GridSearchCV(estimator, param_grid, cv=folds, n_jobs=n_jobs).fit(X, y, groups=groups)
            estimator = search.best_estimator_
        else:
            estimator = estimator.fit(X, y)
    pipeline = Pipeline([("features", GTZANFeatures(n_segments=n_segments)), ("model", estimator)])
    model = WindowedClassifier(FrozenEstimator(pipeline), window=window).fit(None, None)
    if threshold is not None:
        model = RejectOptionClassifier(FrozenEstimator(model), threshold=threshold).fit(None, None)
    return model, search


def training_window(model):
    """The window, in seconds, in which :func:`predict_files` cuts files for ``model`` by default: a
    :class:`~genreclf.models.WindowedClassifier`'s own (the length of its training clips), else
    :data:`DEFAULT_WINDOW`.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from genreclf.models import WindowedClassifier
    >>> training_window(WindowedClassifier(DummyClassifier(), window=5.0)), training_window(DummyClassifier())
    (5.0, 30.0)
    """
    from sklearn.frozen import FrozenEstimator

    from .models import RejectOptionClassifier, WindowedClassifier

    for _ in range(3):  # a reject option around a frozen windowed model, at most
        if isinstance(model, WindowedClassifier):
            return float(model.window)
        if isinstance(model, RejectOptionClassifier):
            model = getattr(model, "estimator_", model.estimator)
        elif isinstance(model, FrozenEstimator):
            model = model.estimator
    return DEFAULT_WINDOW


def _windowed(model, window):
    """``(WindowedClassifier, reject option or None)`` of a fitted model, wrapping it if it is not windowed."""
    from sklearn.frozen import FrozenEstimator

    from .models import RejectOptionClassifier, WindowedClassifier

    reject = None
    if isinstance(model, RejectOptionClassifier):
        reject, model = model, model.estimator_
    if isinstance(model, FrozenEstimator):
        model = model.estimator
    if isinstance(model, WindowedClassifier):
        if window is not None:
            model = copy.copy(model).set_params(window=window)  # the window is read at predict time only
        return model, reject
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"{type(model).__name__} has no predict_proba: predict_files needs a fitted classifier "
                        "that takes audio (e.g. a Pipeline starting with GTZANFeatures, as genreclf train saves)")
    windowed = WindowedClassifier(FrozenEstimator(model), window=window or DEFAULT_WINDOW).fit(None, None)
    return windowed, reject


def predict_files(paths, model=None, *, window=None, threshold=None, n_jobs=None, data_home=None):
    """The genre of each audio file, predicted in windows of the training length (one call does everything).

    Parameters
    ----------
    paths : list of str or os.PathLike
        Audio files: WAV, FLAC, MP3, OGG, AU... of any length (an hour-long mix takes the memory of a few windows).
    model : fitted classifier, optional
        A :class:`~genreclf.models.WindowedClassifier`, or a model that takes audio (e.g. the pipeline of
        ``genreclf train``, or a :class:`~genreclf.models.RejectOptionClassifier` around one); ``None`` uses
        :func:`default_model`.
    window : float > 0, optional
        Window length in seconds; default the model's own (30 s for a model trained on GTZAN clips).
    threshold : float in [0, 1], optional
        Reject option: answer the fallback label ``"unknown"`` where the top probability is under it (default the
        model's own threshold, if it has one).
    n_jobs : int, optional
        Files predicted in parallel (joblib).
    data_home : str or os.PathLike, optional
        Where the default model is cached.

    Returns
    -------
    DataFrame
        One row per file, in order: ``file``, ``genre`` (missing where the file failed), ``probability`` (of
        that genre), ``windows`` (how many windows voted), ``error`` (why a file failed, else None) and one column of
        probability per class.

    Examples
    --------
    >>> import os, tempfile, numpy as np, soundfile as sf
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from genreclf.features import SpectralTransformer
    >>> from genreclf.models import WindowedClassifier
    >>> t = np.arange(22050) / 22050
    >>> clips = [np.sin(2 * np.pi * f * t).astype("float32") for f in (200, 240, 3000, 3600)]
    >>> model = WindowedClassifier(make_pipeline(SpectralTransformer(features=("spectral_centroid",),
    ...     summary="mean"), LogisticRegression()), window=1.0).fit(clips, ["bass", "bass", "treble", "treble"])
    >>> song = os.path.join(tempfile.mkdtemp(), "song.wav")
    >>> sf.write(song, np.concatenate(clips[:2] * 2 + clips[2:3]), 22050)              # 5 s
    >>> table = predict_files([song, "missing.mp3"], model)
    >>> table["genre"][0], table["windows"].tolist()
    ('bass', [5, 0])
    >>> table["error"][1]
    "cannot load 'missing.mp3': file not found"
    """
    import pandas as pd
    from joblib import Parallel, delayed

    if isinstance(paths, (str, os.PathLike)):
        raise TypeError("paths must be a list of audio files: wrap a single path in a list, [path]")
    if model is None:
        model = default_model(data_home=data_home)
    windowed, reject = _windowed(model, window)
    if threshold is not None:
        from sklearn.frozen import FrozenEstimator

        from .models import RejectOptionClassifier

        reject = RejectOptionClassifier(FrozenEstimator(windowed), threshold=threshold).fit(None, None)
    classes = [str(c) for c in windowed.classes_]
    tasks = (delayed(_predict_file)(windowed, reject, path, classes) for path in paths)
    rows = Parallel(n_jobs=n_jobs)(tasks)
    return pd.DataFrame(rows, columns=["file", "genre", "probability", "windows", "error", *classes])


def _predict_file(windowed, reject, path, classes):
    """One row of :func:`predict_files`."""
    row = {"file": os.fspath(path), "genre": None, "probability": np.nan, "windows": 0, "error": None}
    try:
        proba, n_windows = windowed.window_votes([path])
    except AudioLoadError as err:
        row["error"] = str(err)
        row.update(dict.fromkeys(classes, np.nan))
        return row
    genre = reject.decide(proba)[0] if reject is not None else windowed.classes_[np.argmax(proba[0])]
    row.update(genre=str(genre), probability=float(proba[0].max()), windows=int(n_windows[0]))
    row.update(zip(classes, proba[0].tolist()))
    return row
