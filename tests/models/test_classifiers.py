"""The Keras classifiers as scikit-learn estimators: sklearn's own checks, grid search, determinism, shapes,
labels, class weights, early stopping and persistence. Networks are tiny and train for a few epochs."""
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from check_params import check_params
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from genreclf.models import CNNClassifier, LSTMClassifier, MLPClassifier
from genreclf.models.networks import MLP_PRESETS

pytest.importorskip("keras")

# Tiny configurations: sklearn's check data are 2-D tables of 1-10 features, read by the CNN/LSTM as
# (n_features, 1) sequences, so the CNN uses kernels that fit a width of 1 with "same" padding.
TINY = dict(learning_rate=0.05, epochs=5, batch_size=32)
TINY_MLP = MLPClassifier(hidden_units=(8,), dropout=0.0, **TINY)
TINY_CNN = CNNClassifier(filters=(4,), kernel_sizes=(2, 1), pool_sizes=(2, 1), padding="same", batch_norm=False,
                         dense_units=(8,), dropout=0.0, **TINY)
TINY_LSTM = LSTMClassifier(units=(4,), dense_units=(), **TINY)

# Each check listed here fails for a stated reason, with the check's own assertion; everything else must pass.
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch SGD: a weight of 2 is not the same as a duplicated row (different batches, different updates), "
        "and a zero weight still changes batch composition, so predictions differ", AssertionError),
}

# Speed: each check fits a fresh Keras network (~1-2 s of graph tracing each), and the full suite is ~80 fits per
# estimator. Everything sklearn-facing (validation, labels, weights, fit/predict, pickling) is BaseKerasClassifier
# code, run through the *whole* suite with the MLP. What a subclass adds is its constructor (parameters) and two
# hooks, `_to_network` (reshaping the float32 rows the base class validated) and `_build_network`. So for the CNN
# and LSTM only the checks that go through their own code run: constructor and parameters, reshaping 2-D rows of
# one sample or one feature, their networks learning, pickling their layers, batch independence of their
# predictions. Their other checks would repeat the MLP's code path and are not generated; their determinism under
# random_state and their row-order independence are tested below for all three classes.
SUBCLASS_CHECKS = {
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_parameters_default_constructible", "check_get_params_invariance", "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params", "check_fit2d_1sample", "check_fit2d_1feature",
    "check_classifiers_train", "check_estimators_pickle", "check_methods_subset_invariance",
    "check_n_features_in_after_fitting", "check_fit_check_is_fitted",
}  # by check id: the read-only-memmap variants of check_classifiers_train/pickle test shared input handling


def _expected_failures(estimator):
    return EXPECTED_FAILURES


