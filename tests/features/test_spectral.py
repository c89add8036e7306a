"""Values of the librosa transformers against direct librosa calls on the waveform."""
import re

import librosa
import numpy as np
import pytest
import soundfile as sf

from genreclf.features import (
    ChromaTransformer,
    MelSpectrogramTransformer,
    MFCCTransformer,
    SpectralTransformer,
    TempoTransformer,
)
from genreclf.features.frames import frame_statistics
from genreclf.features.spectral import SPECTRAL_FEATURES

SR = 22050


def clicks(bpm=120.0, seconds=8.0):
    y = np.zeros(int(seconds * SR), dtype=np.float32)
    y[:: int(round(60 / bpm * SR))] = 1.0
    return y


def signals():
    t = np.arange(SR) / SR
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    noise = np.random.default_rng(0).normal(scale=0.1, size=SR).astype(np.float32)
    chord = (0.3 * sum(np.sin(2 * np.pi * f * t) for f in (261.63, 329.63, 392.0))).astype(np.float32)
    return {"tone": tone, "noise": noise, "chord": chord, "clicks": clicks(seconds=2.0)}


def librosa_reference(name, y, sr=SR):
    """The direct librosa call each transformer promises to equal, frames on the first axis."""
    if name == "mfcc":
        return librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20).T
    if name == "mel":
        return librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr)).T
    if name == "chroma":
        return librosa.feature.chroma_stft(y=y, sr=sr).T
    if name == "spectral":
        return np.concatenate([librosa.feature.spectral_centroid(y=y, sr=sr),
                               librosa.feature.spectral_bandwidth(y=y, sr=sr),
                               librosa.feature.spectral_rolloff(y=y, sr=sr),
                               librosa.feature.zero_crossing_rate(y),
                               librosa.feature.rms(y=y)]).T
    raise KeyError(name)


TRANSFORMERS = {"mfcc": MFCCTransformer(), "mel": MelSpectrogramTransformer(), "chroma": ChromaTransformer(),
                "spectral": SpectralTransformer()}


