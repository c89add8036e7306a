"""Feature sets as a dimension of the benchmark: extracted once per clip, cached, combined, failures said once."""
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from audio_files import tone_at, write
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from genreclf.audio import AudioLoadWarning
from genreclf.evaluation import benchmark, format_leaderboard
from genreclf.features import ChromaTransformer, GTZANFeatures, MFCCTransformer
from genreclf.features import base as features_base
from genreclf.features._cache import CacheWarning
from genreclf.features.musicnn import MusicnnEmbedding
from genreclf.features.sets import FEATURE_SETS, extract_feature_sets, make_feature_sets
from genreclf.models import CNNClassifier, SegmentClassifier

SR = 22050
MODELS = {"logreg": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)), {}),
          "bayes": (GaussianNB(), {})}


def _sets():
    return {"mfcc": MFCCTransformer(n_mfcc=8, summary="mean_var"), "chroma": ChromaTransformer(summary="mean")}


class QuietFails(MFCCTransformer):
    """An MFCC set that cannot use quiet clips: a failure of one set only."""

    def _transform_signal(self, y):
        if np.max(np.abs(y)) < 0.05:
            raise ValueError("too quiet for this set")
        return super()._transform_signal(y)


@pytest.fixture
def clips(tmp_path):
    """12 short clips of two 'genres' (low and high tones with noise), named like GTZAN tracks."""
    rng = np.random.default_rng(0)
    paths, y = [], []
    for genre, freq in (("low", 220.0), ("high", 1760.0)):
        for i in range(6):
            signal = tone_at(SR, seconds=1.5, freq=freq * (1 + 0.03 * i)) + rng.normal(scale=0.05, size=int(1.5 * SR))
            paths.append(write(tmp_path / f"{genre}.{i:05d}.wav", signal.astype(np.float32)))
            y.append(genre)
    return paths, np.asarray(y)


@pytest.fixture
def count_extractions(monkeypatch):
    """How many times a clip went through a feature extraction (not served from the cache)."""
    calls = []
    real = features_base._extract_source

    def counted(estimator, clip):
        calls.append((type(estimator).__name__, os.fspath(clip)))
        return real(estimator, clip)

    monkeypatch.setattr(features_base, "_extract_source", counted)
    return calls


def test_make_feature_sets_names_combinations_and_errors():
    sets = make_feature_sets("gtzan, mfcc ,gtzan+musicnn")
    assert list(sets) == ["gtzan", "mfcc", "gtzan+musicnn"]
    assert isinstance(sets["gtzan"], GTZANFeatures) and isinstance(sets["mfcc"], MFCCTransformer)
    assert sets["gtzan+musicnn"] == ("gtzan", "musicnn")
    assert set(FEATURE_SETS) == {"gtzan", "musicnn", "mfcc"}
    assert isinstance(FEATURE_SETS["musicnn"](), MusicnnEmbedding)
    mine = MFCCTransformer(n_mfcc=5)
    assert make_feature_sets({"mine": mine, "gtzan+mine": None})["gtzan+mine"] == ("gtzan", "mine")
    with pytest.raises(ValueError, match=r"unknown feature set 'vggish'.*features=\{'mine'"):
        make_feature_sets("gtzan,vggish")
    with pytest.raises(ValueError, match=r"'gtzan\+tempo' combines unknown set\(s\) \['tempo'\]"):
        make_feature_sets(["gtzan+tempo"])
    with pytest.raises(ValueError, match="no feature set"):
        make_feature_sets(" , ")


def test_benchmark_has_one_row_per_feature_set_and_model(clips):
    paths, y = clips
    board = benchmark(MODELS, paths, y, features={**_sets(), "mfcc+chroma": None}, protocol="cv", cv=3,
                      tune=False, memory=None)
    assert board.columns[0] == "features"
    assert sorted(zip(board["features"], board["model"])) == sorted(
        (f, m) for f in ("mfcc", "chroma", "mfcc+chroma") for m in ("logreg", "bayes"))
    assert board["accuracy_mean"].is_monotonic_decreasing  # best first within the protocol
    assert board["accuracy_mean"].max() > 0.9  # the tones are easy: the features reach the models
    predictions = board.attrs["predictions"][("mfcc+chroma", "logreg", "stratified 3-fold CV")]
    assert len(predictions) == len(paths)
    text = format_leaderboard(board)
    assert text.splitlines()[0].split()[:2] == ["features", "model"] and "mfcc+chroma" in text


def test_combined_set_is_the_columns_of_its_parts_side_by_side(clips):
    paths, _ = clips
    sets = make_feature_sets({**_sets(), "mfcc+chroma": None})
    features, kept, failures = extract_feature_sets(paths, sets)
    assert kept.all() and failures == []
    assert features["mfcc"].shape == (12, 16) and features["chroma"].shape == (12, 12)
    np.testing.assert_array_equal(features["mfcc+chroma"], np.hstack([features["mfcc"], features["chroma"]]))
    np.testing.assert_array_equal(features["mfcc"], _sets()["mfcc"].fit_transform(paths))


