"""MusicnnEmbedding / MusicnnTagger: equality with the original musicnn 0.1.0 code, shapes, names, errors,
determinism and pickling, and no TensorFlow on the way. The network (NumPy, see
``tests/models/test_musicnn_network.py`` for its equality with the Keras rebuild) runs on 1-patch signals (3.5 s),
so each call costs tens of ms."""
import subprocess
import sys

import joblib
import numpy as np
import pytest

from genreclf.audio import AudioLoadError, AudioLoadWarning

SR = 16000


def synthetic():
    """3.5 s at 16 kHz: three sines under a 4 Hz pulse (no RNG, so identical on every platform)."""
    t = np.arange(int(3.5 * SR)) / SR
    y = sum(a * np.sin(2 * np.pi * f * t) for a, f in ((0.3, 220.0), (0.2, 330.0), (0.1, 1760.0)))
    y = y * (0.6 + 0.4 * np.sin(2 * np.pi * 2.0 * t) ** 2)
    return y.astype(np.float32)


# Outputs of the ORIGINAL code (musicnn 0.1.0 under tf_keras, ../shared/bench/musicnn_reference.py) on
# synthetic() written as a 16 kHz float WAV: the taggram and the first 12 penultimate units of its one patch.
REF_TAGGRAM = [
    0.04748422, 0.01078062, 0.0694536, 0.145742, 0.1202009, 0.03351022, 0.003729553, 0.01426207, 0.01239214,
    0.07163114, 0.05457769, 0.00251781, 0.05148592, 0.003695679, 0.002017023, 0.002347686, 0.0352433, 0.03051705,
    0.03651704, 0.0008912944, 0.03331285, 0.003953249, 0.01951489, 0.1244733, 0.006574444, 0.001350895,
    0.002771087, 0.0008482694, 0.3367781, 0.01335236, 0.1674996, 0.003731004, 0.004151981, 0.003474839,
    0.000781298, 0.0006727782, 0.001039859, 0.007420603, 0.001191849, 0.001128946, 0.0008933273, 0.005907455,
    0.0004699176, 0.0129496, 0.001395613, 0.0003327404, 0.0127695, 0.01616267, 0.002543867, 0.0009331409]
REF_PENULTIMATE_12 = [-0.1771756, -0.1270288, -0.01130518, -0.2751209, 1.479241, -0.2400439, 0.3067853, 1.318461,
                      -0.07686342, 0.8657022, 0.3996836, 0.3244485]


@pytest.fixture(scope="module")
def musicnn():
    from genreclf.features import musicnn

    return musicnn


