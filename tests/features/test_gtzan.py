"""GTZANFeatures: every shortcut of the one-STFT extractor equals the librosa computation it replaces."""
import sys
import warnings

import librosa
import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import median_filter
from threadpoolctl import threadpool_limits

from genreclf import GTZANFeatures
from genreclf.features import gtzan
from genreclf.features.gtzan import GTZAN_COLUMNS, gtzan_features
from genreclf.segments import IncompleteSegmentsWarning

SR = 22050


@pytest.fixture(scope="module")
def music():
    """4 s of a synthetic 'song': chords, a kick-like click track and noise (harmonic + percussive)."""
    rng = np.random.default_rng(0)
    t = np.arange(4 * SR) / SR
    y = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    clicks = np.zeros_like(t)
    clicks[:: SR // 2] = 1.0
    y += np.convolve(clicks, np.exp(-np.arange(400) / 40.0), mode="same") + 0.01 * rng.normal(size=t.size)
    return y.astype(np.float32)


@pytest.mark.parametrize("width", [1, 3, 31])
@pytest.mark.parametrize("n", [1, 2, 15, 16, 31, 200])
@pytest.mark.parametrize("axis", [0, 1])
def test_median_filter_equals_scipy_reflect(width, n, axis):
    x = np.random.default_rng(n).random((5, n)).astype(np.float32)
    x[2, ::2] = 0.5  # ties
    size = [1, 1]
    size[axis] = width
    assert np.array_equal(gtzan.median_filter_reflect(x, width, axis), median_filter(x, size=size, mode="reflect"))


def test_median_filter_rejects_even_width():
    with pytest.raises(ValueError, match="width=4 must be odd"):
        gtzan.median_filter_reflect(np.zeros((2, 10)), 4)


@pytest.mark.parametrize("order", ["F", "C"])
def test_harmonic_stft_equals_librosa_hpss(music, order):
    D = librosa.stft(music)
    H, _ = librosa.decompose.hpss(D)
    ours = gtzan.harmonic_stft(D.copy(order=order))
    np.testing.assert_allclose(ours, H, rtol=0, atol=1e-6 * np.abs(H).max())


def test_harmonic_stft_splits_silent_bins_evenly():
    D = np.zeros((65, 40), dtype=np.complex64)
    D[:, 20:] = 1.0
    H, _ = librosa.decompose.hpss(D)
    np.testing.assert_allclose(gtzan.harmonic_stft(D.copy()), H, atol=1e-7)


def test_istft_equals_librosa(music):
    D = librosa.stft(music)
    for length in (len(music), len(music) - 100, len(music) + 1000):
        np.testing.assert_allclose(gtzan.istft(D, length=length), librosa.istft(D, length=length), atol=1e-6)


def test_spectral_shape_equals_librosa(music):
    S = np.abs(librosa.stft(music))
    S[:, :3] = 0  # silent frames are not normalised, as in librosa
    centroid, bandwidth, rolloff = gtzan.spectral_shape(S)
    np.testing.assert_allclose(centroid, librosa.feature.spectral_centroid(S=S), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(bandwidth, librosa.feature.spectral_bandwidth(S=S), rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(rolloff, librosa.feature.spectral_rolloff(S=S))


def test_zero_crossing_rate_equals_librosa(music):
    y = music.copy()
    y[1000:1100] = 0.0  # exact zeros and sub-threshold values are handled as librosa does
    y[2000:2010] = 1e-12
    assert np.array_equal(gtzan.zero_crossing_rate(y), librosa.feature.zero_crossing_rate(y))


def test_estimate_tuning_equals_librosa(music):
    for shift in (0.0, 0.3, -0.2):
        y = librosa.effects.pitch_shift(music[:SR * 2], sr=SR, n_steps=shift) if shift else music
        P = np.abs(librosa.stft(y)) ** 2
        assert gtzan.estimate_tuning(P) == librosa.estimate_tuning(S=P, sr=SR)


def naive_reference(y):
    """The published way, feature by feature (the yardstick in shared/bench, inlined for the offline suite)."""
    f = {}
    for name, values in [("chroma_stft", librosa.feature.chroma_stft(y=y, sr=SR)),
                         ("rms", librosa.feature.rms(y=y)),
                         ("spectral_centroid", librosa.feature.spectral_centroid(y=y, sr=SR)),
                         ("spectral_bandwidth", librosa.feature.spectral_bandwidth(y=y, sr=SR)),
                         ("rolloff", librosa.feature.spectral_rolloff(y=y, sr=SR)),
                         ("zero_crossing_rate", librosa.feature.zero_crossing_rate(y))]:
        f[f"{name}_mean"], f[f"{name}_var"] = values.mean(), values.var()
    h, p = librosa.effects.hpss(y)
    f["harmony_mean"], f["harmony_var"], f["perceptr_mean"], f["perceptr_var"] = h.mean(), h.var(), p.mean(), p.var()
    f["tempo"] = float(np.atleast_1d(librosa.feature.tempo(y=y, sr=SR))[0])
    m = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)
    for i in range(20):
        f[f"mfcc{i + 1}_mean"], f[f"mfcc{i + 1}_var"] = m[i].mean(), m[i].var()
    return np.array([f[c] for c in GTZAN_COLUMNS])


def assert_matches_reference(ours, ref):
    near_zero = [GTZAN_COLUMNS.index(c) for c in ("harmony_mean", "perceptr_mean")]
    tempo = GTZAN_COLUMNS.index("tempo")
    rest = [i for i in range(len(GTZAN_COLUMNS)) if i not in near_zero]
    np.testing.assert_allclose(ours[rest], ref[rest], rtol=1e-4)
    np.testing.assert_allclose(ours[near_zero], ref[near_zero], atol=1e-6)
    assert ours[tempo] == ref[tempo]


def test_gtzan_features_match_the_per_feature_computation(music):
    assert_matches_reference(gtzan_features(music, compat="librosa"), naive_reference(music))


def test_real_clip_matches_the_shared_yardstick(shared_dir, subset_paths):
    sys.path.insert(0, str(shared_dir / "bench"))
    from naive_gtzan_features import naive_features

    y, _ = librosa.load(subset_paths[0], sr=SR)
    ref = naive_features(y)
    assert_matches_reference(gtzan_features(y, compat="librosa"), np.array([ref[c] for c in GTZAN_COLUMNS]))


def test_columns_are_the_published_ones(shared_dir):
    header = pd.read_csv(shared_dir / "data" / "features_30_sec.csv", nrows=0).columns
    assert list(header[2:-1]) == list(GTZAN_COLUMNS)
    assert len(GTZAN_COLUMNS) == 57


def test_real_clip_close_to_its_published_row(shared_dir, subset_paths):
    """The published table was made by an older librosa: most columns agree to ~0.1-1%; tempo may not."""
    path = subset_paths[0]
    row = pd.read_csv(shared_dir / "data" / "features_30_sec.csv").set_index("filename").loc[
        path.rsplit("/", 1)[-1], list(GTZAN_COLUMNS)]
    ours = GTZANFeatures().set_output(transform="pandas").fit_transform([path]).iloc[0]
    stable = [c for c in GTZAN_COLUMNS if c not in ("tempo", "harmony_mean", "perceptr_mean")]
    rel = ((ours[stable] - row[stable]).abs() / row[stable].abs()).median()
    assert rel < 1e-4


def test_transformer_output_and_names(music):
    T = GTZANFeatures().set_output(transform="pandas").fit_transform([music, music[:SR * 2]])
    assert list(T.columns) == list(GTZAN_COLUMNS)
    assert T.shape == (2, 57) and np.isfinite(T.to_numpy()).all()


def test_segments_shape_and_values(music):
    seg = SR
    X = GTZANFeatures(n_segments=2, segment_samples=seg, segment_hop=seg + 1).fit_transform([music])
    assert X.shape == (1, 2, 57)
    with threadpool_limits(1):  # as the transformer runs each clip: the BLAS thread count moves the last bits
        expected = gtzan_features(music[seg + 1:2 * seg + 1])
    np.testing.assert_array_equal(X[0, 1], expected)


def test_missing_segments_are_nan_with_a_warning(music):
    with pytest.warns(IncompleteSegmentsWarning, match="holds 1 of 3 segments"):
        X = GTZANFeatures(n_segments=3, segment_samples=3 * SR).fit_transform([music])
    assert np.isfinite(X[0, 0]).all() and np.isnan(X[0, 1:]).all()


@pytest.mark.parametrize("params, message", [({"n_segments": 0}, "n_segments=0"), ({"n_segments": True}, "n_segments"),
                                             ({"segment_samples": 100}, "segment_samples=100")])
def test_bad_segment_parameters(music, params, message):
    with pytest.raises(ValueError, match=message):
        GTZANFeatures(**params).fit([music])


def test_segments_was_renamed_n_segments(music):
    with pytest.warns(FutureWarning, match="'segments' was renamed 'n_segments'.*pass n_segments=2"):
        old = GTZANFeatures(segments=2, segment_samples=SR, segment_hop=SR + 1).fit_transform([music])
    np.testing.assert_array_equal(old, GTZANFeatures(n_segments=2, segment_samples=SR,
                                                     segment_hop=SR + 1).fit_transform([music]))


def test_compat_reproduces_old_librosa_hpss(music):
    """compat="published" = librosa < 0.10's effects.hpss: reflect-padded STFT, fix_length(istft(H), len(y))."""
    D = librosa.stft(music, pad_mode="reflect")
    H, P = librosa.decompose.hpss(D)
    h = librosa.util.fix_length(librosa.istft(H), size=len(music))
    p = librosa.util.fix_length(librosa.istft(P), size=len(music))
    ours = dict(zip(GTZAN_COLUMNS, gtzan_features(music)))
    np.testing.assert_allclose([ours["harmony_var"], ours["perceptr_var"]], [h.var(), p.var()], rtol=1e-5)
    rms = librosa.feature.rms(y=music, pad_mode="reflect")
    np.testing.assert_allclose([ours["rms_mean"], ours["rms_var"]], [rms.mean(), rms.var()], rtol=1e-6)
    with pytest.raises(ValueError, match="compat='old'"):
        GTZANFeatures(compat="old").fit([music])


def test_parallel_equals_sequential(music):
    """Equal up to BLAS summation order: joblib workers run BLAS on one thread (differences ~1e-8)."""
    clips = [music, music[::-1].copy(), 0.5 * music]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(GTZANFeatures(n_jobs=2).fit_transform(clips),
                                   GTZANFeatures().fit_transform(clips), rtol=1e-6)
