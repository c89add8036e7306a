"""Render every plot of :mod:`genreclf.plotting` into ``docs/gallery/*.png``.

Usage (from the repository root)::

    MPLBACKEND=Agg python scripts/make_gallery.py                 # -> docs/gallery/*.png
    python scripts/make_gallery.py --out /tmp/gallery --no-keras  # elsewhere, without TensorFlow

Data, best available first (the script never downloads anything):

- signal views and the "show me this file" panel: a real GTZAN clip from ``../shared/data/gtzan_subset``
  when that folder sits beside the checkout (``--shared`` to point elsewhere), else a synthetic
  6-second groove (arpeggio + kick + hi-hat) made here;
- data and model views: the bundled 30 s feature table (``genreclf.datasets.load_gtzan_features``), else
  ``../shared/data/features_30_sec.csv``, else a synthetic table;
- the leaderboard: :func:`genreclf.evaluation.benchmark` when available, else the same columns computed
  here with ``cross_validate``.

Every image is generated from data by the library's own functions: no image is hand-made. It takes about
a minute on 2 cores (most of it the Keras training curve and the cross-validations).
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SR = 22050


def log(msg):
    print(msg, flush=True)


def synthetic_groove(seconds=6.0, sr=SR, bpm=120, seed=0):
    """A short, deterministic music-like signal: A-minor arpeggio with harmonics, a kick on every beat and
    noise hi-hats on the off-beats."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    y = np.zeros(n)
    beat = 60.0 / bpm
    notes = [220.0, 261.63, 329.63, 440.0]  # A3 C4 E4 A4
    for k, start in enumerate(np.arange(0, seconds, beat / 2)):
        i0, i1 = int(start * sr), min(n, int((start + beat / 2) * sr))
        tt = t[i0:i1] - start
        f = notes[k % len(notes)]
        env = np.exp(-3 * tt)
        y[i0:i1] += 0.3 * env * sum(np.sin(2 * np.pi * h * f * tt) / h for h in (1, 2, 3))
    for start in np.arange(0, seconds, beat):  # kick: a decaying low sine sweep
        i0, i1 = int(start * sr), min(n, int((start + 0.15) * sr))
        tt = t[i0:i1] - start
        y[i0:i1] += 0.6 * np.exp(-25 * tt) * np.sin(2 * np.pi * (60 + 80 * np.exp(-30 * tt)) * tt)
    for start in np.arange(beat / 2, seconds, beat):  # hi-hat: a burst of noise
        i0, i1 = int(start * sr), min(n, int((start + 0.05) * sr))
        y[i0:i1] += 0.15 * np.exp(-80 * (t[i0:i1] - start)) * rng.normal(size=i1 - i0)
    return (y / np.max(np.abs(y)) * 0.8).astype(np.float32)


def load_table(shared):
    """(X DataFrame of the 57 features, y labels, tempo, filenames, source description)."""
    import pandas as pd

    try:
        from genreclf.datasets import load_gtzan_features

        bunch = load_gtzan_features(kind="30s", as_frame=True)
        frame = bunch.frame if getattr(bunch, "frame", None) is not None else bunch.data
        X, y = bunch.data, np.asarray(bunch.target)
        if not hasattr(X, "columns"):
            X = pd.DataFrame(X, columns=getattr(bunch, "feature_names", None))
        names = None
        for col in ("filename", "track"):
            if hasattr(frame, "columns") and col in frame.columns:
                names = frame[col].to_numpy()
        if names is None and getattr(bunch, "groups", None) is not None:
            names = np.asarray(bunch.groups)
        return X, y, X["tempo"].to_numpy(), names, "the bundled 30 s table (load_gtzan_features)"
    except Exception as err:  # the loader may not exist yet, or fail: say so and fall back
        log(f"  (bundled table unavailable: {type(err).__name__}: {err})")
    csv = shared / "data" / "features_30_sec.csv" if shared else None
    if csv is not None and csv.exists():
        df = pd.read_csv(csv)
        X = df.drop(columns=["filename", "length", "label"])
        return X, df["label"].to_numpy(), df["tempo"].to_numpy(), df["filename"].to_numpy(), str(csv)
    from sklearn.datasets import make_classification

    from genreclf._defaults import GENRES

    Xa, ya = make_classification(n_samples=500, n_features=20, n_informative=8, n_classes=len(GENRES),
                                 n_clusters_per_class=1, random_state=0)
    X = pd.DataFrame(Xa, columns=[f"feature{i}" for i in range(Xa.shape[1])])
    y = np.asarray(GENRES)[ya]
    tempo = 80 + 10 * ya + np.random.default_rng(0).normal(scale=12, size=ya.size)
    return X, y, tempo, None, "a synthetic table (make_classification)"


