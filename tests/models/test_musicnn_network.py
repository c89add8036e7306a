"""The musicnn network: its NumPy forward pass (what MusicnnEmbedding runs) against the Keras rebuild, both fed by
one reader of the shipped weights; the forward pass's independence of threads and batches; its errors.

Tolerances: 1e-4 absolute, as ``benchmarks/bench_musicnn.py`` holds genreclf to the original code. ``max_pool``
also gets 1e-5 relative: its values reach about 170, where float32 values are 1.5e-5 apart, and batch
normalisations with scales up to 78 magnify the rounding of the convolutions before it. Two float32 evaluations
that sum in different orders differ by up to 2.1e-4 there (measured on the 46 real clips; TensorFlow's own result
is 3.0e-4 from a float64 evaluation, the NumPy one 3.7e-4), while a wrong padding, weight or layer moves the
outputs by far more than 1e-3.
"""
import multiprocessing
import sys

import numpy as np
import pytest

from genreclf.models.musicnn_network import MUSICNN_LAYERS, MUSICNN_SR, musicnn_forward, musicnn_weights

SR = MUSICNN_SR


def synthetic(seconds=7.0):
    """Sines under a pulse and a little noise: two full patches, different from each other."""
    t = np.arange(int(seconds * SR)) / SR
    y = sum(a * np.sin(2 * np.pi * f * t) for a, f in ((0.3, 220.0), (0.2, 330.0 + 40 * t), (0.1, 1760.0)))
    y = y * (0.6 + 0.4 * np.sin(2 * np.pi * 2.0 * t) ** 2) + np.random.default_rng(0).normal(scale=0.02, size=t.size)
    return y.astype(np.float32)


def patches_of(y):
    from genreclf.features.musicnn import musicnn_patches

    return musicnn_patches(y)


def assert_same_network(ours, theirs, label):
    for name, a, b in zip(MUSICNN_LAYERS, ours, theirs):
        rtol = 1e-5 if name == "max_pool" else 0
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-4, err_msg=f"{label}: {name}")


@pytest.fixture(scope="module")
def keras_network():
    pytest.importorskip("tensorflow")
    from genreclf.models.musicnn_network import load_musicnn

    return load_musicnn("MSD_musicnn")


def test_keras_and_numpy_read_the_same_weights(keras_network):
    weights = musicnn_weights("MSD_musicnn")
    assert len(weights) == 21
    for name, values in weights.items():
        held = keras_network.get_layer(name).get_weights()
        assert len(held) == len(values)
        for a, b in zip(held, values):
            np.testing.assert_array_equal(a, b, err_msg=name)


def test_numpy_forward_equals_keras_on_synthetic_signals(keras_network):
    X = np.concatenate([patches_of(synthetic()), patches_of(0.5 * synthetic()[::-1].copy())])
    keras_out = [o.numpy() for o in keras_network(X, training=False)]
    assert_same_network(musicnn_forward(X), keras_out, "float32")
    assert_same_network(musicnn_forward(X, dtype=np.float64), keras_out, "float64")
    # a different length runs too (the Keras rebuild accepts any length when built for it)
    from genreclf.models.musicnn_network import load_musicnn

    short = X[:, :50]
    assert_same_network(musicnn_forward(short), [o.numpy() for o in load_musicnn(n_frames=50)(short)], "50 frames")


def test_the_mtt_model_too(keras_network):
    from genreclf.models.musicnn_network import load_musicnn

    X = patches_of(synthetic())
    mtt = load_musicnn("MTT_musicnn")
    assert_same_network(musicnn_forward(X, "MTT_musicnn"), [o.numpy() for o in mtt(X, training=False)], "MTT")
    assert not np.allclose(musicnn_forward(X, "MTT_musicnn")[3], musicnn_forward(X, "MSD_musicnn")[3])


def test_numpy_forward_equals_keras_on_real_clips(keras_network, subset_paths):
    from genreclf.audio import load_audio

    for path in (subset_paths[0], subset_paths[len(subset_paths) // 2], subset_paths[-1]):  # blues, jazz?, rock
        X = patches_of(load_audio(path, sr=SR)[0])
        assert_same_network(musicnn_forward(X), [o.numpy() for o in keras_network(X, training=False)], path)


def test_a_patch_gives_the_same_bits_whatever_the_threads_and_the_batch():
    X = np.concatenate([patches_of(synthetic()), patches_of(0.7 * synthetic()[::-1].copy())])
    one = musicnn_forward(X, n_threads=1)
    for n_threads in (2, 3, None):
        for a, b in zip(one, musicnn_forward(X, n_threads=n_threads)):
            np.testing.assert_array_equal(a, b)
    alone = musicnn_forward(X[2:3], n_threads=1)
    for a, b in zip(one, alone):
        np.testing.assert_array_equal(a[2:3], b)
    assert [o.dtype for o in one] == [np.float32] * 4
    assert [o.shape for o in one] == [(4, 200), (4, 753), (4, 753), (4, 50)]
    assert np.all((one[3] > 0) & (one[3] < 1))


def _forward_in_child(X):
    return musicnn_forward(X, n_threads=2)


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the default start method only on Linux")
# forking a process that runs threads is the very case under test (Python 3.12+ warns about it)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_gets_its_own_threads():
    """The parent's thread pool does not survive a fork: the child must start its own, not wait on dead threads."""
    X = patches_of(synthetic())
    parent = musicnn_forward(X, n_threads=2)  # the parent's pool exists now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply_async(_forward_in_child, (X,)).get(timeout=120)
    for a, b in zip(parent, child):
        np.testing.assert_array_equal(a, b)


def test_bad_arguments_are_named():
    X = np.zeros((1, 187, 96), np.float32)
    with pytest.raises(ValueError, match="MSD_vgg"):
        musicnn_forward(X, "MSD_vgg")
    with pytest.raises(ValueError, match=r"\(187, 96\)"):
        musicnn_forward(X[0])
    with pytest.raises(ValueError, match=r"\(1, 187, 95\)"):
        musicnn_forward(X[:, :, :95])
    with pytest.raises(ValueError, match="n_threads=0"):
        musicnn_forward(X, n_threads=0)
    with pytest.raises(ValueError, match="dtype"):
        musicnn_forward(X, dtype=np.float16)
