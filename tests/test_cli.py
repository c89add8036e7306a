"""The genreclf command: benchmark, extract, train, predict, and one-line errors."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from audio_files import planted_pickle

from genreclf.cli import main


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _one_error_line(err, status, expected_status=1):
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == expected_status, err
    assert len(lines) == 1, err
    assert lines[0].startswith("genreclf") and "error:" in lines[0]
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def audio_dir(tmp_path, subset_paths, corrupt_clip):
    """A small genre folder: 2 real clips each of blues and metal, plus the corrupt jazz clip."""
    root = tmp_path / "audio"
    for genre in ("blues", "metal"):
        (root / genre).mkdir(parents=True)
        for p in [p for p in subset_paths if Path(p).parent.name == genre][:2]:
            shutil.copy(p, root / genre)
    (root / "jazz").mkdir()
    shutil.copy(corrupt_clip, root / "jazz")
    return root


def test_benchmark_both_protocols_and_csv(capsys, tmp_path):
    out_csv = tmp_path / "results.csv"
    status, out, err = _run(capsys, "benchmark", "--models", "logistic_regression,naive_bayes", "--cv", "3",
                            "--no-tune", "--out", str(out_csv))
    assert status == 0, err
    assert "stratified 3-fold CV" in out and "artist-filtered split" in out
    assert "logistic_regression" in out and "±" in out
    assert "benchmark: 100%" in err and "fits" in err  # the progress bar
    # a warning is one line saying what happened (here: tracks outside the artist-filtered split), not a source line
    assert "genreclf: warning: ArtistFilteredSplit: 70 of 1000 rows" in err and "UserWarning" not in err
    table = pd.read_csv(out_csv)
    assert len(table) == 4 and {"model", "protocol", "accuracy_mean", "accuracy_std"} <= set(table.columns)
    assert "picked without the test scores" not in out  # --no-tune: nothing to pick by


def test_a_model_that_fails_late_keeps_the_other_rows_and_the_status_says_so(capsys, tmp_path, monkeypatch):
    from sklearn.naive_bayes import GaussianNB

    real_fit = GaussianNB.fit

    def fails_on_a_small_part(self, X, y, **kwargs):
        if len(X) < 900:  # the filtered split's 640 training tracks, not the CV's 900
            raise RuntimeError("out of luck")
        return real_fit(self, X, y, **kwargs)

    monkeypatch.setattr(GaussianNB, "fit", fails_on_a_small_part)
    out_csv = tmp_path / "board.csv"
    argv = ["benchmark", "--models", "logistic_regression,naive_bayes", "--cv", "10", "--no-tune", "--quiet",
            "--n-jobs", "1", "--out", str(out_csv)]  # in this process, where the fit is patched
    status, out, err = _run(capsys, *argv)
    assert status == 1
    rows = [line.split()[:2] for line in out.splitlines()[2:] if line.strip()]
    assert ["logistic_regression", "stratified"] in rows and ["naive_bayes", "stratified"] in rows
    assert ["logistic_regression", "artist-filtered"] in rows and ["naive_bayes", "artist-filtered"] in rows
    assert "split 0: RuntimeError: out of luck" in out  # the error column
    table = pd.read_csv(out_csv)
    failed = table[table["error"].notna()]
    assert failed[["model", "protocol"]].values.tolist() == [["naive_bayes", "artist-filtered split"]]
    assert table[table["error"].isna()]["accuracy_mean"].notna().all() and len(table) == 4
    assert "genreclf: warning: naive_bayes · artist-filtered split, split 0: RuntimeError: out of luck" in err
    assert err.strip().splitlines()[-1] == ("genreclf benchmark: error: 1 model(s) failed (naive_bayes: the error "
                                            f"column says why); the other rows are written to {out_csv}")
    assert "Traceback" not in err
    monkeypatch.setenv("GENRECLF_DEBUG", "1")
    status, _, err = _run(capsys, *argv)
    assert status == 1 and "Traceback" in err and 'raise RuntimeError("out of luck")' in err


def test_benchmark_prints_the_pick_made_without_test_scores(capsys):
    status, out, err = _run(capsys, "benchmark", "--models", "logistic_regression,naive_bayes", "--cv", "3",
                            "--quiet")  # both protocols, as the README's main job runs
    assert status == 0, err
    assert "tune acc" in out and "stratified 3-fold CV: " in out
    # on the valid tracks logistic regression wins (43.7% vs 41.6%); its test accuracy is printed beside
    assert "artist-filtered split: logistic_regression (43.7 -> 53.1%)" in out


def test_benchmark_3s_table_is_grouped_by_track(capsys, shared_dir):
    csv = shared_dir / "data" / "features_3_sec_partial.csv"
    status, out, err = _run(capsys, "benchmark", "--data", str(csv), "--models", "naive_bayes", "--cv", "3",
                            "--protocol", "cv", "--no-tune", "--quiet")
    assert status == 0, err
    assert "grouped 3-fold CV, segment-level" in out and "grouped 3-fold CV, track-level" in out


def test_benchmark_generic_feature_table(capsys, tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(90, 3)), columns=["a", "b", "c"])
    df["label"] = np.repeat(["x", "y", "z"], 30)
    df.loc[df.label == "y", "a"] += 3
    path = tmp_path / "mine.csv"
    df.to_csv(path, index=False)
    status, out, err = _run(capsys, "benchmark", "--data", str(path), "--models", "knn", "--cv", "3",
                            "--protocol", "cv", "--quiet")
    assert status == 0, err
    assert "knn" in out
    status, out, err = _run(capsys, "benchmark", "--data", str(path), "--models", "knn", "--quiet")
    assert "needs GTZAN track names" in _one_error_line(err, status)


@pytest.mark.parametrize("argv, status, match", [
    (["benchmark", "--data", "no/such/file.csv"], 1, "no such file or folder"),
    (["benchmark", "--models", "svm"], 2, "unknown model.*'svm'"),
    (["benchmark", "--protocol", "leaky"], 2, "invalid choice"),
    (["benchmark", "--cv", "500", "--models", "knn", "--protocol", "cv", "--quiet"], 1, "fewer than the folds"),
    (["frobnicate"], 2, "invalid choice"),
    (["predict", "x.wav", "--model", "no_model.skops"], 1, "no such file"),
    (["extract", "no/such/dir", "--out", "f.csv"], 1, "no such folder"),
    (["train", "--model", "lstm", "--out", "m.skops"], 2, "3-D frames"),
])
def test_usage_and_path_errors_are_one_line(capsys, argv, status, match):
    got, _, err = _run(capsys, *argv)
    import re

    assert re.search(match, _one_error_line(err, got, status)), err


def test_benchmark_of_a_wide_table_says_what_the_reduced_models_saw(capsys, tmp_path):
    """A table of 300 columns (wider than WIDE_TABLE): svc sees its principal components and the output says so in
    one line; knn sees every column and is not listed; --out keeps the description of both."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(60, 300)), columns=[f"f{i}" for i in range(300)])
    df["label"] = np.repeat(["x", "y", "z"], 20)
    path, out_csv = tmp_path / "wide.csv", tmp_path / "board.csv"
    df.to_csv(path, index=False)
    status, out, err = _run(capsys, "benchmark", "--data", str(path), "--models", "svc,knn", "--cv", "2",
                            "--protocol", "cv", "--no-tune", "--quiet", "--out", str(out_csv))
    assert status == 0, err
    listed = out.split("models that saw less than the whole table (the description column of --out):\n")[1]
    assert listed.splitlines() == ["  svc: saw standardized, then its first 30 principal components of 300 columns"]
    described = pd.read_csv(out_csv).set_index("model")["description"]
    assert described["knn"].endswith("; saw all 300 columns") and "30 principal components" in described["svc"]