def leaderboard(X, y, groups=None, use_benchmark=True):
    """benchmark()'s table (10-fold CV and, with track names, the artist-filtered split) when the function
    exists, else the same columns from cross_validate."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    models = {"svc": make_pipeline(StandardScaler(), SVC()),
              "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
              "knn": make_pipeline(StandardScaler(), KNeighborsClassifier())}
    if use_benchmark:
        try:
            from genreclf.evaluation import benchmark

            protocol = "both" if groups is not None else "cv"
            return (benchmark(models, X, y, groups=groups, protocol=protocol, tune=False, n_jobs=1),
                    f"benchmark(protocol={protocol!r})")
        except Exception as err:
            log(f"  (benchmark() unavailable or failed: {type(err).__name__}: {err}; using cross_validate)")
    import pandas as pd
    from sklearn.model_selection import StratifiedKFold, cross_validate

    rows = []
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    for name, est in models.items():
        s = cross_validate(est, X, y, cv=cv, scoring=("accuracy", "f1_macro"), n_jobs=1)
        rows.append({"model": name, "protocol": "stratified 5-fold",
                     "accuracy_mean": s["test_accuracy"].mean(), "accuracy_std": s["test_accuracy"].std(),
                     "f1_macro_mean": s["test_f1_macro"].mean(), "f1_macro_std": s["test_f1_macro"].std()})
    return pd.DataFrame(rows), "cross_validate"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "gallery"), help="output folder (default docs/gallery)")
    parser.add_argument("--shared", default=os.environ.get("GENRECLF_SHARED", str(REPO.parent / "shared")),
                        help="the shared data folder (default ../shared beside the checkout)")
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras training-history plot")
    parser.add_argument("--dpi", type=int, default=100)
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from genreclf import plotting

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shared = Path(args.shared) if Path(args.shared, "data").is_dir() else None
    written = []
    t0 = time.perf_counter()

    def save(obj, name):
        fig = obj if isinstance(obj, matplotlib.figure.Figure) else obj.figure
        path = out / f"{name}.png"
        fig.savefig(path, dpi=args.dpi)
        plt.close(fig)
        written.append(path)
        log(f"  wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")

    # ---- signal views -------------------------------------------------------------------------------
    clip = None
    if shared is not None:
        clips = sorted((shared / "data" / "gtzan_subset").glob("*/*.wav"))
        clips = [c for c in clips if c.name != "jazz.00054.wav"]  # the known-corrupt clip
        preferred = [c for c in clips if c.name == "blues.00000.wav"]
        clip = (preferred or clips or [None])[0]
    if clip is not None:
        log(f"signal views: {clip}")
        y, sr = plotting._signal(str(clip), SR, "make_gallery")
    else:
        log("signal views: a synthetic 6 s groove (no shared clips found)")
        y, sr = synthetic_groove(), SR
    save(plotting.plot_waveform(y, sr=sr), "waveform")
    save(plotting.plot_spectrum(y, sr=sr, fmax=5000), "spectrum")
    save(plotting.plot_spectrogram(y, sr=sr), "spectrogram")
    save(plotting.plot_mel_spectrogram(y, sr=sr), "mel_spectrogram")
    save(plotting.plot_mfcc(y, sr=sr), "mfcc")
    save(plotting.plot_chroma(y, sr=sr), "chroma")
    save(plotting.plot_clip(synthetic_groove(), sr=SR), "clip_synthetic")

    # ---- data views ---------------------------------------------------------------------------------
    X, labels, tempo, names, source = load_table(shared)
    log(f"data and model views: {source}, X {X.shape}")
    save(plotting.plot_pca(X, labels), "pca")
    save(plotting.plot_tempo_by_genre(tempo, labels), "tempo_by_genre")
    save(plotting.plot_class_distribution(labels), "class_distribution")

    # ---- model views --------------------------------------------------------------------------------
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    Xa = np.asarray(X, dtype=np.float64)
    pred = cross_val_predict(make_pipeline(StandardScaler(), SVC()), Xa, labels,
                             cv=StratifiedKFold(5, shuffle=True, random_state=0))
    save(plotting.plot_confusion_matrix(labels, pred), "confusion_matrix")
    save(plotting.plot_confusion_matrix(labels, pred, normalize="true"), "confusion_matrix_normalized")
    save(plotting.plot_per_class_scores(labels, pred), "per_class_scores")
    table, how = leaderboard(X, labels, groups=names)
    cols = [c for c in ("model", "protocol", "accuracy_mean", "accuracy_std", "spread") if c in table.columns]
    log(f"  leaderboard from {how}:\n{table[cols].to_string()}")
    save(plotting.plot_leaderboard(table, metric="accuracy"), "leaderboard")
    if any(str(c).startswith("f1_macro") for c in table.columns):
        save(plotting.plot_leaderboard(table, metric="f1_macro"), "leaderboard_f1_macro")

    if not args.no_keras:
        try:
            from genreclf.models import MLPClassifier
        except Exception as err:
            log(f"  (skipping the training history: {type(err).__name__}: {err})")
        else:
            Xs = StandardScaler().fit_transform(Xa)
            clf = MLPClassifier(hidden_units=(128, 64), dropout=0.2, epochs=40, batch_size=32,
                                validation_split=0.2, random_state=0, verbose=0).fit(Xs, labels)
            save(plotting.plot_history(clf), "history")

    # ---- the "show me this file" panel, with a prediction -------------------------------------------
    if clip is not None and Xa.shape[1] == 57:
        from sklearn.pipeline import Pipeline

        from genreclf.features import GTZANFeatures

        keep = np.ones(len(labels), dtype=bool)
        if names is not None:  # honest: the model never saw this track
            keep = np.array([not str(n).startswith(clip.stem) for n in names])
        from sklearn.linear_model import LogisticRegression

        scaler = StandardScaler().fit(Xa[keep])
        clf = LogisticRegression(max_iter=2000).fit(scaler.transform(Xa[keep]), labels[keep])
        # GTZANFeatures is stateless (nothing to learn), so the pipeline is ready once its later steps are fitted
        model = Pipeline([("features", GTZANFeatures().fit([str(clip)])), ("scale", scaler), ("clf", clf)])
        log(f"  clip panel: logistic regression trained on the table without {clip.name} ({keep.sum()} tracks)")
        save(plotting.plot_clip(str(clip), model=model), "clip")
    elif clip is not None:
        save(plotting.plot_clip(str(clip)), "clip")

    log(f"{len(written)} images in {out} ({time.perf_counter() - t0:.0f} s)")
    return written


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
