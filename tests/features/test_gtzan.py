"""GTZANFeatures: every shortcut of the one-STFT extractor equals the librosa computation it replaces."""
import sys
import warnings

import librosa
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
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


def scipy_reflect(x, width, axis):
    size = [1] * x.ndim
    size[axis] = width
    return median_filter(x, size=size, mode="reflect")


@st.composite
def filter_cases(draw):
    """A float array (C, Fortran or strided), an axis and an odd width up to 31 that fits its mirror (half < n).

    Values come from a handful of repeated numbers (ties), the infinities, signed zeros, subnormals and any other
    non-NaN float; widths past 64 cross the kernel's block of lanes."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    ndim = draw(st.integers(1, 3))
    axis = draw(st.integers(0, ndim - 1))
    half = draw(st.integers(0, 15))
    shape = [draw(st.integers(0, 70 if ndim == 2 else 6)) for _ in range(ndim)]  # 0: empty arrays too
    shape[axis] = draw(st.integers(half + 1, 80))
    values = st.one_of(st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.0, 2.0, np.inf, -np.inf]),
                       st.floats(allow_nan=False, width=32 if dtype == np.float32 else 64))
    x = draw(arrays(dtype, shape, elements=values))
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "strided":
        x = np.repeat(x, 2, axis=0)[::2]
    return np.asarray(x, order="F") if layout == "F" else x, axis, 2 * half + 1


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(case=filter_cases())
@example(case=(np.tile(np.arange(31, dtype=np.float32), (65, 1)), 1, 31))   # 65 lanes: a second block of 1
@example(case=(np.full((40, 129), 0.5, dtype=np.float32), 0, 31))           # all ties, three blocks
@example(case=(np.zeros((0, 40), dtype=np.float32), 1, 31))                 # no lanes at all
def test_median_filter_equals_scipy_reflect_exactly(case):
    x, axis, width = case
    out = gtzan.median_filter_reflect(x, width, axis)
    assert out.dtype == x.dtype and out.shape == x.shape
    assert np.array_equal(out, scipy_reflect(x, width, axis))


@pytest.mark.parametrize("axis", [0, 1])
def test_median_filter_of_a_spectrogram_runs_the_kernel_and_equals_scipy(music, axis):
    """The magnitude STFT of HPSS, filtered along time and along frequency: the sorted-window kernel computes it
    (no fallback to scipy) and every value is scipy's."""
    S = np.abs(librosa.stft(music))
    for x in (S, np.ascontiguousarray(S)):  # librosa's Fortran order and C order take the two directions of the kernel
        moved = np.moveaxis(x, axis, 0)
        x2 = np.ascontiguousarray(moved)
        out = np.empty_like(x2)
        assert gtzan._sorted_window_median(x2, 15, out)
        assert np.array_equal(out, np.moveaxis(scipy_reflect(x, 31, axis), axis, 0))
        assert np.array_equal(gtzan.median_filter_reflect(x, 31, axis), scipy_reflect(x, 31, axis))
    x3 = np.ascontiguousarray(S.T)
    out = np.empty_like(x3)
    assert gtzan._sorted_window_median(x3, 15, out, along_rows=False)
    assert np.array_equal(out, scipy_reflect(x3, 31, 1))


def test_median_filter_hands_nan_and_integers_to_scipy():
    x = np.random.default_rng(1).random((6, 40))
    x[2, 7] = np.nan
    assert not gtzan._sorted_window_median(x, 15, np.empty_like(x))
    np.testing.assert_array_equal(gtzan.median_filter_reflect(x, 31), scipy_reflect(x, 31, -1))
    ints = np.random.default_rng(2).integers(0, 5, (6, 40))
    out = gtzan.median_filter_reflect(ints, 31, axis=1)
    assert out.dtype == ints.dtype and np.array_equal(out, scipy_reflect(ints, 31, 1))


def test_median_filter_rejects_even_width():
    with pytest.raises(ValueError, match="width=4 must be odd"):
        gtzan.median_filter_reflect(np.zeros((2, 10)), 4)


@pytest.mark.parametrize("order", ["F", "C"])
def test_harmonic_stft_equals_librosa_hpss(music, order):
    D = librosa.stft(music)
    H, _ = librosa.decompose.hpss(D)
    assert np.array_equal(gtzan.harmonic_stft(D.copy(order=order)), H)