def test_import_does_not_load_tensorflow():
    code = ("import sys, genreclf; from genreclf.features.musicnn import MusicnnEmbedding; "
            "e = genreclf.MusicnnTagger(); e.get_params(); "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_embedding_and_tags_run_without_tensorflow():
    """The whole path, import to features, in a fresh interpreter: the network runs in NumPy."""
    code = ("import sys, numpy as np\n"
            "from genreclf.features.musicnn import MusicnnEmbedding, MusicnnTagger\n"
            "y = (0.3 * np.sin(2 * np.pi * 220 * np.arange(4 * 16000) / 16000)).astype(np.float32)\n"
            "assert MusicnnEmbedding().fit_transform([y]).shape == (1, 3412)\n"
            "assert MusicnnTagger(model='MTT_musicnn').fit_transform([y]).shape == (1, 50)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_matches_original_code_on_synthetic_signal(musicnn):
    y = synthetic()
    tags = musicnn.MusicnnTagger().fit_transform([y])
    np.testing.assert_allclose(tags[0], REF_TAGGRAM, rtol=0, atol=1e-5)
    pen = musicnn.MusicnnEmbedding(layer="penultimate", summary="mean").fit_transform([y])
    np.testing.assert_allclose(pen[0, :12], REF_PENULTIMATE_12, rtol=0, atol=1e-4)
    # the default starts with the same penultimate units, each followed by its standard deviation (0: one patch)
    default = musicnn.MusicnnEmbedding().fit_transform([y])
    np.testing.assert_allclose(default[0, 0:24:2], REF_PENULTIMATE_12, rtol=0, atol=1e-4)
    assert np.all(default[0, 1:24:2] == 0)


def test_matches_stored_reference_on_a_real_clip(musicnn, shared_dir, subset_paths):
    ref = np.load(shared_dir / "bench" / "musicnn_reference_shared_clips.npz")
    i = list(ref["names"]).index("blues.00000.wav")
    path = next(p for p in subset_paths if p.endswith("blues.00000.wav"))
    for layer in ("mean_pool", "taggram"):
        got = musicnn.MusicnnEmbedding(layer=layer, summary="mean").transform([path])[0]  # the reference: means
        np.testing.assert_allclose(got, ref[layer][i], rtol=0, atol=1e-4, err_msg=layer)
    # the first 3.5 s hold exactly the first patch: its penultimate, as stored per patch by the reference
    # (the original code repeats that first patch for every patch, see bench_musicnn.py)
    first = musicnn.MusicnnEmbedding(layer="penultimate", summary="mean", duration=3.5).transform([path])[0]
    np.testing.assert_allclose(first, ref["first_clip_penultimate_patches"][0], rtol=0, atol=1e-4)


def test_shapes_names_and_determinism(musicnn):
    y = synthetic()
    X = np.stack([y, 0.5 * y[::-1]])
    emb = musicnn.MusicnnEmbedding(layer="max_pool", summary="mean_std")
    out = emb.fit_transform(X)
    assert out.shape == (2, 2 * 753) and out.dtype == np.float32
    names = emb.get_feature_names_out()
    assert len(names) == 2 * 753 and names[0] == "musicnn_max_pool_1_mean" and names[1] == "musicnn_max_pool_1_std"
    assert np.all(out[:, 1::2] == 0)  # one patch per clip: every standard deviation is 0
    np.testing.assert_array_equal(out, emb.transform(X))  # same input, same bits
    tagger = musicnn.MusicnnTagger(model="MTT_musicnn")
    assert tagger.get_feature_names_out()[:3].tolist() == ["guitar", "classical", "slow"]
    assert "layer" not in tagger.get_params()
    assert musicnn.MusicnnEmbedding(layer="penultimate", summary="mean").get_feature_names_out()[-1] == \
        "musicnn_penultimate_200"  # 1-based, as mfcc1
    # the default: penultimate, mean_pool and max_pool side by side, mean and std of each unit
    default = musicnn.MusicnnEmbedding().get_feature_names_out()
    assert len(default) == 2 * (200 + 753 + 753) and len(set(default)) == len(default)
    assert default[[0, 1, 400, 401, -1]].tolist() == ["musicnn_penultimate_1_mean", "musicnn_penultimate_1_std",
                                                      "musicnn_mean_pool_1_mean", "musicnn_mean_pool_1_std",
                                                      "musicnn_max_pool_753_std"]
    # a combination is its layers side by side, each computed as on its own
    both = musicnn.MusicnnEmbedding(layer="taggram+max_pool", summary="mean_std")
    assert both.get_feature_names_out()[:2].tolist() == ["rock_mean", "rock_std"]
    np.testing.assert_array_equal(both.transform(X), np.hstack(
        [musicnn.MusicnnEmbedding(layer="taggram", summary="mean_std").transform(X), out]))
    np.testing.assert_array_equal(musicnn.MusicnnEmbedding().transform(X)[:, -2 * 753:], out)
    ten = np.tile(y, 3)[: 10 * SR]  # 10 s: 3 full patches, the tail dropped by default and padded on request
    assert musicnn.musicnn_patches(ten).shape == (3, 187, 96)
    assert musicnn.musicnn_patches(ten, tail="pad").shape == (4, 187, 96)


def test_same_bits_in_worker_processes(musicnn):
    """n_jobs=2 runs clips in joblib's workers (one thread each there), n_jobs=None on every CPU of this process:
    each patch is computed the same way in both."""
    y = synthetic()
    X = [y, 0.5 * y[::-1].copy(), np.tile(y, 2)]
    emb = musicnn.MusicnnEmbedding(layer="penultimate+max_pool+taggram", summary="mean_std")
    np.testing.assert_array_equal(emb.set_params(n_jobs=2).transform(X), emb.set_params(n_jobs=None).transform(X))


def test_short_clips_and_bad_params(musicnn):
    short = synthetic()[: 2 * SR]
    with pytest.raises(AudioLoadError, match="tail='pad'"):
        musicnn.MusicnnEmbedding().transform([short])
    with pytest.warns(AudioLoadWarning, match="1 of 2"):
        out = musicnn.MusicnnEmbedding(on_error="nan").transform([short, synthetic()])
    assert out.shape == (2, 3412) and np.isnan(out[0]).all() and np.isfinite(out[1]).all()
    assert np.isfinite(musicnn.MusicnnEmbedding(tail="pad").transform([short])).all()
    for bad in (dict(model="MSD_vgg"), dict(layer="cnn1"), dict(layer="penultimate+cnn1"),
                dict(layer="max_pool+max_pool"), dict(layer=""), dict(layer=["penultimate"]), dict(summary="maximum"),
                dict(tail="repeat"), dict(batch_size=0)):
        key = next(iter(bad))
        with pytest.raises(ValueError, match=key):
            musicnn.MusicnnEmbedding(**bad).fit([synthetic()])


def test_pooling_was_renamed_summary_with_the_same_statistics(musicnn):
    X = [synthetic()]
    with pytest.warns(FutureWarning, match="'pooling' was renamed 'summary'"):
        old = musicnn.MusicnnEmbedding(pooling="mean_std").fit_transform(X)
    np.testing.assert_array_equal(old, musicnn.MusicnnEmbedding(summary="mean_std").fit_transform(X))
    with pytest.warns(FutureWarning, match="pass layer by keyword"):
        assert musicnn.MusicnnEmbedding("MSD_musicnn", "taggram").layer == "taggram"


def test_pickled_pipeline_predicts_the_same(musicnn, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    y = synthetic()
    t = np.arange(len(y)) / SR
    X = [y, 0.8 * y, np.roll(y, 4000), (0.3 * np.sign(np.sin(2 * np.pi * 110 * t))).astype(np.float32),
         (0.2 * np.sign(np.sin(2 * np.pi * 150 * t))).astype(np.float32),
         (0.25 * np.sign(np.sin(2 * np.pi * 90 * t))).astype(np.float32)]
    labels = ["sine", "sine", "sine", "square", "square", "square"]
    pipe = make_pipeline(musicnn.MusicnnEmbedding(), StandardScaler(), SVC()).fit(X, labels)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    loaded = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), pipe.decision_function(X))