def test_each_set_is_extracted_once_per_clip_then_served_by_the_cache(clips, tmp_path, count_extractions):
    paths, y = clips
    cache = str(tmp_path / "cache")
    run = dict(features={**_sets(), "mfcc+chroma": None}, protocol="cv", cv=3, tune=False, memory=cache)
    first = benchmark(MODELS, paths, y, **run)
    # two sets (the combination reuses them) x 12 clips, whatever the folds and models
    assert sorted(count_extractions) == sorted((name, p) for name in ("MFCCTransformer", "ChromaTransformer")
                                               for p in paths)
    count_extractions.clear()
    second = benchmark(MODELS, paths, y, **run)
    assert count_extractions == []  # a second run extracts nothing
    assert first.attrs["fits_reused"] == (0, 18) and second.attrs["fits_reused"] == (18, 18)  # and fits nothing
    pd.testing.assert_frame_equal(first, second)
    write(paths[3], 0.5 * tone_at(SR, seconds=1.5, freq=300.0))  # one clip changes
    third = benchmark(MODELS, paths, y, **run)
    assert sorted(count_extractions) == [("ChromaTransformer", paths[3]), ("MFCCTransformer", paths[3])]
    assert third.attrs["fits_reused"] == (0, 18)  # every set holds the changed clip: every fold is fitted again


def test_too_few_clips_for_the_folds_is_said_before_any_extraction(clips, count_extractions):
    paths, y = clips
    with pytest.raises(ValueError, match=r"cv=7: class 'high' has only 6 rows"):
        benchmark(MODELS, paths, y, features=_sets(), protocol="cv", cv=7, tune=False, memory=None)
    assert count_extractions == []


@pytest.mark.parametrize("name, kwargs, match", [
    ("svc", dict(tune=False), r"model 'svc' cannot be fitted on stratified 3-fold CV, split 0: its largest class has "
                              r"only 4 rows in its training part, fewer than the 5 internal folds of the calibrated "
                              r"classifier\. Fix: add clips, use fewer folds, or leave 'svc' out$"),
    ("svc", dict(cv=6), r"model 'svc' cannot be fitted on stratified 6-fold CV, split 0: its largest class has "
                        r"only 3 rows in a training fold of its search, fewer than the 5 internal folds of the "
                        r"calibrated classifier\. Fix: .* or leave 'svc' out \(or tune=False\)"),
    ("knn", dict(cv=2, tune=False), r"model 'knn' cannot be fitted on stratified 2-fold CV, split 0: its training "
                                    r"part holds only 6 rows, fewer than the 10 neighbours of the KNN\. Fix: add "
                                    r"clips, use fewer folds, or leave 'knn' out$"),
])
def test_what_a_model_needs_of_its_folds_is_said_before_any_extraction(clips, count_extractions, name, kwargs, match):
    """The calibration inside svc/ensemble and a KNN's neighbours, against each training part and each training
    fold of the search: refused before a clip is decoded, naming the model, the class and the fix."""
    from genreclf.baselines import make_baselines

    paths, y = clips
    run = dict(features=_sets(), protocol="cv", cv=3, memory=None) | kwargs
    with pytest.raises(ValueError, match=match):
        benchmark(make_baselines([name]), paths, y, **run)
    assert count_extractions == []


def test_a_clip_one_set_cannot_use_is_left_out_of_every_set_and_said_once(clips, tmp_path):
    paths, y = clips
    quiet = write(tmp_path / "low.00100.wav", 0.01 * tone_at(SR, seconds=1.5, freq=220.0))
    broken = tmp_path / "high.00100.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all")
    X, labels = paths + [quiet, str(broken)], np.append(y, ["low", "high"])
    with pytest.warns(AudioLoadWarning) as record:
        board = benchmark(MODELS, X, labels, features={"quiet_fails": QuietFails(n_mfcc=8, summary="mean"),
                                                       "chroma": ChromaTransformer(summary="mean")},
                          protocol="cv", cv=3, tune=False, memory=None)
    said = [w for w in record if issubclass(w.category, AudioLoadWarning)]
    assert len(said) == 1
    message = str(said[0].message)
    assert "2 of 14 clip(s)" in message and "left out of every feature set" in message
    assert "low.00100.wav" in message and "too quiet" in message and "high.00100.wav" in message
    assert [os.path.basename(c) for _, c, _ in said[0].message.failures] == ["low.00100.wav", "high.00100.wav"]
    for key, predictions in board.attrs["predictions"].items():
        assert len(predictions) == 12, key  # the same 12 clips in every set


def test_an_unwritable_cache_is_one_warning_and_the_run_goes_on(clips, tmp_path, failing_cache_io):
    paths, y = clips
    failing_cache_io("mkstemp", 28, "No space left on device")
    with pytest.warns(CacheWarning, match="No space left on device") as record:
        features, kept, _ = extract_feature_sets(paths, make_feature_sets(_sets()), memory=str(tmp_path / "c"),
                                                 chunk_size=4)
    assert len([w for w in record if issubclass(w.category, CacheWarning)]) == 1
    assert kept.all()
    np.testing.assert_array_equal(features["chroma"], _sets()["chroma"].fit_transform(paths))