@pytest.mark.parametrize("estimator, check", check_params([TINY_MLP], _expected_failures) + check_params(
    [TINY_CNN, TINY_LSTM], _expected_failures, select=lambda est, check: check in SUBCLASS_CHECKS))
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------------------------------------------ data
def _frames(n_per_class=12, n_frames=12, n_coefs=4, labels=("blues", "metal", "jazz"), seed=0):
    """3-D frames whose class shows as a shift of the coefficients."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array(labels), n_per_class)
    X = rng.normal(size=(len(y), n_frames, n_coefs)).astype(np.float32)
    for k, label in enumerate(labels):
        X[y == label, :, k % n_coefs] += 2.0
    return X, y


def _cnn(**kw):
    # batch_norm=False: a few steps are too few for BatchNorm's moving statistics (momentum 0.99) to settle
    params = dict(filters=(4,), kernel_sizes=(3, 3), pool_sizes=(2, 2), batch_norm=False, dense_units=(8,),
                  learning_rate=0.02, epochs=3, batch_size=8, random_state=0)
    return CNNClassifier(**{**params, **kw})


def _lstm(**kw):
    params = dict(units=(8,), dense_units=(), learning_rate=0.02, epochs=3, batch_size=8, random_state=0)
    return LSTMClassifier(**{**params, **kw})


def _mlp(**kw):
    params = dict(hidden_units=(8,), learning_rate=0.02, epochs=3, batch_size=8, random_state=0)
    return MLPClassifier(**{**params, **kw})


MAKERS = [_cnn, _lstm, _mlp]


# ------------------------------------------------------------------------------------------ behaviour
@pytest.mark.parametrize("make", MAKERS)
def test_random_state_gives_identical_predictions(make):
    X, y = _frames()
    kw = {"batch_norm": True} if make is _cnn else {}  # the seed CNN's layers: BatchNorm and dropout
    p1 = make(**kw).fit(X, y).predict_proba(X)
    p2 = make(**kw).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    p3 = make(random_state=1, **kw).fit(X, y).predict_proba(X)
    assert not np.array_equal(p1, p3)


@pytest.mark.parametrize("make", MAKERS)
def test_a_rows_probabilities_do_not_depend_on_the_rows_predicted_with_it(make):
    """Bit for bit: reordered, alone, or in a batch longer than one forward pass (float32 kernels round the
    ragged tail of a batch differently, so every pass is a full, zero-padded one)."""
    X, y = _frames()
    clf = make().fit(X, y)
    proba = clf.predict_proba(X)
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_array_equal(clf.predict_proba(X[order]), proba[order])
    np.testing.assert_array_equal(clf.predict_proba(X[5:6]), proba[5:6])
    many = np.concatenate([X] * 10)  # 360 rows: two forward passes
    np.testing.assert_array_equal(clf.predict_proba(many)[300:], np.concatenate([proba] * 10)[300:])


def test_seeded_fit_restores_global_random_state():
    X, y = _frames()
    # the legacy global state is the one Keras' seeding touches, so it is the one to test
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.rand()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    _mlp().fit(X, y)
    assert np.random.rand() == expected  # noqa: NPY002


@pytest.mark.parametrize("make", MAKERS)
def test_string_labels_3d_input_history(make):
    X, y = _frames()
    clf = make().fit(X, y)
    assert list(clf.classes_) == ["blues", "jazz", "metal"]
    assert clf.n_features_in_ == X.shape[-1]
    assert set(clf.predict(X)) <= set(y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert sorted(clf.history_) == ["accuracy", "loss"]
    assert len(clf.history_["loss"]) == clf.n_iter_ == 3
    assert clf.score(X, y) > 0.5  # well-separated classes


def test_cnn_and_lstm_reshape_2d_rows_with_input_shape():
    X, y = _frames(n_frames=10, n_coefs=4)
    flat = X.reshape(len(X), -1)  # what StandardScaler / PCA see
    for make, n_dims in [(_cnn, 4), (_lstm, 3)]:
        clf = make(input_shape=(10, 4)).fit(flat, y)
        assert clf.model_.input_shape[1:3] == (10, 4)
        assert len(clf.model_.input_shape) == n_dims
        assert clf.predict(flat).shape == (len(X),)
        # trained on 2-D rows, it refuses frames (and says which shape it wants)
        with pytest.raises(ValueError, match=r"X has 3 dimensions, .* on X of shape \(n_samples,\) \+ \(40,\)"):
            clf.predict(X)
    with pytest.raises(ValueError, match="input_shape=.*holds 12 values but X has 40 columns"):
        _cnn(input_shape=(3, 4)).fit(flat, y)


def test_cnn_adds_channel_axis_and_mlp_flattens_frames():
    X, y = _frames(n_frames=10, n_coefs=4)
    assert _cnn().fit(X, y).model_.input_shape == (None, 10, 4, 1)
    assert _mlp().fit(X, y).model_.input_shape == (None, 40)
    assert _lstm().fit(X, y).model_.input_shape == (None, 10, 4)


@pytest.mark.parametrize("make", MAKERS)
def test_wrong_shapes_at_predict_name_the_problem(make):
    X, y = _frames(n_frames=10, n_coefs=4)
    clf = make().fit(X, y)
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 4 features"):
        clf.predict(X[:, :, :3])
    with pytest.raises(ValueError, match=r"fitted on X of shape \(n_samples,\) \+ \(10, 4\)"):
        clf.predict(X[:, :8, :])
    with pytest.raises(ValueError, match="expects a 2-D table"):
        clf.predict(X[..., np.newaxis])
    with pytest.raises(ValueError, match=r"X has 2 dimensions, but .* fitted on X of shape"):
        clf.predict(X.reshape(len(X), -1))


def test_cnn_kernel_too_large_for_2d_rows_says_how_to_fix():
    X = np.random.default_rng(0).normal(size=(20, 6))
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match="padding='same'"):
        CNNClassifier(epochs=1).fit(X, y)  # the seed's 4x4 kernels on (6, 1) "images"


def test_invalid_params_are_named():
    X, y = _frames()
    for clf, pattern in [
        (_mlp(epochs=0), r"The 'epochs' parameter of MLPClassifier must be an int in the range \[1, inf\)\. Got 0"),
        (_mlp(validation_split=1.5), r"The 'validation_split' parameter of MLPClassifier must be a float in the range "
                                     r"\[0\.0, 1\.0\)\. Got 1\.5"),
        (_mlp(optimizer="nope"), "optimizer='nope'"),
        (_mlp(class_weight="auto"), r"The 'class_weight' parameter of MLPClassifier must be a str among "
                                    r"\{'balanced'\}, an instance of 'dict' or None\. Got 'auto'"),
        (_mlp(dropout=1.0), r"The 'dropout' parameter of MLPClassifier must be a float in the range \[0\.0, 1\.0\)\. "
                            r"Got 1\.0"),
        (_cnn(kernel_sizes=((2, 2), (2, 2))), "kernel_sizes")]:
        with pytest.raises(ValueError, match=pattern):
            clf.fit(X, y)


def test_optimizer_name_or_class_and_learning_rate():
    import keras

    X, y = _frames()
    clf = _mlp(optimizer="sgd", learning_rate=0.5).fit(X, y)
    assert type(clf.model_.optimizer).__name__ == "SGD"
    assert float(clf.model_.optimizer.learning_rate.numpy()) == pytest.approx(0.5)
    clf = _mlp(optimizer=keras.optimizers.RMSprop).fit(X, y)
    assert type(clf.model_.optimizer).__name__ == "RMSprop"
    with pytest.raises(TypeError, match="not an instance"):
        _mlp(optimizer=keras.optimizers.Adam()).fit(X, y)


def test_validation_split_and_early_stopping_restore_best_weights():
    X, y = _frames(n_per_class=20)
    clf = _mlp(validation_split=0.25, patience=2, epochs=40, learning_rate=0.2).fit(X, y)
    hist = clf.history_
    assert {"val_loss", "val_accuracy"} <= set(hist)
    assert len(hist["val_loss"]) == clf.n_iter_ < 40  # stopped early...
    assert int(np.argmin(hist["val_loss"])) == clf.n_iter_ - 1 - 2  # ...`patience` epochs after the best one


def test_validation_split_is_stratified_on_sorted_labels():
    X, y = _frames(n_per_class=10)  # sorted by class: Keras' own validation_split would validate on "jazz" only
    clf = _mlp(validation_split=0.3, patience=None, epochs=2).fit(X, y)
    assert len(clf.history_["val_loss"]) == 2


def test_class_weight_balanced_shifts_predictions_towards_the_rare_class():
    rng = np.random.default_rng(0)
    n_major, n_minor = 90, 10
    X = np.concatenate([rng.normal(0.0, 1, (n_major, 2)), rng.normal(1.0, 1, (n_minor, 2))]).astype(np.float32)
    y = np.array(["pop_rock"] * n_major + ["blues"] * n_minor)
    plain = _mlp(hidden_units=(), epochs=30, learning_rate=0.05, batch_size=100).fit(X, y)
    balanced = clone(plain).set_params(class_weight="balanced").fit(X, y)
    as_dict = clone(plain).set_params(class_weight={"pop_rock": 1.0, "blues": 9.0}).fit(X, y)
    share = {name: np.mean(m.predict(X) == "blues") for name, m in
             [("plain", plain), ("balanced", balanced), ("dict", as_dict)]}
    assert share["balanced"] > share["plain"]
    assert share["dict"] > share["plain"]


# ------------------------------------------------------------------------------------------ model selection
def test_grid_search_over_pipeline_mixing_keras_mlp_and_svc():
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=60, n_features=10, n_informative=5, n_classes=3, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA()), ("clf", SVC())])
    grid = [
        {"pca__n_components": [3, 6], "clf": [SVC()], "clf__C": [1.0, 10.0]},
        {"pca__n_components": [6], "clf": [_mlp(epochs=3)], "clf__hidden_units": [(8,), (8, 8)]},
    ]
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(2, shuffle=True, random_state=0)).fit(X, y)
    assert len(search.cv_results_["params"]) == 6
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict(X).shape == (60,)


def test_clone_get_params_set_params_round_trip():
    for clf in [_cnn(filters=(4, 4), input_shape=(10, 4)), _lstm(units=(4, 4)), MLPClassifier.from_preset("wide_bn")]:
        params = clf.get_params()
        twin = clone(clf)
        assert twin.get_params() == params
        twin.set_params(**params)
        assert twin.get_params() == params
    mlp = MLPClassifier.from_preset("minimal", epochs=4)
    assert mlp.hidden_units == (128,) and mlp.activation == "elu" and mlp.epochs == 4
    with pytest.raises(ValueError, match="preset='nope'"):
        MLPClassifier.from_preset("nope")
    assert set(MLP_PRESETS) == {"deep", "wide_bn", "simple", "minimal"}


@pytest.mark.parametrize("make", MAKERS)
def test_joblib_round_trip_of_fitted_pipeline_gives_identical_proba(make, tmp_path):
    X, y = _frames(n_frames=10, n_coefs=4)
    flat = X.reshape(len(X), -1)
    # the CNN with BatchNorm: its moving statistics are non-trainable weights that must survive the round trip
    clf = make() if make is _mlp else make(input_shape=(10, 4), **({"batch_norm": True} if make is _cnn else {}))
    pipe = make_pipeline(StandardScaler(), clf).fit(flat, y)
    expected = pipe.predict_proba(flat)
    path = tmp_path / "pipe.joblib"
    joblib.dump(pipe, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(flat), expected)
    # pickle and deepcopy use the same path; the unpickled model keeps training state and history
    again = pickle.loads(pickle.dumps(pipe[-1]))
    assert again.history_ == pipe[-1].history_
    np.testing.assert_array_equal(again.predict_proba(pipe[0].transform(flat)), expected)


def test_unfitted_estimator_pickles_without_keras_state():
    clf = pickle.loads(pickle.dumps(_cnn()))
    assert not hasattr(clf, "model_")


def test_importing_classifiers_does_not_import_tensorflow():
    code = ("import sys\n"
            "from genreclf import CNNClassifier, LSTMClassifier, MLPClassifier, SegmentClassifier, "
            "RejectOptionClassifier\n"
            "import genreclf.models, genreclf.models.networks, genreclf.models.classifiers\n"
            "CNNClassifier(epochs=2).get_params()\n"
            "bad = [m for m in ('tensorflow', 'keras', 'scikeras') if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_pickle_stamps_keras_and_genreclf_versions():
    from genreclf._persistence import GenreclfVersionWarning

    X, y = _frames()
    clf = _mlp(epochs=1).fit(X, y)
    state = clf.__getstate__()
    assert isinstance(state["model_"], bytes) and state["_keras_version"] and state["_genreclf_version"]
    assert not isinstance(clf.model_, bytes)  # packing works on a copy of the state
    state["_keras_version"] = "0.0.1"
    state["_genreclf_version"] = "0.0.1"
    loaded = MLPClassifier.__new__(MLPClassifier)
    with pytest.warns(UserWarning, match="Keras 0.0.1"), pytest.warns(GenreclfVersionWarning):
        loaded.__setstate__(state)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
