"""SegmentClassifier (segments made inside the estimator, clip vote) and RejectOptionClassifier."""
import re

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from genreclf.features import FrameStatistics, SequenceScaler
from genreclf.models import RejectOptionClassifier, SegmentClassifier

LABELS = np.array(["blues", "jazz", "metal"])


def _clips(n_per_class=20, n_frames=100, n_coefs=4, shift=0.35, segment_noise=0.6, seed=0):
    """Clips whose genre shows as a small shift of one coefficient over the whole clip, buried under frame noise
    and a random offset per 10-frame segment: one segment is a weak witness, ten of them a strong one."""
    rng = np.random.default_rng(seed)
    y = np.repeat(LABELS, n_per_class)
    X = rng.normal(size=(len(y), n_frames, n_coefs))
    offsets = rng.normal(scale=segment_noise, size=(len(y), n_frames // 10, 1, n_coefs))
    X += np.repeat(offsets, 10, axis=2).reshape(len(y), n_frames, n_coefs)
    for k, label in enumerate(LABELS):
        X[y == label, :, k] += shift
    return X, y


def _stats_lr():
    return make_pipeline(FrameStatistics(summary="mean"), LogisticRegression())


class _Recorder(ClassifierMixin, BaseEstimator):
    """Remembers the shape of what it was fitted on; predicts the first class."""

    def fit(self, X, y):
        self.fit_shape_ = np.shape(X)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        proba = np.zeros((len(X), len(self.classes_)))
        proba[:, 0] = 1.0
        return proba

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


# ------------------------------------------------------------------------------------------------ segments
@pytest.mark.parametrize("params, n_segments, seg_frames", [
    (dict(n_segments=10), 10, 10),
    (dict(n_segments=3), 3, 33),      # 100 // 3 frames each, the last frame dropped
    (dict(segment_frames=25), 4, 25),
    (dict(n_segments=5, segment_frames=30), 5, 30),  # overlapping windows
])
def test_estimator_sees_segments_labelled_with_their_clip(params, n_segments, seg_frames):
    X, y = _clips(n_per_class=2)
    clf = SegmentClassifier(_Recorder(), **params).fit(X, y)
    assert clf.estimator_.fit_shape_ == (len(X) * n_segments, seg_frames, 4)
    assert (clf.n_segments_, clf.segment_frames_, clf.n_features_in_) == (n_segments, seg_frames, 4)
    segs = clf.segments(X)
    assert segs.shape == (len(X) * n_segments, seg_frames, 4)
    np.testing.assert_array_equal(segs[n_segments], X[1, :seg_frames])  # clip-major order
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_one_frame_segments_reach_the_estimator_as_a_table():
    # e.g. GTZANFeatures(n_segments=10): (n_clips, 10 segments, n_features) -> rows of a 2-D table
    X, y = _clips(n_per_class=2, n_frames=10, n_coefs=5)
    clf = SegmentClassifier(_Recorder(), segment_frames=1).fit(X, y)
    assert clf.estimator_.fit_shape_ == (len(X) * 10, 5)
    svc = SegmentClassifier(make_pipeline(StandardScaler(), CalibratedClassifierCV(SVC(), ensemble=False)),
                            segment_frames=1).fit(X, y)
    assert svc.predict(X).shape == (len(X),)


def test_voting_over_segments_beats_single_segments():
    X, y = _clips(n_per_class=20, seed=0)
    X_test, y_test = _clips(n_per_class=20, seed=1)  # other clips: nothing of them was seen in training
    for aggregate in ["mean_proba", "vote"]:
        clf = SegmentClassifier(_stats_lr(), n_segments=10, aggregate=aggregate).fit(X, y)
        segment_acc = np.mean(clf.estimator_.predict(clf.segments(X_test)) == np.repeat(y_test, 10))
        clip_acc = clf.score(X_test, y_test)
        assert segment_acc < 0.75, segment_acc  # the synthetic task is hard per segment...
        assert clip_acc > segment_acc + 0.15, (aggregate, segment_acc, clip_acc)  # ...and much easier per clip


def test_vote_probabilities_are_shares_of_segments():
    X, y = _clips(n_per_class=5)
    clf = SegmentClassifier(_stats_lr(), n_segments=4, aggregate="vote").fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba * 4, np.round(proba * 4))  # multiples of 1/4
    seg_pred = clf.estimator_.predict(clf.segments(X)).reshape(len(X), 4)
    np.testing.assert_allclose(proba[:, 0], np.mean(seg_pred == clf.classes_[0], axis=1))


def test_predicts_clips_of_another_length_with_the_training_segment_length():
    X, y = _clips(n_per_class=4, n_frames=100)
    clf = SegmentClassifier(_stats_lr(), n_segments=10).fit(X, y)
    longer = np.concatenate([X, X[:, :50]], axis=1)  # 150 frames: 10 segments of 10 spread... end to end
    assert clf.segments(longer).shape == (len(X) * 10, 10, 4)
    assert clf.predict(longer).shape == (len(X),)
    with pytest.raises(ValueError, match="segment_frames=10 is longer than the 5 frames"):
        clf.predict(X[:, :5])


def test_cross_validation_splits_clips_not_segments():
    X, y = _clips(n_per_class=10)
    scores = cross_val_score(SegmentClassifier(_stats_lr(), n_segments=10), X, y,
                             cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,)
    clf = SegmentClassifier(_Recorder(), n_segments=10).fit(X[:20], y[:20])
    assert clf.estimator_.fit_shape_[0] == 20 * 10  # 20 training clips -> 200 segments, from those clips only


@pytest.mark.parametrize("params, X_shape, message", [
    (dict(), (4, 20, 3), "needs n_segments or segment_frames"),
    (dict(n_segments=0), (4, 20, 3), r"The 'n_segments' parameter of SegmentClassifier must be an int in the range "
                                     r"\[1, inf\) or None\. Got 0 instead"),
    (dict(n_segments=30), (4, 20, 3), "n_segments=30 is more than the 20 frames"),
    (dict(n_segments=2, aggregate="max"), (4, 20, 3), r"The 'aggregate' parameter of SegmentClassifier must be a str "
                                                      r"among \{.*'mean_proba'.*\}\. Got 'max' instead"),
    (dict(n_segments=2), (4, 20), "expects 3-D frames"),
])
def test_errors_name_the_parameter(params, X_shape, message):
    X = np.zeros(X_shape)
    with pytest.raises(ValueError, match=message):
        SegmentClassifier(_Recorder(), **params).fit(X, np.array([0, 0, 1, 1]))


def test_predict_proba_needs_it_only_for_mean_proba():
    from sklearn.linear_model import RidgeClassifier

    X, y = _clips(n_per_class=3)
    voter = SegmentClassifier(make_pipeline(FrameStatistics(), RidgeClassifier()), n_segments=5, aggregate="vote")
    assert voter.fit(X, y).predict(X).shape == (len(X),)
    assert not hasattr(SegmentClassifier(RidgeClassifier(), n_segments=5), "predict_proba")


def test_keras_cnn_segments_in_a_grid_search_and_joblib_round_trip(tmp_path):
    from genreclf.models import CNNClassifier

    X, y = _clips(n_per_class=6, n_frames=40, n_coefs=4)
    cnn = CNNClassifier(filters=(4,), kernel_sizes=(3, 3), pool_sizes=(2, 2), dense_units=(8,), learning_rate=0.02,
                        epochs=2, random_state=0)
    pipe = make_pipeline(SequenceScaler(), SegmentClassifier(cnn, n_segments=4))
    search = GridSearchCV(pipe, {"segmentclassifier__estimator__filters": [(4,), (2,)]},
                          cv=StratifiedKFold(2, shuffle=True, random_state=0)).fit(X, y)
    best = search.best_estimator_
    assert best[-1].estimator_.model_.input_shape == (None, 10, 4, 1)
    expected = best.predict_proba(X)
    joblib.dump(best, tmp_path / "segments.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "segments.joblib").predict_proba(X), expected)


# ------------------------------------------------------------------------------------------------ reject option
def _two_genres():
    X = np.array([[-3.0], [-2.0], [-1.0], [1.0], [2.0], [3.0]])
    y = np.array(["jazz", "jazz", "jazz", "rock", "rock", "rock"])
    return X, y


def test_reject_option_returns_fallback_under_the_threshold():
    X, y = _two_genres()
    clf = RejectOptionClassifier(LogisticRegression(), threshold=0.7).fit(X, y)
    X_new = np.array([[-3.0], [0.0], [0.1], [3.0]])
    top = clf.predict_proba(X_new).max(axis=1)
    expected = np.where(top < 0.7, "unknown", clf.estimator_.predict(X_new))
    assert clf.predict(X_new).tolist() == expected.tolist() == ["jazz", "unknown", "unknown", "rock"]
    assert clf.rejected(X_new).tolist() == [False, True, True, False]
    assert list(clf.classes_) == ["jazz", "rock"]
    # threshold 0 never rejects: the plain classifier
    assert clf.set_params(threshold=0.0).fit(X, y).predict(X_new).tolist() == ["jazz", "jazz", "rock", "rock"]


class _RowProba(ClassifierMixin, BaseEstimator):
    """A 'model' whose class probabilities are the rows of X (fit only learns the classes)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=float)


def test_reject_option_keeps_a_top_probability_equal_to_the_threshold():
    """The rule is "under the threshold": a top probability exactly at it is kept, the next float under it is not
    (0.75, 0.5 and 1.0 are exact in binary floating point)."""
    under = np.nextafter(0.75, 0)
    X = np.array([[0.75, 0.25], [0.25, 0.75], [under, 1 - under], [0.5, 0.5], [1.0, 0.0]])
    clf = RejectOptionClassifier(_RowProba(), threshold=0.75).fit(X, ["jazz", "rock", "jazz", "rock", "jazz"])
    assert clf.rejected(X).tolist() == [False, False, True, True, False]
    assert clf.predict(X).tolist() == ["jazz", "rock", "unknown", "unknown", "jazz"]
    assert clf.decide(X).tolist() == clf.predict(X).tolist()
    assert clf.set_params(threshold=0.5).predict(X).tolist() == ["jazz", "rock", "jazz", "jazz", "jazz"]
    assert clf.set_params(threshold=1.0).rejected(X).tolist() == [True, True, True, True, False]


def test_reject_option_fallback_types():
    X, y = _two_genres()
    X_new = np.array([[0.0], [3.0]])
    y_int = (y == "rock").astype(int)
    # the 264-feature report's rule: under 25% (here 70%) confidence, answer the majority label
    as_int = RejectOptionClassifier(LogisticRegression(), threshold=0.7, fallback=-1).fit(X, y_int).predict(X_new)
    assert as_int.tolist() == [-1, 1] and as_int.dtype.kind == "i"
    mixed = RejectOptionClassifier(LogisticRegression(), threshold=0.7).fit(X, y_int).predict(X_new)
    assert mixed.tolist() == ["unknown", 1]
    long_name = RejectOptionClassifier(LogisticRegression(), threshold=0.7, fallback="no confident genre")
    assert long_name.fit(X, y).predict(X_new).tolist() == ["no confident genre", "rock"]


@pytest.mark.parametrize("threshold", [-0.1, 1.5, "high"])
def test_reject_option_threshold_is_checked(threshold):
    X, y = _two_genres()
    with pytest.raises(ValueError, match=r"The 'threshold' parameter of RejectOptionClassifier must be a float in the "
                                         rf"range \[0\.0, 1\.0\]\. Got {re.escape(repr(threshold))} instead"):
        RejectOptionClassifier(LogisticRegression(), threshold=threshold).fit(X, y)


def test_reject_option_needs_probabilities():
    X, y = _two_genres()
    with pytest.raises(TypeError, match="CalibratedClassifierCV"):
        RejectOptionClassifier(SVC()).fit(X, y)


def test_reject_option_wraps_a_keras_pipeline_and_round_trips(tmp_path):
    from genreclf.models import MLPClassifier

    X, y = _two_genres()
    pipe = make_pipeline(StandardScaler(), RejectOptionClassifier(
        MLPClassifier(hidden_units=(4,), epochs=2, random_state=0), threshold=0.9))
    pipe.fit(np.repeat(X, 5, axis=0), np.repeat(y, 5))
    before = pipe.predict(X)
    assert set(before) <= {"jazz", "rock", "unknown"}
    joblib.dump(pipe, tmp_path / "reject.joblib")
    assert joblib.load(tmp_path / "reject.joblib").predict(X).tolist() == before.tolist()
    assert clone(pipe).get_params()["rejectoptionclassifier__threshold"] == 0.9


# With threshold=0 the reject option is a transparent wrapper, so sklearn's whole suite applies to it.
# SegmentClassifier is not run through the suite: it accepts only 3-D frames and the checks feed 2-D tables.
@parametrize_with_checks([RejectOptionClassifier(LogisticRegression(), threshold=0.0)])
def test_reject_option_is_sklearn_compatible(estimator, check):
    check(estimator)


def test_seed_cnn_on_real_gtzan_mfcc_segments(subset_paths):
    """The seed notebook's pipeline on real clips: MFCC frames -> SequenceScaler -> SegmentClassifier(seed CNN).

    6 s of each clip (259 frames) cut into 2 segments of 129 frames x 13 MFCC, the seed notebook's input size;
    the seed CNN itself (25,162 parameters) trains 2 epochs. Checks the plumbing, not accuracy."""
    from genreclf.features import MFCCTransformer
    from genreclf.models import CNNClassifier

    y = np.array([p.replace("\\", "/").split("/")[-2] for p in subset_paths])
    frames = MFCCTransformer(n_mfcc=13, duration=6.0).fit_transform(subset_paths)
    assert frames.shape == (len(subset_paths), 259, 13)
    pipe = make_pipeline(SequenceScaler(), SegmentClassifier(CNNClassifier(epochs=2, random_state=0), n_segments=2))
    pipe.fit(frames, y)
    seg = pipe[-1]
    assert seg.estimator_.model_.count_params() == 25162
    assert seg.estimator_.model_.input_shape == (None, 129, 13, 1)
    proba = pipe.predict_proba(frames)
    assert proba.shape == (len(subset_paths), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(pipe.predict(frames)) <= set(y)
