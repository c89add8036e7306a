"""genreclf.plotting: every plot renders with Agg, holds what it should, and saves as a PNG."""
import os
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from genreclf import plotting  # noqa: E402

SR = 22050
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def assert_png(fig_or_ax, tmp_path, name="plot"):
    fig = getattr(fig_or_ax, "figure", fig_or_ax)
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=50)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 1000  # not an empty canvas
    return path


def write_wav(path, y, sr=SR):
    import soundfile as sf

    sf.write(path, y, sr, subtype="PCM_16")
    return str(path)


def tone_at(freq, seconds=1.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# lazy import and the optional-dependency message
# ---------------------------------------------------------------------------------------------------------------
def test_import_does_not_load_matplotlib_until_a_plot_is_drawn():
    code = ("import sys, genreclf.plotting as p\n"
            "assert 'matplotlib' not in sys.modules, 'imported at module load'\n"
            "p.plot_class_distribution(['rock', 'jazz'])\n"
            "assert 'matplotlib' in sys.modules\n")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("call", [
    lambda: plotting.plot_waveform(np.ones(100), sr=SR),
    lambda: plotting.plot_confusion_matrix(["a"], ["a"]),
    lambda: plotting.plot_history({"loss": [1.0]}),
])
def test_missing_matplotlib_names_the_fix(monkeypatch, call):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"requires matplotlib: pip install genreclf\[plots\]"):
        call()


def test_ax_must_be_an_axes():
    _, axes = plt.subplots(1, 2)
    with pytest.raises(TypeError, match="ax=.* is not a matplotlib Axes"):
        plotting.plot_class_distribution(["a"], ax=axes)


# ---------------------------------------------------------------------------------------------------------------
# signal views
# ---------------------------------------------------------------------------------------------------------------
def test_waveform(tone, tmp_path):
    _, own = plt.subplots()
    ax = plotting.plot_waveform(tone, sr=SR, ax=own, max_points=len(tone))
    assert ax is own
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Waveform", "Time (s)", "Amplitude")
    assert ax.get_xlim() == (0, 1.0)  # 1 s, in seconds
    np.testing.assert_allclose(ax.lines[0].get_ydata(), tone)  # short: every sample
    assert_png(ax, tmp_path)


def test_long_waveform_is_drawn_as_its_envelope():
    y = tone_at(440, seconds=30)
    ax = plotting.plot_waveform(y, sr=SR, max_points=2000)
    assert len(ax.lines) == 0 and len(ax.collections) == 1
    (path,) = ax.collections[0].get_paths()
    assert len(path.vertices) < 3000  # 1000 blocks, not 661,500 samples
    assert path.vertices[:, 1].max() == pytest.approx(0.5, abs=1e-3)  # the peaks are kept
    assert path.vertices[:, 1].min() == pytest.approx(-0.5, abs=1e-3)
    assert ax.get_xlim() == (0, 30)


def test_waveform_from_a_file_keeps_the_native_rate_with_sr_none(tmp_path):
    path = write_wav(tmp_path / "tone.wav", tone_at(440, seconds=2.0, sr=8000), sr=8000)
    ax = plotting.plot_waveform(path, sr=None)
    assert ax.get_xlim()[1] == pytest.approx(2.0, abs=0.05)


def test_spectrum_peak_is_the_tone(tmp_path):
    ax = plotting.plot_spectrum(tone_at(440), sr=SR)
    freqs, mag = ax.lines[0].get_data()
    assert freqs[np.argmax(mag)] == pytest.approx(440, abs=1)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Magnitude spectrum", "Frequency (Hz)",
                                                                  "Magnitude")
    assert ax.get_xlim() == (0, SR / 2)
    assert_png(ax, tmp_path)


def test_spectrum_db_and_decimation_keep_the_peak():
    y = tone_at(1000, seconds=10) + np.random.default_rng(0).normal(scale=0.01, size=10 * SR).astype(np.float32)
    ax = plotting.plot_spectrum(y, sr=SR, scale="db", max_points=5000, fmax=4000)
    freqs, mag = ax.lines[0].get_data()
    assert len(freqs) <= 5000
    assert freqs[np.argmax(mag)] == pytest.approx(1000, abs=1)
    assert mag.max() == pytest.approx(0.0)  # dB relative to the peak
    assert ax.get_ylabel() == "Magnitude (dB)" and ax.get_xlim() == (0, 4000)


