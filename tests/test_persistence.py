"""Model files: save_model/load_model run no code of the file's own, refuse what they do not trust, round-trip."""
import importlib
import io
import json
import zipfile

import numpy as np
import pytest
from audio_files import planted_pickle
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from genreclf import UnsafeModelError, load_model, save_model
from genreclf._persistence import TRUSTED_TYPES, dumps, loads
from genreclf.baselines import make_baselines
from genreclf.datasets import load_gtzan_features
from genreclf.prediction import fit_audio_model


@pytest.fixture(scope="module")
def table():
    gtzan = load_gtzan_features()
    keep = np.arange(0, 1000, 5)  # 200 rows, 20 per genre
    return gtzan.data[keep], gtzan.target[keep]


def test_every_trusted_type_exists_and_every_public_estimator_is_trusted():
    import genreclf
    from genreclf.models import KerasWrapperClassifier

    for name in TRUSTED_TYPES:
        module, _, cls = name.rpartition(".")
        assert isinstance(getattr(importlib.import_module(module), cls), type), name
    estimators = [getattr(genreclf, n) for n in genreclf.__all__
                  if isinstance(getattr(genreclf, n), type) and issubclass(getattr(genreclf, n), BaseEstimator)]
    assert len(estimators) >= 15
    for cls in estimators:
        if cls is not KerasWrapperClassifier:  # it wraps a third-party wrapper: not a genreclf model file's part
            assert f"{cls.__module__}.{cls.__qualname__}" in TRUSTED_TYPES, cls


@pytest.mark.parametrize("name", ["svc", "xgboost"])
def test_the_presets_fitted_on_a_wide_table_round_trip(tmp_path, name):
    """svc and xgboost on a table wider than WIDE_TABLE hold a fitted WideTablePCA (and scikit-learn's PCA): a
    model file of theirs loads back, with the same probabilities to the bit."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 300)), np.repeat(["blues", "jazz", "rock"], 20)
    model = make_baselines([name])[name].fit(X, y)
    assert model.named_steps["reduce"].pca_ is not None
    save_model(model, tmp_path / "wide.skops")
    np.testing.assert_array_equal(load_model(tmp_path / "wide.skops").predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("name", ["logistic_regression", "svc", "knn", "random_forest", "xgboost", "naive_bayes",
                                  "sgd", "decision_tree", "linear_discriminant", "ensemble"])
def test_every_model_genreclf_train_makes_round_trips(table, tmp_path, name):
    """Each baseline that ``genreclf train`` offers, as it saves it (behind the features, in windows, with a
    reject option), loads back with the same probabilities, to the bit."""
    X, y = table
    model, _ = fit_audio_model(make_baselines([name])[name], X, y, threshold=0.3 if name == "svc" else None)
    path = tmp_path / "model.skops"
    save_model(model, path)
    again = load_model(path)
    assert type(again) is type(model)
    inner, inner_again = model, again
    if name == "svc":
        inner, inner_again = model.estimator_.estimator, again.estimator_.estimator
    pipeline, pipeline_again = inner.estimator_.estimator, inner_again.estimator_.estimator
    rows = X[:7]
    np.testing.assert_array_equal(pipeline_again[-1].predict_proba(rows), pipeline[-1].predict_proba(rows))


def test_keras_classifiers_round_trip_to_the_bit(tmp_path):
    from genreclf.models import CNNClassifier, MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 8, 4)).astype(np.float32)
    y = np.repeat(["a", "b"], 12)
    for model in (CNNClassifier(filters=(4,), kernel_sizes=(3, 3), pool_sizes=(2, 2), dense_units=(4,), epochs=1,
                                random_state=0),
                  MLPClassifier(hidden_units=(4,), epochs=1, random_state=0)):
        model.fit(X, y)
        save_model(model, tmp_path / "net.skops")
        again = load_model(tmp_path / "net.skops")
        np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


class _MyScaler(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_a_model_the_safe_format_cannot_hold_says_so_when_saved(table, tmp_path):
    X, y = table
    model = make_pipeline(_MyScaler(), LogisticRegression(max_iter=300)).fit(X, y)
    path = tmp_path / "mine.skops"
    with pytest.raises(UnsafeModelError, match=r"cannot be saved in genreclf's safe format: it holds "
                                               r"test_persistence._MyScaler.*joblib.dump"):
        save_model(model, path)
    assert not path.exists()


def test_a_pickle_is_refused_unless_allowed_and_says_why(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "model.pkl"
    path.write_bytes(planted_pickle(marker))
    with pytest.raises(UnsafeModelError, match="is a pickle.*runs any code it holds.*allow_pickle=True"):
        load_model(path)
    assert not marker.exists()
    with pytest.raises(UnsafeModelError, match="not a model file genreclf can read"):
        loads(b"not a model at all")
    with pytest.raises(UnsafeModelError, match="not a regular file"):
        load_model("/dev/zero")


def _rewrite(data, edit):
    """A copy of the skops file ``data`` whose schema went through ``edit``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            content = src.read(member)
            if member.filename == "schema.json":
                content = json.dumps(edit(json.loads(content))).encode()
            dst.writestr(member, content)
    return out.getvalue()


def test_a_file_that_names_an_untrusted_type_is_refused_before_anything_is_built(tmp_path):
    data = dumps(LogisticRegression())

    def to_os_system(schema):
        schema.update(__module__="os", __class__="system")
        return schema

    with pytest.raises(UnsafeModelError, match=r"holds os.system, which genreclf does not load"):
        loads(_rewrite(data, to_os_system))


def test_a_numpy_scalar_that_would_allocate_what_the_file_says_is_refused():
    """skops builds ``numpy.void(n)`` from a 0-d array of ``n``: a few hundred bytes that ask for gigabytes."""
    data = dumps({"n": np.array(10**12)})

    def to_void(schema):
        schema["content"]["n"]["__class__"] = "void"
        return schema

    with pytest.raises(UnsafeModelError, match="numpy.void, which genreclf does not load"):
        loads(_rewrite(data, to_void))


def test_a_zip_that_unpacks_beyond_the_limit_is_refused(monkeypatch):
    from genreclf import _persistence

    data = dumps(np.zeros(100_000))
    monkeypatch.setattr(_persistence, "MAX_MODEL_BYTES", 50_000)
    with pytest.raises(UnsafeModelError, match="would unpack to .* bytes, more than the 50,000"):
        loads(data)


def test_a_tree_whose_nodes_point_back_or_outside_is_refused(table):
    X, y = table
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    data = dumps(tree)
    np.testing.assert_array_equal(loads(data).predict(X), tree.predict(X))  # the genuine tree loads

    broken = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    nodes = broken.tree_.__getstate__()["nodes"].copy()
    nodes["left_child"][0] = 0  # the root's left child is the root itself: predict would never end
    state = broken.tree_.__getstate__()
    state["nodes"] = nodes
    broken.tree_.__setstate__(state)
    with pytest.raises(UnsafeModelError, match="decision tree whose nodes point outside it or back up it"):
        loads(dumps(broken))