def test_bad_csv_is_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01 not, a\n\xff\xfe table")
    status, _, err = _run(capsys, "benchmark", "--data", str(bad), "--quiet")
    assert "bad.csv" in _one_error_line(err, status)
    broken = tmp_path / "broken.csv"
    df = pd.read_csv(Path(__file__).resolve().parents[1] / "genreclf" / "data" / "features_30_sec.csv.gz").head(30)
    df["tempo"] = df["tempo"].astype(object)
    df.loc[3, "tempo"] = "fast"
    df.to_csv(broken, index=False)
    status, _, err = _run(capsys, "benchmark", "--data", str(broken), "--quiet")
    line = _one_error_line(err, status)
    assert "tempo" in line and "line 5" in line


def test_extract_train_predict_on_real_audio(capsys, tmp_path, audio_dir, subset_paths, corrupt_clip):
    # extract: every readable clip, the corrupt one reported by name
    features = tmp_path / "features.csv"
    status, _, err = _run(capsys, "extract", str(audio_dir), "--features", "gtzan", "--out", str(features))
    assert status == 1, err                                  # a file was left out: said, and the status says so
    assert "jazz.00054.wav" in err and "--allow-skipped" in err
    status, _, err = _run(capsys, "extract", str(audio_dir), "--out", str(features), "--allow-skipped", "--quiet")
    assert status == 0 and "jazz.00054.wav" in err
    table = pd.read_csv(features)
    assert len(table) == 4 and table.columns[0] == "filename" and table.columns[-1] == "label"
    assert set(table["label"]) == {"blues", "metal"}
    # the extracted table is a GTZAN table: the bundled 30 s rows of the same clips agree
    published = pd.read_csv(Path(__file__).resolve().parents[1] / "genreclf" / "data" / "features_30_sec.csv.gz")
    merged = table.merge(published, on="filename", suffixes=("", "_pub"))
    assert len(merged) == 4
    np.testing.assert_allclose(merged["mfcc1_mean"], merged["mfcc1_mean_pub"], rtol=1e-3)

    # train on the bundled table, predict real clips
    model = tmp_path / "model.skops"
    status, _, err = _run(capsys, "train", "--data", "30s", "--model", "logistic_regression", "--out", str(model))
    assert status == 0, err
    assert model.exists()
    clips = [p for p in subset_paths if Path(p).parent.name in ("classical", "metal")][:3]
    probs = tmp_path / "probs.csv"
    status, out, err = _run(capsys, "predict", *clips, "--model", str(model), "--out", str(probs))
    assert status == 0, err
    assert all(Path(c).as_posix() in out or c in out for c in clips)
    table = pd.read_csv(probs)
    assert list(table.columns[:4]) == ["file", "genre", "probability", "windows"] and table.shape == (3, 14)
    assert (table["windows"] == 1).all()  # a 30 s clip is one window of the training length
    np.testing.assert_allclose(table.iloc[:, 4:].sum(axis=1), 1.0, rtol=1e-6)
    assert (table["probability"] == table.iloc[:, 4:].max(axis=1)).all()

    # the reject option
    status, out, err = _run(capsys, "predict", clips[0], "--model", str(model), "--threshold", "1.0")
    assert status == 0 and "unknown" in out

    # a corrupt clip among good ones: the good ones are predicted, the bad one named, exit 1
    status, out, err = _run(capsys, "predict", clips[0], corrupt_clip, "--model", str(model))
    assert status == 1
    assert Path(clips[0]).name in out
    assert "jazz.00054.wav" in err and "Traceback" not in err