def test_a_cache_folder_that_is_a_file_is_said_before_any_work(clips, tmp_path, count_extractions):
    paths, y = clips
    not_a_folder = tmp_path / "cache.txt"
    not_a_folder.write_text("notes")
    with pytest.raises(ValueError, match=r"memory='.*cache\.txt' is a file, not a folder"):
        benchmark(MODELS, paths, y, features=_sets(), protocol="cv", cv=3, tune=False, memory=str(not_a_folder))
    assert count_extractions == []


def test_frames_feed_the_cnn_in_3_s_segments_that_vote(clips):
    paths, y = clips
    cnn = CNNClassifier(filters=(4,), kernel_sizes=(3, 3), pool_sizes=(2, 2), dense_units=(8,), epochs=3,
                        batch_size=16, random_state=0)
    sets = {"frames": MFCCTransformer(n_mfcc=8, duration=6.0), "mfcc": MFCCTransformer(n_mfcc=8, summary="mean")}
    board = benchmark({"cnn": (cnn, {}), **MODELS}, paths, y, features=sets, protocol="cv", cv=2, tune=False,
                      memory=None)
    assert sorted(zip(board["features"], board["model"])) == [("frames", "cnn"), ("mfcc", "bayes"),
                                                              ("mfcc", "logreg")]
    assert len(board.attrs["predictions"][("frames", "cnn", "stratified 2-fold CV")]) == len(paths)


def test_frame_models_see_3_s_segments_or_ten():
    from genreclf.evaluation import _models_for

    frames = np.zeros((4, 1293, 13))  # 30 s at 22,050 Hz, hop 512
    (model, grid), = _models_for({"cnn": (CNNClassifier(), {"epochs": [1, 2]})}, "mfcc", frames,
                                 MFCCTransformer(n_mfcc=13, duration=30.0)).values()
    assert isinstance(model, SegmentClassifier) and model.segment_frames == 129 and model.n_segments is None
    assert grid == {"estimator__epochs": [1, 2]}
    (model, _), = _models_for({"cnn": (CNNClassifier(), {})}, "x", frames, None).values()
    assert model.n_segments == 10
    with pytest.warns(UserWarning, match="no model learns from the feature set 'mfcc'"):
        assert _models_for({"bayes": (GaussianNB(), {})}, "mfcc", frames, None) == {}


def test_feature_sets_need_clips_not_an_array(clips):
    _, y = clips
    with pytest.raises(TypeError, match="X must be the clips"):
        benchmark(MODELS, np.zeros((12, 3)), y, features="mfcc", protocol="cv", cv=3, tune=False)


def test_gtzan_column_models_only_meet_the_gtzan_set(clips):
    from genreclf.evaluation import _models_for, _resolve_estimators

    linear = _resolve_estimators(["linear_discriminant"], 0)
    assert _models_for(linear, "gtzan", np.zeros((3, 57)), None).keys() == {"linear_discriminant"}
    with pytest.warns(UserWarning, match="no model learns"):
        assert _models_for(linear, "musicnn", np.zeros((3, 200)), None) == {}
    # the ensembles vote pipelines that start with the GTZAN columns: two levels down, still found
    models = _resolve_estimators(["logistic_regression", "ensemble", "codec_robust_ensemble"], 0)
    assert _models_for(models, "gtzan", np.zeros((3, 57)), None).keys() == set(models)
    assert _models_for(models, "musicnn", np.zeros((3, 3412)), None).keys() == {"logistic_regression"}


def test_shared_clips_in_mixed_formats(shared_dir, subset_paths, tmp_path):
    """Real GTZAN clips as WAV, FLAC and OGG give one row each in every set."""
    import soundfile as sf

    chosen = [p for p in subset_paths if Path(p).parent.name in ("blues", "metal")][:4]
    X = []
    for p, ext in zip(chosen, ("wav", "flac", "ogg", "wav")):
        if ext == "wav":
            X.append(shutil.copy(p, tmp_path))
        else:
            audio, sr = sf.read(p)
            X.append(str(tmp_path / f"{Path(p).stem}.{ext}"))
            sf.write(X[-1], audio, sr)
    features, kept, failures = extract_feature_sets(X, make_feature_sets({"mfcc": MFCCTransformer(
        n_mfcc=8, summary="mean")}))
    assert kept.all() and failures == [] and features["mfcc"].shape == (4, 8)


def test_a_cache_that_cannot_be_written_is_one_warning_for_features_and_folds(clips, tmp_path, failing_cache_io):
    paths, y = clips
    failing_cache_io("NamedTemporaryFile", 30, "Read-only file system")
    with pytest.warns(CacheWarning, match="Read-only file system.*extracts the features and fits") as record:
        board = benchmark(MODELS, paths, y, features=_sets(), protocol="cv", cv=3, tune=False,
                          memory=str(tmp_path / "cache"))
    assert len([w for w in record if issubclass(w.category, CacheWarning)]) == 1
    assert board.attrs["fits_reused"] == (0, 12) and len(board) == 4
