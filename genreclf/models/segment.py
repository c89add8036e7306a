"""Meta-estimators that make clip-level decisions: segment voting and a reject option.

:class:`SegmentClassifier` trains any classifier on short segments of each clip and predicts a clip from all its
segments; the segments are cut *inside* ``fit``/``predict``, so one row of ``X`` stays one clip and
cross-validation over rows can never put segments of one song on both sides of a split.

:class:`RejectOptionClassifier` answers a fallback label instead of a genre when the classifier is not confident
enough (the 25% rule of the 264-feature report).
"""
import copy

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from .._deprecation import deprecate_positional_args
from .._persistence import VersionStampMixin
from ..segments import AGGREGATES, aggregate_tracks, cut_segments, flatten_segments, one_hot

__all__ = ["SegmentClassifier", "RejectOptionClassifier"]


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
        for name in ("n_segments", "segment_frames"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                      or value < 1):
                raise ValueError(f"{name}={value!r} is not valid: use a positive int or None")
        if self.n_segments is None and self.segment_frames is None:
            raise ValueError("SegmentClassifier needs n_segments or segment_frames (or both), e.g. n_segments=10 "
                             "for the seed's ten 3-second segments of a 30-second clip")
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"aggregate={self.aggregate!r} is not valid: use one of {AGGREGATES}")

    def _segments(self, X):
        """Segments of validated ``X`` in the layout the wrapped estimator receives, and the clip of each."""
        if self.segment_frames_ > X.shape[1]:
            raise ValueError(f"segment_frames={self.segment_frames_} is longer than the {X.shape[1]} frames of each "
                             "clip")
        segs, clip, _ = flatten_segments(cut_segments(X, self.segment_frames_, n_segments=self.n_segments, axis=1))
        if self.segment_frames_ == 1:
            segs = segs[:, 0, :]
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
        segs, clip = self._segments(X)
        self.n_segments_ = len(segs) // len(X)
        y_segs = y[clip]
        fit_params = {}
        if sample_weight is not None:
            fit_params["sample_weight"] = np.asarray(sample_weight)[clip]
        self.estimator_ = clone(self.estimator).fit(segs, y_segs, **fit_params)
        self.classes_ = self.estimator_.classes_
        return self

    def _clip_proba(self, X):
        """The track vote of each clip's segments, ``(n_clips, n_classes)``."""
        check_is_fitted(self)
        segs, clip = self._segments(self._check_X(X, reset=False))
        if self.aggregate == "vote":
            proba = one_hot(self.estimator_.predict(segs), self.classes_)
        else:
            proba = self.estimator_.predict_proba(segs)
        return aggregate_tracks(proba, clip, how=self.aggregate)[1]

    def _can_predict_proba(self):
        return self.aggregate == "vote" or hasattr(self.estimator, "predict_proba")

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
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
        try:
            threshold = float(self.threshold)
        except (TypeError, ValueError):
            threshold = np.nan
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold={self.threshold!r} is not valid: use a probability in [0, 1]")
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

    def rejected(self, X):
        """Boolean mask of shape (n_samples,): True where the top probability is under ``threshold``."""
        return self.predict_proba(X).max(axis=1) < float(self.threshold)

    def predict(self, X):
        """Top class, or ``fallback`` where the top probability is under ``threshold``.

        Parameters
        ----------
        X : array-like accepted by the estimator

        Returns
        -------
        np.ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        labels = self.classes_[np.argmax(proba, axis=1)]
        reject = proba.max(axis=1) < float(self.threshold)
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