def test_train_with_threshold_saves_a_reject_option_model(capsys, tmp_path):
    from genreclf import load_model
    from genreclf.models import RejectOptionClassifier, WindowedClassifier

    model = tmp_path / "m.skops"
    status, _, err = _run(capsys, "train", "--model", "naive_bayes", "--threshold", "0.5", "--out", str(model),
                          "--quiet")
    assert status == 0, err
    saved = load_model(model)
    assert isinstance(saved, RejectOptionClassifier) and saved.threshold == 0.5
    assert isinstance(saved.estimator_.estimator, WindowedClassifier)  # it takes audio files, in 30 s windows
    noise = np.random.default_rng(0).normal(scale=0.1, size=(3, 30 * 22050)).astype(np.float32)
    pred = saved.predict(list(noise))
    assert pred.tolist() == ["metal", "metal", "metal"]  # naive Bayes is sure of white noise (p = 1.0): none rejected


def test_predict_refuses_a_file_that_is_not_a_model(capsys, tmp_path):
    fake = tmp_path / "model.skops"
    fake.write_text("hello")
    status, _, err = _run(capsys, "predict", "a.wav", "--model", str(fake))
    assert "is not a model file genreclf can read" in _one_error_line(err, status)


def test_predict_never_unpickles_a_model_unless_told_to(capsys, tmp_path):
    import joblib

    from genreclf.baselines import make_baselines
    from genreclf.datasets import load_gtzan_features
    from genreclf.prediction import fit_audio_model

    marker = tmp_path / "code-ran"
    evil = tmp_path / "evil.joblib"
    evil.write_bytes(planted_pickle(marker))
    status, _, err = _run(capsys, "predict", "a.wav", "--model", str(evil))
    line = _one_error_line(err, status)
    assert "is a pickle" in line and "runs any code it holds" in line and "--allow-pickle" in line
    assert not marker.exists()
    # a pickle the user trusts, opened on request
    table = load_gtzan_features()
    model, _ = fit_audio_model(make_baselines(["naive_bayes"])["naive_bayes"], table.data, table.target)
    trusted = tmp_path / "trusted.joblib"
    joblib.dump(model, trusted)
    clip = tmp_path / "noise.wav"
    import soundfile as sf

    sf.write(clip, np.random.default_rng(0).normal(scale=0.1, size=30 * 22050), 22050)
    status, out, err = _run(capsys, "predict", str(clip), "--model", str(trusted), "--allow-pickle")
    assert status == 0, err
    assert out.splitlines()[1].split()[1] == model.predict([str(clip)])[0]
    help_text = subprocess.run([sys.executable, "-m", "genreclf.cli", "predict", "--help"], capture_output=True,
                               text=True).stdout
    assert "--allow-pickle" in help_text and "runs any code" in " ".join(help_text.split())