@pytest.mark.parametrize("kwargs, match", [({"scale": "log"}, "scale='log'"), ({"fmax": -1}, "fmax=-1"),
                                           ({"max_points": 0}, "max_points=0")])
def test_spectrum_rejects_bad_params(tone, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_spectrum(tone, **kwargs)


SPECTRAL_VIEWS = {
    "spectrogram": (plotting.plot_spectrogram, "Spectrogram (log amplitude)", "Frequency (Hz)"),
    "mel": (plotting.plot_mel_spectrogram, "Mel spectrogram", "Frequency (Hz, mel scale)"),
    "mfcc": (plotting.plot_mfcc, "MFCC (20 coefficients)", "MFCC"),
    "chroma": (plotting.plot_chroma, "Chromagram", "Pitch class"),
}


@pytest.mark.parametrize("name", SPECTRAL_VIEWS)
def test_spectral_views(name, noise, tmp_path):
    func, title, ylabel = SPECTRAL_VIEWS[name]
    ax = func(noise, sr=SR)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (title, "Time (s)", ylabel)
    assert len(ax.collections) == 1  # the QuadMesh of specshow
    assert len(ax.figure.axes) == 2 and ax.collections[0].colorbar is not None
    n_frames = 1 + len(noise) // 512
    assert ax.collections[0].get_array().size % n_frames == 0
    assert_png(ax, tmp_path, name)
    plt.close("all")
    bare = func(noise, sr=SR, colorbar=False)
    assert len(bare.figure.axes) == 1


def test_mfcc_shows_n_mfcc_rows_numbered_from_1(noise):
    ax = plotting.plot_mfcc(noise, sr=SR, n_mfcc=13)
    n_frames = 1 + len(noise) // 512
    assert ax.collections[0].get_array().shape == (13, n_frames)
    lo, hi = sorted(ax.get_ylim())
    assert lo == pytest.approx(0.5) and hi == pytest.approx(13.5)
    assert ax.get_title() == "MFCC (13 coefficients)"


def test_chroma_of_an_a_is_brightest_on_a(tmp_path):
    ax = plotting.plot_chroma(tone_at(440), sr=SR)
    chroma = np.asarray(ax.collections[0].get_array()).reshape(12, -1)
    assert int(np.argmax(chroma.mean(axis=1))) == 9  # C C# D D# E F F# G G# A
    assert "A" in [t.get_text() for t in ax.get_yticklabels()]


def test_signal_errors_name_the_problem():
    with pytest.raises(ValueError, match="plot one clip at a time"):
        plotting.plot_waveform(np.zeros((2, 3, 100)), sr=SR)
    with pytest.raises(ValueError, match="NaN or infinite"):
        plotting.plot_spectrogram(np.full(4096, np.nan), sr=SR)
    with pytest.raises(ValueError, match="sr=None is only valid for a path"):
        plotting.plot_waveform(np.ones(100), sr=None)
    from genreclf.audio import AudioLoadError

    with pytest.raises(AudioLoadError, match="missing.wav"):
        plotting.plot_chroma("missing.wav")


# ---------------------------------------------------------------------------------------------------------------
# plot_clip
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tone_vs_noise_model():
    """A real genreclf pipeline (MFCC summary + logistic regression) that tells tones from noise."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from genreclf.features import MFCCTransformer

    rng = np.random.default_rng(0)
    clips = [tone_at(f, 0.5) for f in (220, 330, 440, 550, 660, 880)]
    clips += [rng.normal(scale=0.1, size=SR // 2).astype(np.float32) for _ in range(6)]
    labels = ["tone"] * 6 + ["noise"] * 6
    model = make_pipeline(MFCCTransformer(n_mfcc=13, summary="mean_var"), StandardScaler(), LogisticRegression())
    return model.fit(clips, labels)


def test_clip_panel_with_a_model_on_a_signal(tone_vs_noise_model, tmp_path):
    fig = plotting.plot_clip(tone_at(500), sr=SR, model=tone_vs_noise_model)
    title = fig.get_suptitle()
    assert title.startswith("signal, 1.0 s — predicted: tone (")
    assert "noise" in title and "%" in title  # the runner-up with its probability
    main = fig.axes[:4]
    assert [ax.get_title() for ax in main] == ["Waveform", "Spectrogram (log amplitude)", "MFCC (20 coefficients)",
                                               "Chromagram"]
    assert len(fig.axes) == 7  # 4 panels + 3 colorbars
    assert [ax.get_xlabel() for ax in main] == ["", "", "", "Time (s)"]  # one shared time axis
    assert_png(fig, tmp_path, "clip")


def test_clip_panel_from_a_file_passes_the_path_to_the_model(tone_vs_noise_model, tmp_path):
    path = write_wav(tmp_path / "mystery.wav", np.random.default_rng(1).normal(scale=0.1, size=SR))
    seen = []

    class Spy:
        classes_ = np.array(["noise", "tone"])

        def predict_proba(self, X):
            seen.append(X)
            return tone_vs_noise_model.predict_proba(X)

    fig = plotting.plot_clip(path, model=Spy(), top_k=1)
    assert seen == [[path]]
    assert fig.get_suptitle().startswith("mystery.wav, 1.0 s — predicted: noise (")
    assert "·" not in fig.get_suptitle()  # top_k=1: no runner-up


def test_clip_panel_without_probabilities_or_model(tmp_path, tone):
    class PredictOnly:  # e.g. a pipeline ending in LinearSVC: no predict_proba
        def predict(self, X):
            return np.array(["jazz"] * len(X))

    fig = plotting.plot_clip(tone, model=PredictOnly())
    assert fig.get_suptitle() == "signal, 1.0 s — predicted: jazz"
    plt.close("all")
    assert plotting.plot_clip(tone).get_suptitle() == "signal, 1.0 s"


def test_clip_panel_needs_an_empty_figure(tone):
    fig = plt.figure()
    fig.add_subplot()
    with pytest.raises(ValueError, match="fig already holds 1 Axes"):
        plotting.plot_clip(tone, fig=fig)
    with pytest.raises(ValueError, match="top_k=0"):
        plotting.plot_clip(tone, top_k=0)


def test_clip_panel_on_a_real_clip(subset_paths, tmp_path):
    fig = plotting.plot_clip(subset_paths[0], duration=5)
    assert fig.get_suptitle() == f"{os.path.basename(subset_paths[0])}, 5.0 s"
    assert fig.axes[0].get_xlim()[1] == pytest.approx(5.0, abs=0.05)
    assert_png(fig, tmp_path, "real_clip")


# ---------------------------------------------------------------------------------------------------------------
# data views
# ---------------------------------------------------------------------------------------------------------------
def blobs(n_per_class=15, classes=("blues", "metal", "jazz"), n_features=6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(4 * i, 1, size=(n_per_class, n_features)) for i in range(len(classes))])
    y = np.repeat(np.array(classes), n_per_class)
    return X, y


def test_pca_one_scatter_per_genre(tmp_path):
    X, y = blobs()
    ax = plotting.plot_pca(X, y)
    assert len(ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["blues", "jazz", "metal"]
    assert [len(c.get_offsets()) for c in ax.collections] == [15, 15, 15]
    assert ax.get_xlabel().startswith("PC1 (") and ax.get_ylabel().startswith("PC2 (")
    assert ax.get_title() == "PCA of 6 features (45 clips)"
    # well-separated blobs: PC1 alone separates them
    centres = sorted(np.mean(c.get_offsets()[:, 0]) for c in ax.collections)
    assert np.all(np.diff(centres) > 2)
    assert_png(ax, tmp_path)


def test_pca_order_dataframe_and_no_labels():
    pd = pytest.importorskip("pandas")
    X, y = blobs()
    ax = plotting.plot_pca(pd.DataFrame(X, columns=list("abcdef")), y, order=["metal", "jazz", "blues"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["metal", "jazz", "blues"]
    plt.close("all")
    ax = plotting.plot_pca(X)
    assert len(ax.collections) == 1 and ax.get_legend() is None


def test_pca_errors_are_specific():
    pd = pytest.importorskip("pandas")
    X, y = blobs()
    frame = pd.DataFrame(X, columns=list("abcdef")).assign(filename="x.wav")
    with pytest.raises(ValueError, match=r"non-numeric columns \['filename'\]"):
        plotting.plot_pca(frame, y)
    X_nan = X.copy()
    X_nan[[0, 3], 1] = np.nan
    with pytest.raises(ValueError, match="2 row.* NaN"):
        plotting.plot_pca(X_nan, y)
    with pytest.raises(ValueError, match="FrameStatistics"):
        plotting.plot_pca(np.zeros((4, 3, 2)), y[:4])
    with pytest.raises(ValueError, match="45 rows but y has 3"):
        plotting.plot_pca(X, y[:3])
    with pytest.raises(ValueError, match=r"lacks the labels \['metal'\]"):
        plotting.plot_pca(X, y, order=["blues", "jazz"])


def test_tempo_by_genre(tmp_path):
    tempo = np.array([90, 95, 100, 140, 150, 160, 120, np.nan])
    y = ["blues"] * 3 + ["disco"] * 3 + ["jazz", "jazz"]
    ax = plotting.plot_tempo_by_genre(tempo.reshape(-1, 1), y)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["blues", "disco", "jazz"]
    assert (ax.get_title(), ax.get_ylabel()) == ("Tempo by genre", "Tempo (BPM)")
    assert [len(c.get_offsets()) for c in ax.collections] == [3, 3, 1]  # the NaN tempo is left out
    medians = sorted(line.get_ydata()[0] for line in ax.lines  # 2-point horizontal lines as wide as a box
                     if len(line.get_xdata()) == 2 and np.ptp(line.get_xdata()) == pytest.approx(0.6)
                     and np.ptp(line.get_ydata()) == 0)
    assert medians == [95, 120, 150]
    assert_png(ax, tmp_path)
    with pytest.raises(ValueError, match="tempo has 8 values but y has 2"):
        plotting.plot_tempo_by_genre(tempo, y[:2])


def test_class_distribution(tmp_path):
    y = ["rock"] * 5 + ["jazz"] * 2 + ["blues"] * 3
    ax = plotting.plot_class_distribution(y)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["blues", "jazz", "rock"]
    assert [p.get_height() for p in ax.patches] == [3, 2, 5]
    assert [t.get_text() for t in ax.texts] == ["3", "2", "5"]  # bar labels
    assert ax.get_title() == "Class distribution (10 samples, 3 classes)"
    assert_png(ax, tmp_path)
    plt.close("all")
    ax = plotting.plot_class_distribution(y, order=["rock", "blues", "jazz", "pop"])
    assert [p.get_height() for p in ax.patches] == [5, 3, 2, 0]


# ---------------------------------------------------------------------------------------------------------------
# model views
# ---------------------------------------------------------------------------------------------------------------
Y_TRUE = ["blues", "blues", "blues", "jazz", "jazz", "rock", "rock", "rock", "rock"]
Y_PRED = ["blues", "jazz", "blues", "jazz", "jazz", "rock", "blues", "rock", "rock"]


def test_confusion_matrix_counts(tmp_path):
    ax = plotting.plot_confusion_matrix(Y_TRUE, Y_PRED)
    cm = ax.confusion_matrix_display_.confusion_matrix
    assert cm.tolist() == [[2, 1, 0], [0, 2, 0], [1, 0, 3]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["blues", "jazz", "rock"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["blues", "jazz", "rock"]
    cells = ax.confusion_matrix_display_.text_
    assert cells.shape == (3, 3) and cells[2, 2].get_text() == "3"
    assert ax.get_title() == "Confusion matrix (counts)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted label", "True label")
    assert len(ax.figure.axes) == 2  # with its colorbar
    assert_png(ax, tmp_path)


def test_confusion_matrix_normalised_and_labels():
    ax = plotting.plot_confusion_matrix(Y_TRUE, Y_PRED, normalize="true", labels=["rock", "jazz", "blues"],
                                        colorbar=False)
    cm = ax.confusion_matrix_display_.confusion_matrix
    np.testing.assert_allclose(cm.sum(axis=1), 1.0)
    assert cm[0, 0] == pytest.approx(0.75)  # rock recall
    assert ax.confusion_matrix_display_.text_[0, 0].get_text() == "0.75"
    assert ax.get_title() == "Confusion matrix (normalised over true labels (recall))"
    assert len(ax.figure.axes) == 1
    with pytest.raises(ValueError, match="normalize='rows'"):
        plotting.plot_confusion_matrix(Y_TRUE, Y_PRED, normalize="rows")
    with pytest.raises(ValueError, match="y_true has 9 labels but y_pred has 2"):
        plotting.plot_confusion_matrix(Y_TRUE, Y_PRED[:2])


def test_per_class_scores(tmp_path):
    from sklearn.metrics import precision_score, recall_score

    ax = plotting.plot_per_class_scores(Y_TRUE, Y_PRED)
    assert len(ax.containers) == 2 and all(len(c) == 3 for c in ax.containers)
    labels = ["blues", "jazz", "rock"]
    heights = [[b.get_height() for b in c] for c in ax.containers]
    np.testing.assert_allclose(heights[0], precision_score(Y_TRUE, Y_PRED, average=None, labels=labels))
    np.testing.assert_allclose(heights[1], recall_score(Y_TRUE, Y_PRED, average=None, labels=labels))
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    macro = precision_score(Y_TRUE, Y_PRED, average="macro")
    assert legend[0] == f"precision (macro {macro:.2f})" and legend[1].startswith("recall (macro ")
    assert_png(ax, tmp_path)
    plt.close("all")
    ax = plotting.plot_per_class_scores(Y_TRUE, Y_PRED, metrics="f1")
    assert len(ax.containers) == 1
    with pytest.raises(ValueError, match="choose among"):
        plotting.plot_per_class_scores(Y_TRUE, Y_PRED, metrics=["accuracy"])


HISTORY = {"loss": [1.2, 0.8, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.8, 0.85],
           "val_loss": [1.3, 1.0, 0.9, 0.95], "val_accuracy": [0.4, 0.6, 0.65, 0.6], "learning_rate": [1e-3] * 4}


def test_history_from_a_dict(tmp_path):
    fig = plotting.plot_history(HISTORY)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]  # the learning rate is left out
    for ax, key in zip(fig.axes, ("loss", "accuracy")):
        assert [line.get_label() for line in ax.lines] == ["train", "validation"]
        np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3, 4])
        np.testing.assert_allclose(ax.lines[0].get_ydata(), HISTORY[key])
        np.testing.assert_allclose(ax.lines[1].get_ydata(), HISTORY["val_" + key])
        assert ax.get_xlabel() == "Epoch"
    assert_png(fig, tmp_path)


def test_history_accepts_estimators_pipelines_and_keras_history():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    class Fitted:
        history_ = {"loss": [1.0, 0.5]}

    class KerasHistory:
        history = {"loss": [1.0, 0.5], "acc": [0.1, 0.2]}

    fig = plotting.plot_history(Fitted())
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1  # no validation curve
    fig = plotting.plot_history(Pipeline([("scale", StandardScaler()), ("clf", Fitted())]))
    assert fig.axes[0].get_title() == "Loss"
    fig = plotting.plot_history(KerasHistory(), metrics="acc")
    assert [ax.get_title() for ax in fig.axes] == ["Accuracy"]


def test_history_errors():
    from genreclf.models import MLPClassifier  # no TensorFlow import until fit

    with pytest.raises(ValueError, match="not fitted yet"):
        plotting.plot_history(MLPClassifier())
    with pytest.raises(ValueError, match=r"metrics \['f1'\] are not in the history"):
        plotting.plot_history(HISTORY, metrics=["f1"])
    with pytest.raises(TypeError, match="expected a history dict"):
        plotting.plot_history([1, 2, 3])


@pytest.mark.slow
def test_history_of_a_real_keras_classifier(tmp_path):
    pytest.importorskip("tensorflow")
    from sklearn.datasets import make_classification

    from genreclf.models import MLPClassifier

    X, y = make_classification(n_samples=60, n_features=6, n_informative=4, n_classes=3, random_state=0)
    clf = MLPClassifier(hidden_units=(8,), epochs=3, validation_split=0.25, random_state=0).fit(X, y)
    fig = plotting.plot_history(clf)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    assert all(len(ax.lines) == 2 and len(ax.lines[0].get_xdata()) == clf.n_iter_ for ax in fig.axes)
    assert_png(fig, tmp_path)


@pytest.fixture
def leaderboard_table():
    pd = pytest.importorskip("pandas")
    rows = []
    for protocol, shift in (("random 3 s split", 0.15), ("grouped by track", 0.0)):
        for model, acc in (("svc", 0.76), ("knn", 0.68), ("xgb", 0.74)):
            rows.append({"model": model, "protocol": protocol, "accuracy_mean": acc + shift,
                         "accuracy_std": 0.03, "f1_macro_mean": acc - 0.02 + shift, "f1_macro_std": 0.02,
                         "log_loss_mean": 1 - acc, "log_loss_std": 0.05})
    return pd.DataFrame(rows)


def test_leaderboard_groups_protocols_with_error_bars(leaderboard_table, tmp_path):
    from matplotlib.container import BarContainer

    ax = plotting.plot_leaderboard(leaderboard_table)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2  # one bar container per protocol
    assert all(len(c) == 3 for c in bars)
    assert all(c.errorbar is not None for c in bars)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["knn", "xgb", "svc"]  # best at the top
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["random 3 s split", "grouped by track"]
    widths = {round(b.get_y() + b.get_height() / 2): b.get_width() for b in bars[1]}
    assert widths == pytest.approx({0: 0.68, 1: 0.74, 2: 0.76})
    assert ax.get_xlabel() == "accuracy (mean ± std)"  # no "spread" column to say more
    assert "0.760 ± 0.030" in [t.get_text() for t in ax.texts]
    assert_png(ax, tmp_path)


def test_leaderboard_other_metric_one_protocol_and_index(leaderboard_table):
    one = leaderboard_table[leaderboard_table.protocol == "grouped by track"].assign(spread="std over 10 folds")
    ax = plotting.plot_leaderboard(one, metric="log_loss")
    assert ax.get_title() == "Leaderboard — grouped by track"
    assert ax.get_xlabel() == "log loss (mean ± std over 10 folds)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["knn", "xgb", "svc"]  # lowest loss at the top
    assert ax.get_legend() is None
    plt.close("all")
    indexed = one.drop(columns=["protocol"]).set_index("model")[["f1_macro_mean"]]
    ax = plotting.plot_leaderboard(indexed, metric="f1_macro", sort=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["svc", "knn", "xgb"]
    assert len(ax.containers) == 1 and ax.containers[0].errorbar is None  # no std column, no error bars
    assert ax.get_title() == "Leaderboard"


def test_leaderboard_errors(leaderboard_table):
    with pytest.raises(ValueError, match=r"metric='roc_auc'.*available: \['accuracy', 'f1_macro', 'log_loss'\]"):
        plotting.plot_leaderboard(leaderboard_table, metric="roc_auc")
    with pytest.raises(TypeError, match="pandas DataFrame"):
        plotting.plot_leaderboard({"accuracy_mean": [0.5]})


@pytest.mark.slow
def test_leaderboard_and_confusion_matrix_from_a_real_benchmark(tmp_path):
    """The real benchmark() table: its column names, its two protocols, its pooled predictions."""
    from matplotlib.container import BarContainer

    from genreclf.baselines import make_baselines
    from genreclf.datasets import load_gtzan_features
    from genreclf.evaluation import benchmark

    gtzan = load_gtzan_features()
    board = benchmark(make_baselines(["logistic_regression", "naive_bayes"]), gtzan.data, gtzan.target,
                      groups=gtzan.groups, cv=3, protocol="both", tune=False, n_bootstrap=20)
    ax = plotting.plot_leaderboard(board, metric="f1_macro")
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2 and all(len(c) == 2 for c in bars)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["stratified 3-fold CV (± std over 3 folds)",
                      "artist-filtered split (± bootstrap s.e. (290 clips))"]
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["logistic_regression", "naive_bayes"]
    assert_png(ax, tmp_path, "leaderboard")
    plt.close("all")
    predictions = board.attrs["predictions"][("logistic_regression", "artist-filtered split")]
    ax = plotting.plot_confusion_matrix(predictions["y_true"], predictions["y_pred"])
    np.testing.assert_array_equal(ax.confusion_matrix_display_.confusion_matrix,
                                  board.attrs["confusion"][("logistic_regression", "artist-filtered split")])
