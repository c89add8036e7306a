"""FrameStatistics and SequenceScaler: 3-D frames to 2-D tables, scaling, and bad tables."""
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from genreclf.features import FrameStatistics, MFCCTransformer, SequenceScaler
from genreclf.features.frames import STATISTICS, frame_statistics, statistic_names

RNG = np.random.default_rng(0)
X3 = RNG.normal(3, 2, size=(5, 40, 4))


def test_frame_statistics_values_and_order():
    out = frame_statistics(X3, ("mean", "var", "std", "min", "max", "median"))
    assert out.shape == (5, 24)
    per = out.reshape(5, 4, 6)
    np.testing.assert_allclose(per[..., 0], X3.mean(axis=1))
    np.testing.assert_allclose(per[..., 1], X3.var(axis=1))        # population variance (ddof=0)
    np.testing.assert_allclose(per[..., 2], X3.std(axis=1))
    np.testing.assert_allclose(per[..., 3], X3.min(axis=1))
    np.testing.assert_allclose(per[..., 4], X3.max(axis=1))
    np.testing.assert_allclose(per[..., 5], np.median(X3, axis=1))
    assert statistic_names(["a", "b"], "mean_var") == ["a_mean", "a_var", "b_mean", "b_var"]
    assert frame_statistics(X3[0], "mean").shape == (4,)
    assert set(STATISTICS) == {"mean", "var", "std", "min", "max", "median"}


def test_frame_statistics_transformer():
    fs = FrameStatistics("mean_var").fit(X3)
    assert fs.n_features_in_ == 4
    np.testing.assert_allclose(fs.transform(X3), frame_statistics(X3, "mean_var"))
    assert fs.get_feature_names_out().tolist() == ["x1_mean", "x1_var", "x2_mean", "x2_var", "x3_mean", "x3_var",
                                                   "x4_mean", "x4_var"]  # 1-based, as mfcc1 ... mfcc20
    names = [f"mfcc{i}" for i in range(1, 5)]
    assert fs.get_feature_names_out(names)[:2].tolist() == ["mfcc1_mean", "mfcc1_var"]
    # 2-D input: one frame per clip, var is 0
    T = FrameStatistics().fit_transform(X3[:, 0, :])
    np.testing.assert_allclose(T[:, 0::2], X3[:, 0, :]) and np.testing.assert_allclose(T[:, 1::2], 0)
    df = pd.DataFrame(X3[:, 0, :], columns=names)
    assert FrameStatistics().fit(df).get_feature_names_out()[0] == "mfcc1_mean"
    out = FrameStatistics().set_output(transform="pandas").fit_transform(df)
    assert list(out.columns[:2]) == ["mfcc1_mean", "mfcc1_var"]


def test_frame_statistics_equals_the_summary_option(tone, noise):
    frames = MFCCTransformer(n_mfcc=5).fit_transform([tone, noise])
    np.testing.assert_allclose(FrameStatistics().fit_transform(frames),
                               MFCCTransformer(n_mfcc=5, summary="mean_var").fit_transform([tone, noise]),
                               rtol=1e-12)


def test_sequence_scaler():
    sc = SequenceScaler().fit(X3)
    flat = X3.reshape(-1, 4)
    np.testing.assert_allclose(sc.mean_, flat.mean(axis=0))
    np.testing.assert_allclose(sc.scale_, flat.std(axis=0))
    Z = sc.transform(X3)
    np.testing.assert_allclose(Z.reshape(-1, 4).mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.reshape(-1, 4).std(axis=0), 1)
    np.testing.assert_allclose(sc.inverse_transform(Z), X3)
    # 2-D: like StandardScaler
    np.testing.assert_allclose(SequenceScaler().fit_transform(flat), StandardScaler().fit_transform(flat))
    # constant coefficient left unscaled; float32 preserved
    const = X3.copy()
    const[..., 2] = 7.0
    Z = SequenceScaler().fit_transform(const.astype(np.float32))
    assert Z.dtype == np.float32 and np.allclose(Z[..., 2], 0)
    assert SequenceScaler(with_mean=False, with_std=False).fit_transform(X3) == pytest.approx(X3)
    assert SequenceScaler().fit(X3).get_feature_names_out(["a", "b", "c", "d"]).tolist() == ["a", "b", "c", "d"]


def test_3d_pipeline(tone, noise):
    pipe = make_pipeline(MFCCTransformer(n_mfcc=4), SequenceScaler(), FrameStatistics("mean_std"))
    out = pipe.fit_transform([tone, noise, tone])
    assert out.shape == (3, 8) and np.isfinite(out).all()


# -- bad tables -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("est", [FrameStatistics(), SequenceScaler()])
def test_nan_and_inf_tables_are_rejected_with_a_hint(est):
    bad = X3.copy()
    bad[1, 3, 2] = np.nan
    with pytest.raises(ValueError, match=r"(?s)Input X contains NaN.*(imputer|drop samples)"):
        est.fit(bad)
    est.fit(X3)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.transform(bad)
    bad[1, 3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        est.transform(bad)
    nan_column = X3.copy()
    nan_column[..., 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(nan_column)


@pytest.mark.parametrize("est", [FrameStatistics(), SequenceScaler()])
def test_wrong_number_of_features_at_transform(est):
    est.fit(X3)
    with pytest.raises(ValueError, match=r"X has 3 features, but \w+ is expecting 4 features .*last axis"):
        est.transform(X3[..., :3])
    with pytest.raises(ValueError, match="2-D table or 3-D frames"):
        est.transform(X3[np.newaxis])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array instead|2-D table or 3-D frames"):
        est.fit(X3[0, 0])
    names_error = r"input_features (has 2 names.*4 features|should have length equal to number of features \(4\))"
    with pytest.raises(ValueError, match=names_error):
        est.get_feature_names_out(["a", "b"])


@pytest.mark.parametrize("est", [FrameStatistics(), SequenceScaler()])
def test_not_fitted_and_bad_params(est):
    with pytest.raises(NotFittedError):
        est.transform(X3)
    with pytest.raises(ValueError, match="summary=.*not valid.*mean_var"):
        FrameStatistics(summary="mean_average").fit(X3)
    with pytest.raises(ValueError, match="summary="):
        FrameStatistics(summary=()).fit(X3)


def test_stats_was_renamed_summary():
    with pytest.warns(FutureWarning, match="FrameStatistics: parameter 'stats' was renamed 'summary'.*summary='mean'"):
        old = FrameStatistics(stats="mean").fit(X3)
    np.testing.assert_array_equal(old.transform(X3), FrameStatistics(summary="mean").fit_transform(X3))
    with pytest.warns(FutureWarning, match="frame_statistics: keyword 'stats' was renamed 'summary'"):
        np.testing.assert_array_equal(frame_statistics(X3, stats="std"), frame_statistics(X3, "std"))


def test_non_numeric_table():
    with pytest.raises(ValueError, match="could not convert|dtype"):
        FrameStatistics().fit(np.array([["a", "b"], ["c", "d"]], dtype=object))