def test_train_saves_in_the_safe_format_whatever_the_name(capsys, tmp_path):
    from genreclf import load_model

    model = tmp_path / "model.joblib"
    status, _, err = _run(capsys, "train", "--model", "naive_bayes", "--out", str(model), "--quiet")
    assert status == 0, err
    assert "genreclf: warning: " in err and "is not a pickle despite its name" in err and ".skops" in err
    assert model.read_bytes()[:4] == b"PK\x03\x04"  # a skops archive: JSON and arrays
    assert load_model(model).classes_.tolist()[:2] == ["blues", "classical"]


def _tones(folder, seconds=2.0):
    """Two 'genres' of three noisy tones of ``seconds`` each, named like GTZAN tracks, in ``folder``."""
    from audio_files import tone_at, write

    rng = np.random.default_rng(0)
    n = int(seconds * 22050)
    for genre, freq in (("low", 220.0), ("high", 1760.0)):
        (folder / genre).mkdir(parents=True)
        for i in range(3):
            clip = tone_at(22050, seconds, freq * (1 + 0.03 * i)) + rng.normal(scale=0.05, size=n)
            write(folder / genre / f"{genre}.{i:05d}.wav", clip.astype(np.float32))
    return folder


@pytest.fixture
def tone_folder(tmp_path):
    return _tones(tmp_path / "tones")


def test_extract_writes_the_columns_of_any_feature_set(capsys, tmp_path, monkeypatch):
    from genreclf.features import GTZANFeatures
    from genreclf.features.musicnn import MusicnnEmbedding

    monkeypatch.setenv("GENRECLF_DATA", str(tmp_path / "home"))  # the feature cache goes there
    folder = _tones(tmp_path / "tones", seconds=3.5)  # one musicnn patch of 3 s each
    out = tmp_path / "table.csv"
    status, _, err = _run(capsys, "extract", str(folder), "--features", "gtzan+musicnn", "--out", str(out), "--quiet")
    assert status == 0, err
    table = pd.read_csv(out)
    gtzan = list(GTZANFeatures().get_feature_names_out())
    musicnn = list(MusicnnEmbedding().get_feature_names_out())
    assert list(table.columns) == ["filename", *gtzan, *musicnn, "label"] and len(table) == 6
    assert table["label"].tolist() == ["high"] * 3 + ["low"] * 3
    clips = sorted(str(p) for p in folder.rglob("*.wav"))
    np.testing.assert_allclose(table[musicnn].to_numpy(), MusicnnEmbedding().transform(clips), rtol=1e-5, atol=1e-6)
    status, _, err = _run(capsys, "extract", str(folder), "--features", "mfcc", "--out", str(out), "--quiet")
    assert "--features mfcc gives frames (3-D), not the columns of a table" in _one_error_line(err, status, 2)


