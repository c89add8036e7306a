"""Meta-estimators that make clip-level decisions: segment voting, windows of long recordings, a reject option.

:class:`SegmentClassifier` trains any classifier on short segments of each clip and predicts a clip from all its
segments; the segments are cut *inside* ``fit``/``predict``, so one row of ``X`` stays one clip and
cross-validation over rows can never put segments of one song on both sides of a split.

:class:`WindowedClassifier` predicts a recording of any length the way its model was trained: cut into windows of
the training clips' length (decoded one at a time), whose probabilities vote.

:class:`RejectOptionClassifier` answers a fallback label instead of a genre when the classifier is not confident
enough (the 25% rule of the 264-feature report).
"""
import copy
import itertools
import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from .._defaults import SR
from .._deprecation import deprecate_positional_args
from .._persistence import VersionStampMixin
from ..audio import AudioLoadError, describe, iter_windows
from ..segments import AGGREGATES, aggregate_tracks, cut_segments, flatten_segments, one_hot, segment_starts
from .wrappers import as_classifier, clone_estimator

__all__ = ["SegmentClassifier", "WindowedClassifier", "RejectOptionClassifier"]


class SegmentClassifier(VersionStampMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Train a classifier on segments of each clip; predict a clip from all its segments.

    ``fit`` cuts each clip's frames ``(n_frames, n_coefs)`` into segments, fits a clone of ``estimator`` on all
    segments (each labelled with its clip's label), and ``predict_proba`` averages the segment probabilities of a
    clip (``aggregate="mean_proba"``) or counts the segments' votes (``aggregate="vote"``). This is the
    "track vote" of the seed reports, with the segments made inside the estimator so that every split of ``X``
    is a split of whole clips.

    What the wrapped estimator receives: a 3-D array ``(n_clips * n_segments, segment_frames, n_coefs)``, which
    suits :class:`~genreclf.models.CNNClassifier`, :class:`~genreclf.models.LSTMClassifier` and pipelines that start
    with :class:`~genreclf.features.FrameStatistics` (e.g. ``make_pipeline(FrameStatistics(), StandardScaler(),
    CalibratedClassifierCV(SVC(), ensemble=False))``, scikit-learn 1.9's probabilistic SVC; or a plain SVC with
    ``aggregate="vote"``).

    With ``segment_frames=1`` each segment is one row and the estimator receives a 2-D table
    ``(n_clips * n_segments, n_coefs)`` instead: that is the case of clips whose "frames" are already segment-level
    feature vectors, e.g. ``GTZANFeatures(segments=10)`` output ``(n_clips, 10, 57)``, and it lets any table
    classifier (``StandardScaler`` + SVC, XGBoost, :class:`~genreclf.models.MLPClassifier`) vote per track.
    A segment that is NaN throughout is missing (``GTZANFeatures(n_segments=10)`` of a clip too short for ten
    segments): it is left out of ``fit`` and does not vote.

    Parameters
    ----------
    estimator : classifier
        Fitted on segments. ``aggregate="mean_proba"`` needs ``predict_proba``.
    n_segments : int > 0 or None, default=None
        Segments per clip. With ``segment_frames=None`` each is ``n_frames // n_segments`` frames long (the seed:
        10 segments of a 30 s clip).
    segment_frames : int > 0 or None, default=None
        Frames per segment. With ``n_segments=None``, as many segments as fit end to end. With both given, the
        windows are spread evenly (overlapping if needed). One of the two is required.
    aggregate : {"mean_proba", "vote"}, default="mean_proba"
        ``"mean_proba"``: mean of the segments' probabilities. ``"vote"``: share of segments predicting each class
        (ties go to the first class in ``classes_``).

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    classes_ : np.ndarray of shape (n_classes,)
    n_features_in_ : int
        Coefficients per frame (last axis of ``X``).
    segment_frames_ : int
        Frames per segment (fixed at fit; ``predict`` cuts segments of the same length).
    n_segments_ : int
        Segments per training clip.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.calibration import CalibratedClassifierCV
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> from genreclf.features import FrameStatistics
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 40, 3))                     # 20 clips, 40 frames, 3 coefficients
    >>> y = np.repeat(["jazz", "metal"], 10)
    >>> X[y == "metal"] += 0.5
    >>> svc = CalibratedClassifierCV(SVC(), ensemble=False)
    >>> clf = SegmentClassifier(make_pipeline(FrameStatistics(), svc), n_segments=4).fit(X, y)
    >>> clf.segment_frames_, clf.predict_proba(X).shape
    (10, (20, 2))
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_segments": [Interval(Integral, 1, None, closed="left"), None],
        "segment_frames": [Interval(Integral, 1, None, closed="left"), None],
        "aggregate": [StrOptions(set(AGGREGATES))],
    }

    @deprecate_positional_args
    def __init__(self, estimator, n_segments=None, *, segment_frames=None, aggregate="mean_proba"):
        self.estimator = estimator
        self.n_segments = n_segments
        self.segment_frames = segment_frames
        self.aggregate = aggregate

    # ---- helpers
    def _check_X(self, X, reset):
        name = type(self).__name__
        X = check_array(X, allow_nd=True, dtype=None, ensure_all_finite=False, input_name="X", estimator=self)
        if X.ndim != 3:
            raise ValueError(f"{name} expects 3-D frames (n_clips, n_frames, n_coefs), got X with shape {X.shape}; "
                             "a 2-D table has no frames to cut (use the estimator directly, or reshape rows to "
                             "(n_clips, n_segments, n_features) for segment-level tables)")
        if reset:
            self.n_features_in_ = X.shape[-1]
        elif X.shape[-1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[-1]} features, but {name} is expecting {self.n_features_in_} "
                             "features as input (the last axis of X).")
        return X

    def _check_params(self):
        self._validate_params()
        if self.n_segments is None and self.segment_frames is None:
            raise ValueError("SegmentClassifier needs n_segments or segment_frames (or both), e.g. n_segments=10 "
                             "for the seed's ten 3-second segments of a 30-second clip")

    def _segments(self, X):
        """Segments of validated ``X`` in the layout the wrapped estimator receives, and the clip of each.

        A segment that is NaN throughout is missing (``GTZANFeatures(n_segments=10)`` on a clip too short for ten)
        and left out.
        """
        if self.segment_frames_ > X.shape[1]:
            raise ValueError(f"segment_frames={self.segment_frames_} is longer than the {X.shape[1]} frames of each "
                             "clip")
        segs, clip, _ = flatten_segments(cut_segments(X, self.segment_frames_, n_segments=self.n_segments, axis=1))
        if self.segment_frames_ == 1:
            segs = segs[:, 0, :]
        if segs.dtype.kind == "f":
            present = ~np.isnan(segs).reshape(len(segs), -1).all(axis=1)
            segs, clip = segs[present], clip[present]
        return segs, clip

    def segments(self, X):
        """The segments the wrapped estimator sees for ``X``, clip-major.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_frames, n_coefs)

        Returns
        -------
        np.ndarray of shape (n_clips * n_segments, segment_frames, n_coefs), or (n_clips * n_segments, n_coefs)
        when ``segment_frames_ == 1``
            Segment ``k`` of clip ``i`` is row ``i * n_segments + k``; ``np.repeat(y, n_segments)`` labels them.
        """
        check_is_fitted(self)
        return self._segments(self._check_X(X, reset=False))[0]

    # ---- fit / predict
    def fit(self, X, y, sample_weight=None):
        """Fit a clone of ``estimator`` on every segment of every clip.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_frames, n_coefs)
        y : array-like of shape (n_clips,)
        sample_weight : array-like of shape (n_clips,), optional
            Given to the estimator, repeated for each segment of a clip.

        Returns
        -------
        self
        """
        self._check_params()
        X = self._check_X(X, reset=True)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y must be 1-D with one label per clip: X has {len(X)} clips, y has shape {y.shape}")
        n_frames = X.shape[1]
        seg = self.segment_frames if self.segment_frames is not None else n_frames // self.n_segments
        if seg < 1:
            raise ValueError(f"n_segments={self.n_segments} is more than the {n_frames} frames of each clip")
        self.segment_frames_ = int(seg)
        self.n_segments_ = len(segment_starts(n_frames, self.segment_frames_, n_segments=self.n_segments))
        segs, clip = self._segments(X)
        if len(segs) == 0:
            raise ValueError("SegmentClassifier: every segment of every clip is missing (NaN)")
        y_segs = y[clip]
        fit_params = {}
        if sample_weight is not None:
            fit_params["sample_weight"] = np.asarray(sample_weight)[clip]
        self.estimator_ = as_classifier(clone_estimator(self.estimator)).fit(segs, y_segs, **fit_params)
        self.classes_ = self.estimator_.classes_
        return self

    def _clip_proba(self, X):
        """The track vote of each clip's segments, ``(n_clips, n_classes)``."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        segs, clip = self._segments(X)
        silent = np.setdiff1d(np.arange(len(X)), clip)
        if len(silent):
            raise ValueError(f"SegmentClassifier: clip {silent[0] + 1} of {len(X)} (and {len(silent) - 1} more) has "
                             "no segment to vote: every one is NaN (a clip too short for one segment, or unreadable "
                             "with on_error='nan'); leave such clips out")
        if self.aggregate == "vote":
            proba = one_hot(self.estimator_.predict(segs), self.classes_)
        else:
            proba = self.estimator_.predict_proba(segs)
        return aggregate_tracks(proba, clip, how=self.aggregate)[1]

    def _can_predict_proba(self):
        return self.aggregate == "vote" or hasattr(as_classifier(self.estimator), "predict_proba")

    @available_if(_can_predict_proba)
    def predict_proba(self, X):
        """Clip probabilities: mean over the clip's segments of their probabilities (or votes).

        Parameters
        ----------
        X : array-like of shape (n_clips, n_frames, n_coefs)

        Returns
        -------
        np.ndarray of shape (n_clips, n_classes)
        """
        return self._clip_proba(X)

    def predict(self, X):
        """Clip labels from the aggregated segment predictions.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_frames, n_coefs)

        Returns
        -------
        np.ndarray of shape (n_clips,)
        """
        return self.classes_[np.argmax(self._clip_proba(X), axis=1)]

    def __sklearn_clone__(self):
        params = self.get_params(deep=False)
        return type(self)(**{k: clone_estimator(v) if k == "estimator" else clone(v, safe=False)
                             for k, v in params.items()})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


class WindowedClassifier(VersionStampMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Classify recordings of any length the way the model was trained: in windows of its clips' length, then vote.

    A model trained on 30 s clips describes a clip by statistics over 30 s. Given a three-minute song whole, it
    would summarise three minutes as if they were one clip, which it has never seen. Here each recording is cut into
    consecutive windows of ``window`` seconds (the training length), each window is classified like a training
    clip, and the windows' probabilities are averaged (the track vote of
    :func:`genreclf.segments.aggregate_tracks`). Files are decoded one window at a time
    (:func:`genreclf.audio.iter_windows`), so an hour-long recording takes the memory of ``batch_size`` windows.

    Parameters
    ----------
    estimator : classifier
        Takes a list of 1-D signals at ``sr`` Hz, e.g. ``make_pipeline(GTZANFeatures(), StandardScaler(),
        LogisticRegression())``; fitted (a clone) on the training clips. A fitted one can be used as it is with
        ``WindowedClassifier(FrozenEstimator(fitted)).fit(None, None)``.
    window : float > 0, default=30.0
        Window length in seconds: the length of the training clips (30 s for GTZAN and its tables). A recording
        shorter than one window is one window; the rest after the last full window is left out.
    sr : int > 0 or None, default=None
        Sample rate of the windows; ``None`` takes the ``sr`` of the estimator's first step (22,050 Hz without one).
    batch_size : int > 0, default=8
        Windows classified per call (bounds memory; the features of a batch may run in parallel).

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone.
    classes_ : np.ndarray of shape (n_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from genreclf.features import SpectralTransformer
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(22050) / 22050
    >>> low = [np.sin(2 * np.pi * f * t).astype("float32") for f in (200, 220, 240)]
    >>> high = [np.sin(2 * np.pi * f * t).astype("float32") for f in (3000, 3300, 3600)]
    >>> model = make_pipeline(SpectralTransformer(features=("spectral_centroid",), summary="mean"),
    ...                       LogisticRegression())
    >>> clf = WindowedClassifier(model, window=1.0).fit(low + high, ["bass"] * 3 + ["treble"] * 3)
    >>> song = np.concatenate([low[0], low[1], high[0], low[2]])         # 4 s: 4 windows of 1 s
    >>> proba, n_windows = clf.window_votes([song])
    >>> clf.predict([song]).tolist(), n_windows.tolist()
    (['bass'], [4])
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "window": [Interval(Real, 0, None, closed="neither")],
        "sr": [Interval(Real, 0, None, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, estimator, *, window=30.0, sr=None, batch_size=8):
        self.estimator = estimator
        self.window = window
        self.sr = sr
        self.batch_size = batch_size

    def _check_params(self):
        self._validate_params()
        if not np.isfinite(self.window):
            raise ValueError(f"window={self.window!r} is not valid: use a finite number of seconds")

    def _sr(self):
        """The sample rate of the windows: ``sr``, else that of the step that reads the audio."""
        if self.sr is not None:
            return self.sr
        step = self.estimator_
        while not hasattr(step, "sr"):
            if hasattr(step, "steps"):  # a pipeline: its first step
                step = step.steps[0][1]
            elif hasattr(step, "estimator"):  # a FrozenEstimator or another wrapper
                step = step.estimator
            else:
                return SR
        return step.sr

    def fit(self, X, y, **fit_params):
        """Fit a clone of ``estimator`` on the training clips ``X`` (they are not windowed).

        Returns
        -------
        self
        """
        self._check_params()
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.classes_ = np.asarray(self.estimator_.classes_)
        return self

    def _windows(self, source, sr):
        if isinstance(source, (str, os.PathLike)):
            return iter_windows(source, self.window, sr=sr)
        y = np.asarray(source, dtype=np.float32)
        size = int(round(self.window * sr))
        return iter(cut_segments(y, size) if y.shape[-1] >= size else y[np.newaxis])

    def _votes_of(self, source, index, n, sr):
        """The window probabilities of one recording, ``(n_windows, n_classes)``; windows that fail are skipped."""
        rows, failed = [], []
        batch = []
        for window in itertools.chain(self._windows(source, sr), [None]):
            if window is not None:
                batch.append(window)
                if len(batch) < self.batch_size:
                    continue
            if not batch:
                break
            try:
                rows.append(np.asarray(self.estimator_.predict_proba(batch), dtype=np.float64))
            except AudioLoadError:  # a silent or broken window among good ones: classify them one by one
                for one in batch:
                    try:
                        rows.append(np.asarray(self.estimator_.predict_proba([one]), dtype=np.float64))
                    except AudioLoadError as err:
                        failed.append(str(err))
            batch = []
        if not rows:
            cause = f": {failed[0]}" if failed else " (the recording is empty)"
            raise AudioLoadError(f"{describe(source, index, n)} has no window that can be classified{cause}")
        return np.concatenate(rows)

    def window_votes(self, X):
        """The track vote of each recording, and how many windows voted.

        Parameters
        ----------
        X : list of str or os.PathLike, or list of 1-D arrays at ``sr`` Hz

        Returns
        -------
        proba : np.ndarray of shape (n_recordings, n_classes)
            Mean of the windows' probabilities.
        n_windows : np.ndarray of shape (n_recordings,), int
            Windows that voted (a window whose features cannot be computed, e.g. silence, does not vote).

        Raises
        ------
        AudioLoadError
            A recording that cannot be decoded, or none of whose windows can be classified, naming it.
        """
        check_is_fitted(self)
        if isinstance(X, (str, os.PathLike)):
            raise TypeError("X must be a list of recordings: wrap a single path in a list, [path]")
        sr = self._sr()
        X = list(X)
        proba, counts = [], []
        for i, source in enumerate(X):
            votes = self._votes_of(source, i, len(X), sr)
            proba.append(aggregate_tracks(votes, np.zeros(len(votes), dtype=int))[1][0])
            counts.append(len(votes))
        return np.asarray(proba).reshape(len(X), len(self.classes_)), np.asarray(counts, dtype=int)

    def predict_proba(self, X):
        """Mean of each recording's window probabilities, shape (n_recordings, n_classes)."""
        return self.window_votes(X)[0]

    def predict(self, X):
        """The voted class of each recording, shape (n_recordings,)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class RejectOptionClassifier(VersionStampMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Return ``fallback`` instead of a class when the top probability is under ``threshold``.

    The 264-feature report kept a prediction only above 25% confidence (``threshold=0.25``) and otherwise answered
    its majority class (``fallback=<that label>``); ``fallback="unknown"`` makes the abstention explicit instead.
    ``predict_proba`` is the wrapped estimator's, unchanged.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
    threshold : float in [0, 1], default=0.5
        Predictions whose highest probability is strictly below it are rejected; 0 never rejects.
    fallback : label, default="unknown"
        Returned for rejected samples. When it is not of the classes' kind (a string for int classes) and a sample
        is rejected, ``predict`` returns an object array.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``.
    classes_ : np.ndarray of shape (n_classes,)
        The estimator's classes (``fallback`` is not one of them).
    n_features_in_ : int
        When the estimator has it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-3.0], [-2.0], [2.0], [3.0]])
    >>> y = np.array(["jazz", "jazz", "rock", "rock"])
    >>> clf = RejectOptionClassifier(LogisticRegression(), threshold=0.6).fit(X, y)
    >>> clf.predict([[-3.0], [0.0], [3.0]]).tolist()
    ['jazz', 'unknown', 'rock']
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],  # fit says what to do about a missing predict_proba
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "fallback": "no_validation",  # any label
    }

    @deprecate_positional_args
    def __init__(self, estimator, threshold=0.5, *, fallback="unknown"):
        self.estimator = estimator
        self.threshold = threshold
        self.fallback = fallback

    def fit(self, X, y, **fit_params):
        """Fit a clone of ``estimator``; ``fit_params`` (e.g. ``sample_weight``) go to its ``fit``.

        Parameters
        ----------
        X : array-like accepted by the estimator
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._validate_params()
        self._threshold()
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(f"{type(self.estimator).__name__} has no predict_proba, which the reject option needs "
                            "(for SVC, wrap it: CalibratedClassifierCV(SVC(), ensemble=False))")
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.classes_ = self.estimator_.classes_
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict_proba(self, X):
        """The wrapped estimator's class probabilities, shape (n_samples, n_classes)."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def _threshold(self):
        """``threshold`` as a float, checked (at fit and again at predict time: it may be set after fitting)."""
        value = self.threshold
        constraint = {"threshold": self._parameter_constraints["threshold"]}
        validate_parameter_constraints(constraint, {"threshold": value}, caller_name=type(self).__name__)
        if isinstance(value, (bool, np.bool_)):  # a number to scikit-learn, not a probability here
            raise InvalidParameterError(f"The 'threshold' parameter of {type(self).__name__} must be a float in the "
                                        f"range [0.0, 1.0]. Got {value!r} instead.")
        return float(value)

    def rejected(self, X):
        """Boolean mask of shape (n_samples,): True where the top probability is under ``threshold``."""
        return self.predict_proba(X).max(axis=1) < self._threshold()

    def predict(self, X):
        """Top class, or ``fallback`` where the top probability is under ``threshold``.

        Parameters
        ----------
        X : array-like accepted by the estimator

        Returns
        -------
        np.ndarray of shape (n_samples,)
        """
        return self.decide(self.predict_proba(X))

    def decide(self, proba):
        """The labels of class probabilities (columns in the order of ``classes_``): the top class, or
        ``fallback`` where the top probability is under ``threshold``.

        Parameters
        ----------
        proba : array-like of shape (n_samples, n_classes)

        Returns
        -------
        np.ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        proba = np.asarray(proba)
        labels = self.classes_[np.argmax(proba, axis=1)]
        reject = proba.max(axis=1) < self._threshold()
        if not reject.any():
            return labels
        fallback = np.asarray(self.fallback)
        if fallback.dtype.kind == labels.dtype.kind == "U":
            labels = labels.astype(np.result_type(labels.dtype, fallback.dtype))  # room for a longer string
        elif not (fallback.dtype.kind == labels.dtype.kind or (fallback.dtype.kind in "iu"
                                                                and labels.dtype.kind in "iuf")):
            labels = labels.astype(object)
        labels[reject] = self.fallback
        return labels

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags = copy.deepcopy(inner.input_tags)  # what the estimator accepts, this accepts
        tags.non_deterministic = inner.non_deterministic
        return tags
