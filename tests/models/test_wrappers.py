"""A user's own Keras model: scikeras' KerasClassifier and Keras' SKLearnClassifier in genreclf's tools."""
import joblib
import numpy as np
import pytest
from check_params import check_params
from sklearn.base import is_classifier
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.preprocessing import StandardScaler

from genreclf import benchmark
from genreclf.models import KerasWrapperClassifier, SegmentClassifier, as_classifier, build_mlp

keras = pytest.importorskip("keras")
LABELS = np.array(["blues", "jazz", "metal"])


def _segments(n_per_class=12, n_segments=4, n_features=6, seed=0):
    """Clips of ``n_segments`` segment vectors; a genre shows as a shift of one feature."""
    rng = np.random.default_rng(seed)
    y = np.repeat(LABELS, n_per_class)
    X = rng.normal(size=(len(y), n_segments, n_features)).astype(np.float32)
    for k, label in enumerate(LABELS):
        X[y == label, :, k] += 3.0
    return X, y


def _scikeras():
    wrappers = pytest.importorskip("scikeras.wrappers")
    return wrappers.KerasClassifier(model=build_mlp, model__hidden_units=(16,), model__dropout=0.0,
                                    loss="sparse_categorical_crossentropy", optimizer="adam", epochs=30,
                                    batch_size=8, verbose=0, random_state=0)


def _keras_wrapper():
    return keras.wrappers.SKLearnClassifier(model=build_mlp, model_kwargs={"hidden_units": (16,), "dropout": 0.0},
                                            fit_kwargs={"epochs": 30, "batch_size": 8, "verbose": 0})


@pytest.fixture(params=["scikeras", "keras"])
def wrapper(request):
    return _scikeras() if request.param == "scikeras" else _keras_wrapper()


def test_the_wrapper_is_a_classifier_with_probabilities(wrapper):
    X, y = _segments()
    rows = X.reshape(len(X), -1)
    clf = KerasWrapperClassifier(wrapper)
    assert is_classifier(clf) and isinstance(check_cv(3, y, classifier=is_classifier(clf)), StratifiedKFold)
    clf.fit(rows, y)
    proba = clf.predict_proba(rows)
    assert proba.shape == (len(y), 3) and clf.classes_.tolist() == LABELS.tolist()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(rows), clf.estimator_.predict(rows))
    assert (clf.predict(rows) == y).mean() > 0.6


def test_scikeras_lost_its_classifier_tag_and_as_classifier_restores_it():
    raw = _scikeras()
    assert not is_classifier(raw)  # scikeras 0.13 under scikit-learn >= 1.6: why genreclf wraps it
    assert is_classifier(as_classifier(raw)) and isinstance(as_classifier(raw), KerasWrapperClassifier)
    assert not hasattr(_keras_wrapper(), "predict_proba")  # Keras' own wrapper: why probabilities are taken


def test_segment_classifier_votes_per_track_with_a_wrapper(wrapper):
    X, y = _segments()
    clf = SegmentClassifier(wrapper, segment_frames=1).fit(X, y)
    assert isinstance(clf.estimator_, KerasWrapperClassifier)
    proba = clf.predict_proba(X)
    segment_proba = clf.estimator_.predict_proba(clf.segments(X)).reshape(len(X), 4, 3)
    np.testing.assert_allclose(proba, segment_proba.mean(axis=1), rtol=1e-12)  # the mean of its 4 segments


def test_benchmark_runs_a_wrapper_as_a_classifier_with_log_loss(wrapper):
    X, y = _segments()
    board = benchmark({"mine": wrapper}, X.reshape(len(X), -1), y, cv=3, tune=False)
    row = board.iloc[0]
    assert row["model"] == "mine" and row["protocol"] == "stratified 3-fold CV" and np.isfinite(row["log_loss_mean"])
    assert board.attrs["confusion"][("mine", "stratified 3-fold CV")].to_numpy().sum() == len(y)


def test_joblib_round_trip_gives_identical_probabilities(wrapper, tmp_path):
    X, y = _segments()
    for model in (KerasWrapperClassifier(wrapper), SegmentClassifier(wrapper, segment_frames=1)):
        data = X if isinstance(model, SegmentClassifier) else X.reshape(len(X), -1)
        model.fit(data, y)
        joblib.dump(model, tmp_path / "model.joblib")
        np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").predict_proba(data),
                                      model.predict_proba(data))


def test_clones_keep_every_parameter_of_keras_wrapper():
    """Keras' own __sklearn_clone__ drops fit_kwargs (so a clone trains one epoch): genreclf's copies keep them."""
    from sklearn.base import clone

    raw = _keras_wrapper()
    for copy in (clone(KerasWrapperClassifier(raw)).estimator,
                 clone(SegmentClassifier(raw, segment_frames=1)).estimator):
        assert copy.fit_kwargs == raw.fit_kwargs and copy.model_kwargs == raw.model_kwargs
    X, y = _segments()
    clf = clone(KerasWrapperClassifier(raw)).fit(X.reshape(len(X), -1), y)
    assert len(clf.estimator_.history_.history["loss"]) == 30