def test_harmonic_stft_splits_silent_bins_evenly():
    D = np.zeros((65, 40), dtype=np.complex64)
    D[:, 20:] = 1.0
    D[3, 25] = 1e-30 + 2e-30j  # below float32 tiny: split, as librosa does
    H, _ = librosa.decompose.hpss(D)
    assert np.array_equal(gtzan.harmonic_stft(D.copy()), H)


@pytest.mark.parametrize("pad_mode", ["constant", "reflect"])
@pytest.mark.parametrize("n", [2048, 2049, 3001, 66149, None])
def test_stft_equals_librosa_bit_for_bit(music, pad_mode, n):
    y = music[:n]
    ours = gtzan.stft(y, pad_mode=pad_mode)
    assert np.array_equal(ours, librosa.stft(y, pad_mode=pad_mode))
    assert ours.dtype == np.complex64 and ours.flags.f_contiguous
    y64 = y.astype(np.float64)
    assert np.array_equal(gtzan.stft(y64, pad_mode=pad_mode), librosa.stft(y64, pad_mode=pad_mode))


@pytest.mark.parametrize("hop", [512, 300])
def test_istft_equals_librosa_bit_for_bit(music, hop):
    D = librosa.stft(music, hop_length=hop)
    for length in (len(music), len(music) - 100, len(music) + 1000, hop * (D.shape[-1] - 1), 10):
        ours = gtzan.istft(D, hop_length=hop, length=length)
        assert ours.dtype == np.float32
        assert np.array_equal(ours, librosa.istft(D, hop_length=hop, length=length))


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


def test_tuning_and_rolloff_equal_librosa_on_real_clips(subset_paths):
    """Peaks of real music, where ties and near-threshold bins happen; a silent spectrogram has no peak at all."""
    for path in subset_paths[::12]:
        y, _ = librosa.load(path, sr=SR)
        for pad_mode in ("constant", "reflect"):
            S = np.abs(librosa.stft(y, pad_mode=pad_mode))
            assert gtzan.estimate_tuning(S ** 2) == librosa.estimate_tuning(S=S ** 2, sr=SR)
            np.testing.assert_array_equal(gtzan.spectral_shape(S)[2], librosa.feature.spectral_rolloff(S=S))
    silent = np.zeros((1025, 20), dtype=np.float32)
    with pytest.warns(UserWarning, match="empty frequency set"):
        assert gtzan.estimate_tuning(silent) == 0.0


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


#: Columns computed other than the reference does: the spectral shape (one moment product for three normalised
#: sweeps: ~1e-9; librosa 1.0 makes them in float32: ~1e-7) and the percussive signal (y - harmonic instead of a
#: second inverse STFT: ~1e-7). Every other column is the reference's, bit for bit.
NOT_BIT_FOR_BIT = ("spectral_centroid_mean", "spectral_centroid_var", "spectral_bandwidth_mean",
                   "spectral_bandwidth_var", "rolloff_mean", "rolloff_var", "perceptr_mean", "perceptr_var")


def test_gtzan_features_match_the_per_feature_computation(music):
    ours, ref = gtzan_features(music, compat="librosa"), naive_reference(music)
    assert_matches_reference(ours, ref)
    same = [GTZAN_COLUMNS.index(c) for c in GTZAN_COLUMNS if c not in NOT_BIT_FOR_BIT]
    np.testing.assert_array_equal(ours[same], ref[same])


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


@pytest.mark.parametrize("params, message", [
    ({"n_segments": 0}, r"'n_segments' parameter of GTZANFeatures must be an int in the range \[1, inf\) or None\. "
                        r"Got 0 "),
    ({"n_segments": True}, r"n_segments=True must be a positive int or None"),
    ({"segment_samples": 100},
     r"'segment_samples' parameter of GTZANFeatures must be an int in the range \[2048, inf\)\. Got 100 "),
    ({"compat": "new"}, r"'compat' parameter of GTZANFeatures must be a str among \{.*'librosa'.*\}\. Got 'new' ")])
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
    with pytest.raises(ValueError, match=r"'compat' parameter of GTZANFeatures must be a str among .* Got 'old' "):
        GTZANFeatures(compat="old").fit([music])


def test_parallel_equals_sequential(music):
    """Equal up to BLAS summation order: joblib workers run BLAS on one thread (differences ~1e-8)."""
    clips = [music, music[::-1].copy(), 0.5 * music]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(GTZANFeatures(n_jobs=2).fit_transform(clips),
                                   GTZANFeatures().fit_transform(clips), rtol=1e-6)