def test_every_option_of_every_command_says_what_it_does_and_its_default():
    import argparse

    from genreclf.cli import _parser

    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert set(commands) == {"benchmark", "extract", "train", "predict"}
    for name, command in commands.items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            where = f"genreclf {name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help, f"{where} has no help text"
            if action.option_strings:  # an option: its default, or that it is required
                assert action.help.endswith(")") and ("(default: " in action.help or "(required)" in action.help), \
                    f"{where} does not state its default: {action.help!r}"
    names = commands["train"].format_help()
    assert "logistic_regression" in names and "codec_robust_ensemble" in " ".join(names.split())


def test_python_dash_m_genreclf_is_the_command():
    done = subprocess.run([sys.executable, "-m", "genreclf", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "benchmark" in done.stdout and "predict" in done.stdout
    assert done.stderr == ""


def test_the_legend_goes_with_the_table_and_predict_can_be_quiet(capsys, tmp_path, monkeypatch, tone_folder):
    status, out, err = _run(capsys, "benchmark", "--models", "naive_bayes", "--cv", "2", "--no-tune",
                            "--protocol", "cv")
    assert status == 0, err
    assert "± bootstrap standard error" in out and "± bootstrap standard error" not in err
    model = tmp_path / "m.skops"
    status, _, err = _run(capsys, "train", "--data", str(tone_folder), "--model", "naive_bayes", "--out", str(model),
                          "--quiet")
    assert status == 0, err
    status, out, err = _run(capsys, "predict", str(tone_folder / "low" / "low.00000.wav"), "--model", str(model),
                            "--quiet")
    assert status == 0 and err == "" and "low.00000.wav" in out


def test_a_track_in_two_genre_folders_is_refused_alike_by_every_command(capsys, tmp_path, tone_folder):
    shutil.copy(tone_folder / "low" / "low.00000.wav", tone_folder / "high" / "low.00000.wav")
    for argv in (["extract", str(tone_folder), "--out", str(tmp_path / "t.csv")],
                 ["train", "--data", str(tone_folder), "--out", str(tmp_path / "m.skops")],
                 ["benchmark", "--data", str(tone_folder), "--protocol", "cv", "--cv", "2"]):
        status, _, err = _run(capsys, *argv, "--quiet")
        assert "the track 'low.00000' is in two genre folders" in _one_error_line(err, status), argv
    assert not (tmp_path / "t.csv").exists() and not (tmp_path / "m.skops").exists()


@pytest.mark.parametrize("window, status, match", [
    ("inf", 2, r"--window inf must be a finite number of seconds, at least one FFT window \(0\.093 s\)"),
    ("1e-9", 2, r"--window 1e-09 must be a finite number of seconds"),
])
def test_a_window_that_cannot_work_is_a_usage_error(capsys, window, status, match):
    import re

    got, _, err = _run(capsys, "predict", "song.wav", "--window", window)
    assert re.search(match, _one_error_line(err, got, status))


def test_a_window_far_from_the_training_length_is_said(capsys, tmp_path, tone_folder):
    model = tmp_path / "m.skops"
    status, _, err = _run(capsys, "train", "--data", str(tone_folder), "--model", "naive_bayes", "--out", str(model),
                          "--quiet")
    assert status == 0, err
    clip = str(tone_folder / "low" / "low.00000.wav")
    status, out, err = _run(capsys, "predict", clip, "--model", str(model), "--window", "0.2")
    assert status == 0, err
    assert "genreclf: warning: --window 0.2 s is 10 times shorter than the 2 s clips the model was trained on" in err
    status, out, err = _run(capsys, "predict", clip, "--model", str(model))
    assert status == 0 and "--window" not in err


def test_segments_that_fit_no_clip_are_refused_before_any_extraction(capsys, tmp_path, tone_folder):
    status, _, err = _run(capsys, "extract", str(tone_folder), "--segments", "100000", "--out",
                          str(tmp_path / "t.csv"), "--quiet")
    line = _one_error_line(err, status)
    assert "n_segments=100000 segments of 3 s do not fit in any clip: the longest, 2.0 s, is shorter than one " \
        "segment" in line


def test_train_refuses_data_that_is_not_a_regular_file(capsys, tmp_path):
    status, _, err = _run(capsys, "train", "--data", "/dev/zero", "--out", str(tmp_path / "m.skops"))
    assert "--data '/dev/zero' is not a regular file" in _one_error_line(err, status)


def test_console_script_runs():
    script = Path(sys.executable).parent / ("genreclf.exe" if os.name == "nt" else "genreclf")
    if not script.exists():
        pytest.skip("the genreclf console script is not installed in this environment")
    done = subprocess.run([str(script), "benchmark", "--models", "naive_bayes", "--cv", "2", "--no-tune",
                           "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "naive_bayes" in done.stdout and "artist-filtered split" in done.stdout
    done = subprocess.run([str(script), "benchmark", "--data", "missing.csv"], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_predict_without_a_model_uses_the_default_and_says_what_to_expect(capsys, tmp_path, monkeypatch,
                                                                          subset_paths, default_model_home):
    import soundfile as sf

    from genreclf.audio import load_audio

    monkeypatch.setenv("GENRECLF_DATA", str(default_model_home))  # tmp_path / "home", the model already fitted
    song = tmp_path / "three_minutes.mp3"  # six real 30 s clips of one genre, end to end, as an MP3
    metal = [p for p in subset_paths if Path(p).parent.name == "metal"]
    sf.write(song, np.concatenate([load_audio(metal[i % len(metal)], duration=30.0)[0] for i in range(6)]), 22050)
    status, out, err = _run(capsys, "predict", subset_paths[0], str(song))
    assert status == 0, err
    assert "model: the default" in err and "expected accuracy on new artists" in err and "artist-filtered" in err
    assert "windows" in out and Path(subset_paths[0]).name in out
    assert next(line for line in out.splitlines() if "three_minutes.mp3" in line).split()[-1] == "6"  # 6 voted
    assert list((tmp_path / "home" / "models").glob("default-*.skops"))  # reused (its fit: test_prediction.py)


def test_train_on_segments_votes_and_predict_windows_a_long_file(capsys, tmp_path, shared_dir, subset_paths):
    from genreclf import load_model
    from genreclf.audio import load_audio
    from genreclf.models import SegmentClassifier

    model = tmp_path / "segments.skops"
    status, _, err = _run(capsys, "train", "--data", str(shared_dir / "data" / "features_3_sec_partial.csv"),
                          "--model", "logistic_regression", "--out", str(model), "--quiet")
    assert status == 0, err
    assert "clips of 10 segments" in err
    pipeline = load_model(model).estimator_.estimator
    assert pipeline[0].n_segments == 10 and isinstance(pipeline[-1], SegmentClassifier)
    rock = [p for p in subset_paths if Path(p).parent.name == "rock"][:2]
    song = tmp_path / "two_clips.wav"
    import soundfile as sf

    sf.write(song, np.concatenate([load_audio(p, duration=30.0)[0] for p in rock]), 22050)
    status, out, err = _run(capsys, "predict", str(song), "--model", str(model))
    assert status == 0, err
    line = next(line for line in out.splitlines() if "two_clips.wav" in line)
    assert line.split()[-1] == "2" and line.split()[1] == "rock"  # 2 windows voted
    status, out, err = _run(capsys, "predict", str(song), "--model", str(model), "--window", "60")
    assert status == 0 and next(line for line in out.splitlines() if "two_clips" in line).split()[-1] == "1"


def test_train_on_an_audio_folder_with_segments(capsys, tmp_path, audio_dir):
    from genreclf import load_model

    model = tmp_path / "folder.skops"
    status, _, err = _run(capsys, "train", "--data", str(audio_dir), "--segments", "3", "--model", "naive_bayes",
                          "--out", str(model), "--quiet")
    assert status == 0, err
    assert "jazz.00054.wav" in err  # the corrupt clip is named, and left out
    saved = load_model(model)
    assert saved.window == 30.0 and saved.estimator_.estimator[0].n_segments == 3
    status, _, err = _run(capsys, "train", "--data", "30s", "--segments", "3", "--out", str(model))
    assert "--segments needs a 3-second table or an audio folder" in _one_error_line(err, status, 2)


@pytest.fixture
def mixed_formats_dir(tmp_path, subset_paths, corrupt_clip):
    """Real clips of four genres as WAV, FLAC, MP3 and OGG in turn, plus the corrupt jazz clip."""
    import soundfile as sf

    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile cannot write MP3")
    root = tmp_path / "mixed"
    formats = ("wav", "flac", "mp3", "ogg")
    chosen = [p for p in subset_paths if Path(p).parent.name in ("blues", "classical", "country", "disco")]
    for i, p in enumerate(chosen):
        genre, ext = Path(p).parent.name, formats[i % len(formats)]
        (root / genre).mkdir(parents=True, exist_ok=True)
        audio, sr = sf.read(p, dtype="float32")
        sf.write(root / genre / f"{Path(p).stem}.{ext}", audio, sr)
    (root / "jazz").mkdir()
    shutil.copy(corrupt_clip, root / "jazz")
    return root


def test_benchmark_feature_sets_of_an_audio_folder_in_mixed_formats(capsys, tmp_path, monkeypatch,
                                                                    mixed_formats_dir):
    monkeypatch.setenv("GENRECLF_DATA", str(tmp_path / "home"))  # the feature cache goes there
    out_csv = tmp_path / "board.csv"
    argv = ["benchmark", "--data", str(mixed_formats_dir), "--features", "gtzan,mfcc",
            "--models", "logistic_regression,cnn", "--protocol", "both", "--cv", "2", "--no-tune",
            "--out", str(out_csv)]
    status, out, err = _run(capsys, *argv)
    assert status == 0, err
    assert len([line for line in err.splitlines() if "jazz.00054.wav" in line]) == 1  # the corrupt clip, once
    assert "extracting gtzan, mfcc" in err and "clips/s" in err  # one bar for the extraction, one for the fits
    assert "benchmark: 100%" in err
    header = out.splitlines()[0].split()
    assert header[:3] == ["features", "model", "protocol"]
    assert "stratified 2-fold CV" in out and "artist-filtered split" in out
    rows = [line.split()[:2] for line in out.splitlines()[1:] if line.strip() and not line.startswith(" ")]
    assert ["gtzan", "logistic_regression"] in rows and ["mfcc", "cnn"] in rows
    table = pd.read_csv(out_csv)
    assert set(zip(table["features"], table["model"])) == {("gtzan", "logistic_regression"), ("mfcc", "cnn")}
    assert set(table["protocol"]) == {"stratified 2-fold CV", "artist-filtered split"}
    assert list((tmp_path / "home" / "cache").rglob("*.npz"))  # cached for the next run


def test_benchmark_of_audio_prints_the_pick_as_feature_set_and_model(capsys, tmp_path, monkeypatch):
    from audio_files import tone_at, write

    monkeypatch.setenv("GENRECLF_DATA", str(tmp_path / "home"))
    rng = np.random.default_rng(0)
    for genre, freq in (("low", 220.0), ("high", 1760.0)):
        (tmp_path / "tones" / genre).mkdir(parents=True)
        for i in range(6):
            clip = tone_at(22050, 2.0, freq * (1 + 0.03 * i)) + rng.normal(scale=0.05, size=2 * 22050)
            write(tmp_path / "tones" / genre / f"{genre}.{i:05d}.wav", clip.astype(np.float32))
    argv = ["benchmark", "--data", str(tmp_path / "tones"), "--features", "gtzan", "--models",
            "logistic_regression,naive_bayes", "--protocol", "cv", "--cv", "3"]
    status, out, err = _run(capsys, *argv)
    assert status == 0, err
    pick = out.split("picked without the test scores")[1]
    assert "stratified 3-fold CV: gtzan · " in pick and "%" in pick
    assert "read back" not in err
    status, again, err = _run(capsys, *argv)  # the same command again: nothing extracted, nothing fitted
    assert status == 0 and again == out
    assert "6 of 6 fits read back from the cache of an earlier run" in err


def test_benchmark_features_need_an_audio_folder(capsys):
    status, _, err = _run(capsys, "benchmark", "--features", "musicnn")
    assert "--features compares feature sets of audio" in _one_error_line(err, status, 2)
    status, _, err = _run(capsys, "benchmark", "--models", "cnn")
    assert "give --data an audio folder and --features mfcc" in _one_error_line(err, status, 2)


def test_the_program_is_main_and_leaves_tensorflow_as_it_finds_it(monkeypatch):
    """The entry point is console_main, which runs main and sets no TensorFlow switch: a network fitted by the
    command gives the numbers it gives from Python."""
    import tomllib

    from genreclf import cli

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["genreclf"] == "genreclf.cli:console_main"
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    before = dict(os.environ)
    monkeypatch.setattr(cli, "main", lambda: 7)
    assert cli.console_main() == 7 and dict(os.environ) == before
