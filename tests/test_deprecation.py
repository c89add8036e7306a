"""Old spellings keep working for two releases, with a FutureWarning that names the new one."""
import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from genreclf import CNNClassifier, MusicnnEmbedding, RejectOptionClassifier, SegmentClassifier, benchmark
from genreclf.features import SequenceScaler


def test_keyword_only_parameters_passed_by_position_warn_and_still_work():
    with pytest.warns(FutureWarning, match=r"CNNClassifier: pass kernel_sizes, pool_sizes by keyword"):
        cnn = CNNClassifier((8,), ((3, 3),), ((2, 2),))
    assert cnn.filters == (8,) and cnn.kernel_sizes == ((3, 3),) and cnn.pool_sizes == ((2, 2),)
    with pytest.warns(FutureWarning, match="SegmentClassifier: pass segment_frames by keyword"):
        assert SegmentClassifier(LogisticRegression(), 4, 10).segment_frames == 10
    with pytest.warns(FutureWarning, match="RejectOptionClassifier: pass fallback by keyword"):
        assert RejectOptionClassifier(LogisticRegression(), 0.3, "none").fallback == "none"
    with pytest.warns(FutureWarning, match="SequenceScaler: pass with_mean by keyword"):
        assert SequenceScaler(False).with_mean is False
    with pytest.raises(TypeError, match="takes at most"):
        SequenceScaler(False, True, 3)


def test_the_signature_scikit_learn_reads_is_the_keyword_only_one():
    params = inspect.signature(CNNClassifier.__init__).parameters
    assert params["kernel_sizes"].kind is inspect.Parameter.KEYWORD_ONLY
    cnn = CNNClassifier(epochs=2)
    assert clone(cnn).get_params()["epochs"] == 2 and "kernel_sizes" in cnn.get_params()
    assert MusicnnEmbedding(layer="mean_pool").get_params()["layer"] == "mean_pool"


def test_benchmark_groups_by_position_warns():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), np.repeat(["a", "b", "c"], 10)
    X[y == "b"] += 2
    groups = np.arange(30).astype(str)
    with pytest.warns(FutureWarning, match="benchmark: pass groups, cv by keyword"):
        board = benchmark({"lr": LogisticRegression()}, X, y, groups, 3)
    assert board["n_splits"].tolist() == [3]