def test_what_cannot_be_wrapped_is_refused_by_name():
    with pytest.raises(TypeError, match="StandardScaler"):
        KerasWrapperClassifier(StandardScaler()).fit(np.zeros((4, 2)), [0, 1, 0, 1])

    def logits(X, y):
        inputs = keras.Input(shape=X.shape[1:])
        model = keras.Model(inputs, keras.layers.Dense(y.shape[1])(inputs))  # no softmax
        model.compile(optimizer="adam", loss="mse")
        return model

    X, y = _segments()
    rows = X.reshape(len(X), -1)
    clf = KerasWrapperClassifier(keras.wrappers.SKLearnClassifier(model=logits, fit_kwargs={"verbose": 0}))
    with pytest.raises(ValueError, match="end it in a softmax"):
        clf.fit(rows, y).predict_proba(rows * 100)


def _checked_wrappers():
    """Tiny seeded wrappers of both kinds for scikit-learn's own checks (each check fits fresh ones). Two epochs
    at a learning rate of 0.05 pass every check, and Keras' per-epoch overhead is most of a fit's time here."""
    tiny = {"hidden_units": (8,), "dropout": 0.0}
    wrappers = [KerasWrapperClassifier(keras.wrappers.SKLearnClassifier(
        model=build_mlp, model_kwargs={**tiny, "compile_kwargs": {"optimizer": keras.optimizers.Adam(0.05),
                                                                  "loss": "categorical_crossentropy"}},
        fit_kwargs={"epochs": 2, "batch_size": 32, "verbose": 0}), random_state=0)]
    try:
        from scikeras.wrappers import KerasClassifier
    except ImportError:  # the scikeras extra is not installed: Keras' own wrapper is still checked
        return wrappers
    return wrappers + [KerasWrapperClassifier(KerasClassifier(
        model=build_mlp, model__hidden_units=(8,), model__dropout=0.0, loss="sparse_categorical_crossentropy",
        optimizer="adam", optimizer__learning_rate=0.05, epochs=2, batch_size=32, verbose=0, random_state=0))]


@pytest.mark.parametrize("estimator, check", check_params(_checked_wrappers()))  # ids without object addresses,
def test_sklearn_compatible(estimator, check):                                   # alike in every xdist worker
    check(estimator)


def test_random_state_makes_keras_own_wrapper_repeatable():
    X, y = _segments()
    rows = X.reshape(len(X), -1)
    seeded = [KerasWrapperClassifier(_keras_wrapper(), random_state=0).fit(rows, y).predict_proba(rows)
              for _ in range(2)]
    np.testing.assert_array_equal(seeded[0], seeded[1])


def _dense(n_outputs, **layer):
    """A scikeras-style builder of one Dense layer of ``n_outputs`` units."""
    def build(meta=None, compile_kwargs=None):
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(n_outputs, **layer)])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        return model
    return build


def test_a_network_with_the_wrong_number_of_outputs_is_said_at_fit():
    """5 outputs for 3 classes: genreclf's message at fit, not scikeras' IndexError at predict time."""
    wrappers = pytest.importorskip("scikeras.wrappers")
    X, y = _segments(n_segments=1)
    wrapper = wrappers.KerasClassifier(model=_dense(5, activation="softmax"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"KerasWrapperClassifier: the Keras model of KerasClassifier outputs 5 "
                                         r"values per sample, but y has 3 classes: end it in "
                                         r"keras.layers.Dense\(3, activation='softmax'\)"):
        KerasWrapperClassifier(wrapper).fit(X[:, 0], y)


def test_outputs_that_are_not_probabilities_are_an_error_naming_the_model():
    """A network that can output all zeros gave NaN probabilities, and predict the first class."""
    wrappers = pytest.importorskip("scikeras.wrappers")
    X, y = _segments(n_segments=1)
    wrapper = wrappers.KerasClassifier(model=_dense(3, activation="relu", kernel_initializer="zeros"), epochs=1,
                                       verbose=0)
    clf = KerasWrapperClassifier(wrapper).fit(X[:, 0], y)
    for method in (clf.predict_proba, clf.predict):
        with pytest.raises(ValueError, match=r"the Keras model of KerasClassifier gives 36 row\(s\) of class "
                                             r"probabilities that are not probabilities \(row 0: \[0. 0. 0.\], which "
                                             r"sums to 0\).*end it in a softmax"):
            method(X[:, 0])


def test_a_network_of_ours_that_diverged_is_an_error_not_nan():
    from genreclf.models import MLPClassifier

    X, y = _segments(n_segments=1)
    clf = MLPClassifier(hidden_units=(4,), epochs=1, random_state=0).fit(X[:, 0], y)
    weights = clf.model_.get_weights()
    clf.model_.set_weights([np.full_like(w, np.nan) for w in weights])  # what an exploding loss leaves
    with pytest.raises(ValueError, match=r"MLPClassifier gives 36 row\(s\) of class probabilities that are not "
                                         r"probabilities \(row 0: \[nan nan nan\].*lower its learning rate"):
        clf.predict(X[:, 0])