@pytest.mark.parametrize("kind", sorted(TRANSFORMERS))
@pytest.mark.parametrize("signal", ["tone", "noise", "chord", "clicks"])
def test_frames_equal_librosa(kind, signal):
    y = signals()[signal]
    X = TRANSFORMERS[kind].fit_transform([y])
    ref = librosa_reference(kind, y)
    assert X.shape == (1, *ref.shape)
    np.testing.assert_allclose(X[0], ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


@pytest.mark.parametrize("kind", sorted(TRANSFORMERS))
def test_real_clip_equals_librosa(kind, subset_paths):
    path = subset_paths[0]
    y, _ = sf.read(path, dtype="float32")   # the real clips are 22,050 Hz mono
    X = TRANSFORMERS[kind].fit_transform([path])
    ref = librosa_reference(kind, y)
    np.testing.assert_allclose(X[0], ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max())


def test_summary_equals_statistics_of_the_frames():
    y = signals()["noise"]
    frames = MFCCTransformer(n_mfcc=5).fit_transform([y])[0]
    table = MFCCTransformer(n_mfcc=5, summary="mean_var").fit_transform([y])[0]
    expected = np.column_stack([frames.astype(np.float64).mean(axis=0), frames.astype(np.float64).var(axis=0)])
    np.testing.assert_allclose(table, expected.ravel(), rtol=1e-12)
    np.testing.assert_allclose(frame_statistics(frames, "mean_var"), table, rtol=1e-12)


def test_summary_names_and_order():
    m = MFCCTransformer(n_mfcc=3, summary="mean_var")
    assert m.get_feature_names_out().tolist() == ["mfcc1_mean", "mfcc1_var", "mfcc2_mean", "mfcc2_var",
                                                  "mfcc3_mean", "mfcc3_var"]
    assert MFCCTransformer(n_mfcc=2, summary=("min", "median")).get_feature_names_out().tolist() == [
        "mfcc1_min", "mfcc1_median", "mfcc2_min", "mfcc2_median"]
    assert MFCCTransformer(n_mfcc=2).get_feature_names_out().tolist() == ["mfcc1", "mfcc2"]
    assert SpectralTransformer(summary="mean").get_feature_names_out().tolist() == [
        f"{f}_mean" for f in SPECTRAL_FEATURES]
    assert ChromaTransformer().get_feature_names_out()[[0, -1]].tolist() == ["chroma1", "chroma12"]
    assert MelSpectrogramTransformer(n_mels=4).get_feature_names_out().tolist() == ["mel1", "mel2", "mel3", "mel4"]
    assert TempoTransformer().get_feature_names_out().tolist() == ["tempo"]


def test_pandas_output_for_the_summary():
    y = signals()
    T = MFCCTransformer(n_mfcc=4, summary="mean_var").set_output(transform="pandas").fit_transform(
        [y["tone"], y["noise"]])
    assert list(T.columns) == [f"mfcc{i}_{s}" for i in range(1, 5) for s in ("mean", "var")]
    assert T.shape == (2, 8)
    np.testing.assert_array_equal(T.to_numpy(), MFCCTransformer(n_mfcc=4, summary="mean_var").fit_transform(
        [y["tone"], y["noise"]]))


def test_3d_and_2d_outputs():
    y = signals()
    X3 = MFCCTransformer(n_mfcc=13).fit_transform([y["tone"], y["noise"]])
    X2 = MFCCTransformer(n_mfcc=13, summary="mean_var").fit_transform([y["tone"], y["noise"]])
    assert X3.shape == (2, 1 + SR // 512, 13) and X2.shape == (2, 26)
    assert SpectralTransformer().fit_transform([y["tone"]]).shape == (1, 44, 5)
    assert TempoTransformer().fit_transform([y["clicks"]]).shape == (1, 1)


def test_spectral_subset_and_features_order():
    y = signals()["chord"]
    full = SpectralTransformer().fit_transform([y])[0]
    sub = SpectralTransformer(features=("rms", "spectral_centroid")).fit_transform([y])[0]
    np.testing.assert_allclose(sub, full[:, [4, 0]], rtol=1e-6)
    for bad in (("centroid",), ()):
        with pytest.raises(ValueError, match=rf"features={re.escape(repr(bad))} is not valid: choose a non-empty "
                                             "tuple among"):
            SpectralTransformer(features=bad).fit([y])
    with pytest.raises(ValueError, match=r"The 'features' parameter of SpectralTransformer must be an instance of "
                                         r"'list' or an instance of 'tuple'\. Got 'rms' instead"):
        SpectralTransformer(features="rms").fit([y])


@pytest.mark.parametrize("bpm", [100.0, 120.0, 143.5])
def test_tempo_equals_librosa(bpm):
    y = clicks(bpm)
    got = TempoTransformer().fit_transform([y])[0, 0]
    assert got == pytest.approx(float(librosa.feature.tempo(y=y, sr=SR)[0]), rel=1e-9)
    assert got == pytest.approx(bpm, rel=0.03)


def test_tempo_real_clip_equals_librosa(subset_paths):
    y, _ = sf.read(subset_paths[1], dtype="float32")
    got = TempoTransformer().fit_transform([subset_paths[1]])[0, 0]
    assert got == float(librosa.feature.tempo(y=y, sr=SR)[0])


def test_chroma_finds_the_pitch_class():
    c = ChromaTransformer(summary="mean").fit_transform([signals()["tone"]])[0]
    assert c.argmax() == 9   # A
    chord = ChromaTransformer(summary="mean").fit_transform([signals()["chord"]])[0]
    assert set(np.argsort(chord)[-3:]) == {0, 4, 7}   # C, E, G


def test_duration_pads_and_trims_to_fixed_frames():
    y = signals()["noise"]
    short, long_ = y[: SR // 2], np.concatenate([y, y])
    m = MFCCTransformer(n_mfcc=5, duration=1.2)
    X = m.fit_transform([short, long_])
    n = int(round(1.2 * SR))
    assert X.shape == (2, 1 + n // 512, 5)
    np.testing.assert_allclose(X[0], librosa.feature.mfcc(y=librosa.util.fix_length(short, size=n), sr=SR,
                                                           n_mfcc=5).T, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(X[1], librosa.feature.mfcc(y=long_[:n], sr=SR, n_mfcc=5).T, rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="different numbers of frames.*duration="):
        MFCCTransformer().fit_transform([short, long_])


def test_offset(tmp_path):
    y = signals()["noise"]
    sf.write(tmp_path / "n.wav", y, SR, subtype="FLOAT")
    expected = librosa.feature.mfcc(y=y[SR // 4:], sr=SR, n_mfcc=5).T
    for source in (y, str(tmp_path / "n.wav")):
        X = MFCCTransformer(n_mfcc=5, offset=0.25).fit_transform([source])
        np.testing.assert_allclose(X[0], expected, rtol=1e-5, atol=1e-4)


def test_other_parameters_reach_librosa():
    y = signals()["chord"]
    X = MFCCTransformer(n_mfcc=7, n_mels=40, n_fft=1024, hop_length=256).fit_transform([y])[0]
    np.testing.assert_allclose(X, librosa.feature.mfcc(y=y, sr=SR, n_mfcc=7, n_mels=40, n_fft=1024,
                                                       hop_length=256).T, rtol=1e-5, atol=1e-4)
    M = MelSpectrogramTransformer(n_mels=32, log=False, fmin=100.0, fmax=5000.0).fit_transform([y])[0]
    np.testing.assert_allclose(M, librosa.feature.melspectrogram(y=y, sr=SR, n_mels=32, fmin=100.0,
                                                                 fmax=5000.0).T, rtol=1e-5, atol=1e-9)
    C = ChromaTransformer(n_chroma=24).fit_transform([y])[0]
    np.testing.assert_allclose(C, librosa.feature.chroma_stft(y=y, sr=SR, n_chroma=24).T, rtol=1e-5, atol=1e-6)
    R = SpectralTransformer(features=("rolloff",), roll_percent=0.5).fit_transform([y])[0]
    np.testing.assert_allclose(R, librosa.feature.spectral_rolloff(y=y, sr=SR, roll_percent=0.5).T)
    S8 = SpectralTransformer(sr=8000).fit_transform([y[:8000]])[0]
    np.testing.assert_allclose(S8[:, 0], librosa.feature.spectral_centroid(y=y[:8000], sr=8000)[0], rtol=1e-5)
