"""Accuracy on GTZAN under two honest protocols, in one table.

- stratified 10-fold CV over the 1000 tracks of the 30 s table, hyper-parameters tuned by nested CV (3 inner
  folds inside each training fold);
- the artist-filtered split (Kereliuk, Sturm & Larsen 2015): hyper-parameters tuned on train -> valid only,
  refit on train + valid (640 tracks), scored once on the 290 test tracks (± a bootstrap standard error).

No test track is ever used for a choice of parameters; the last lines name, per protocol, the model with the best
tuning score (``genreclf.evaluation.pick_models``) and its test score, so the choice of the model uses no test
track either. Run (about 10-15 min of CPU on 2 cores)::

    python benchmarks/bench_accuracy.py                     # bundled 30 s table
    python benchmarks/bench_accuracy.py --models svc,ensemble --n-jobs 2
    python benchmarks/bench_accuracy.py --data path/to/genres_original   # your audio (GTZAN features first)
    # CI-sized: musicnn embeddings vs GTZAN features on 46 clips
    python benchmarks/bench_accuracy.py --data ../shared/data/gtzan_subset --musicnn --cv 3 --repeats 5 \\
        --inner-cv 2 --n-jobs 1 --cache /tmp/genreclf-cache

Reference figures measured on this table before genreclf (``../shared/data/README.md``): scaled SVC 76.0% (10-fold),
48.6% (filtered); logistic regression 72.4% / 53.4%; XGBoost 74.1% / 53.4%.
"""
import argparse
import sys
import time
import warnings

import numpy as np

from genreclf.baselines import make_baselines
from genreclf.datasets import load_gtzan_features
from genreclf.evaluation import benchmark, format_leaderboard, pick_models

DEFAULT = "logistic_regression,svc,knn,random_forest,xgboost,linear_discriminant,ensemble"
MUSICNN_DEFAULT = "logistic_regression"


def _clips(folder):
    from genreclf.audio import AudioLoadWarning
    from genreclf.datasets import load_audio_folder

    with warnings.catch_warnings():  # reported below, one line per file
        warnings.simplefilter("ignore", AudioLoadWarning)
        clips = load_audio_folder(folder)  # leaves out unreadable files, lists them in clips.unreadable
    for path, reason in clips.unreadable:
        print(f"(left out, cannot be decoded: {path}: {reason})", file=sys.stderr)
    return clips


def _audio(clips, n_jobs, memory):
    """GTZAN features of the clips; rows that still fail (NaN) are left out and reported."""
    from genreclf.audio import AudioLoadWarning
    from genreclf.features import GTZANFeatures

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)
        X = GTZANFeatures(on_error="nan", n_jobs=n_jobs, memory=memory, verbose=1).fit_transform(
            list(clips.filenames))
    ok = np.isfinite(X).all(axis=1)
    for f in np.asarray(clips.filenames)[~ok]:
        print(f"(left out, no GTZAN features: {f})", file=sys.stderr)
    return ok, X


def _musicnn(clips, n_jobs, memory):
    """musicnn embeddings (MSD_musicnn, penultimate layer, mean-pooled) of the clips, or None if unavailable."""
    try:
        from genreclf.features.musicnn import MusicnnEmbedding
    except ImportError as exc:
        print(f"(musicnn rows skipped: genreclf.features.musicnn cannot be imported: {exc})", file=sys.stderr)
        return None
    from genreclf.audio import AudioLoadWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)
        E = MusicnnEmbedding(on_error="nan", n_jobs=n_jobs, memory=memory, verbose=1).fit_transform(
            list(clips.filenames))
    return E


def _splitter(cv, repeats):
    if repeats <= 1:
        return cv
    from sklearn.model_selection import RepeatedStratifiedKFold

    return RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats, random_state=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="30s", help="30s (bundled table) or an audio folder (genre sub-folders)")
    parser.add_argument("--models", default=None,
                        help=f"comma-separated baseline names (default {DEFAULT}; with --musicnn "
                             f"{MUSICNN_DEFAULT})")
    parser.add_argument("--cv", type=int, default=10, help="folds of the CV protocol (default 10)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="repeat the stratified k-fold CV this many times with different shuffles "
                             "(small audio folders: e.g. --cv 3 --repeats 5)")
    parser.add_argument("--inner-cv", type=int, default=3,
                        help="folds of the nested hyper-parameter search of the CV protocol (default 3; small "
                             "audio folders with 3 clips of a genre: --cv 3 --inner-cv 2)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--musicnn", action="store_true",
                        help="with --data AUDIO_DIR: add rows for musicnn embeddings of the same clips")
    parser.add_argument("--cache", help="with --data AUDIO_DIR: a folder to cache features in (memory=)")
    parser.add_argument("--no-tune", action="store_true", help="fit every model with its defaults (no grids)")
    parser.add_argument("--out", help="write the leaderboard as CSV")
    args = parser.parse_args(argv)

    import pandas as pd

    start = time.perf_counter()
    cv = _splitter(args.cv, args.repeats)
    names = [n for n in (args.models or (MUSICNN_DEFAULT if args.musicnn else DEFAULT)).split(",") if n]
    tune = not args.no_tune
    tables = []  # (features label, X, y, groups)
    if args.data == "30s":
        if args.musicnn:
            parser.error("--musicnn needs audio: pass --data AUDIO_DIR (a folder of genre sub-folders)")
        gtzan = load_gtzan_features()
        tables.append(("gtzan57", gtzan.data, gtzan.target, gtzan.groups))
        source = "GTZAN 30 s table (1000 tracks, 57 features)"
    else:
        clips = _clips(args.data)
        ok, X = _audio(clips, args.n_jobs, args.cache)
        if args.musicnn:
            E = _musicnn(clips, args.n_jobs, args.cache)
            if E is not None:
                ok &= np.isfinite(E).all(axis=1)
        y, groups = clips.target[ok], clips.groups[ok]
        tables.append(("gtzan57", X[ok], y, groups))
        if args.musicnn and E is not None:
            tables.append(("musicnn", E[ok], y, groups))
        source = f"{len(y)} clips of {args.data} ({', '.join(t[0] for t in tables)} features of the same clips)"

    boards = []
    for label, X, y, groups in tables:
        board = benchmark(make_baselines(names, random_state=0), X, y, groups=groups, cv=cv, protocol="both",
                          n_jobs=args.n_jobs, tune=tune, inner_cv=args.inner_cv, random_state=0, verbose=1)
        board.insert(0, "features", label)
        if args.repeats > 1:  # benchmark labels a splitter by its class name
            board["protocol"] = board["protocol"].replace(
                "RepeatedStratifiedKFold", f"stratified {args.cv}-fold CV x {args.repeats}")
        board.attrs = {}  # confusion matrices etc.: pd.concat cannot compare attrs holding arrays
        boards.append(board)
    board = pd.concat(boards, ignore_index=True)
    n_test = int(board.loc[board["protocol"].str.startswith("artist"), "n_test"].max()) \
        if "n_test" in board else None
    cv_text = f"{args.cv} folds" + (f" x {args.repeats} repeats" if args.repeats > 1 else "")
    test_text = f"the {n_test} test tracks" if n_test else "the test tracks"
    print(f"\n{source}; accuracy and macro-F1 in %: mean ± std over {cv_text} (CV), or ± bootstrap standard "
          f"error over {test_text} (artist-filtered split). Tuning: "
          + ("none (defaults)" if not tune else f"nested {args.inner_cv}-fold CV / train -> valid only") + ".\n")
    shown = board.copy()
    if len(tables) > 1:  # format_leaderboard has no features column: name the rows features:model
        shown["model"] = shown["features"] + ":" + shown["model"]
    print(format_leaderboard(shown))
    acc = board.pivot_table(index=["features", "model"], columns="protocol", values="accuracy_mean",
                            sort=False) * 100
    acc["gap"] = acc.iloc[:, 0] - acc.iloc[:, -1]
    print("\naccuracy (%) by protocol, and the gap between a random split and an artist-clean one:\n")
    print(acc.round(1).sort_values(acc.columns[0], ascending=False).to_string())
    print("\nthe model picked without looking at test scores (highest tune accuracy: inner folds / valid tracks):\n")
    picks = pick_models(board, by=["features", "protocol"])
    if picks.empty:
        print("  no model was tuned (--no-tune or no grids)")
    for (label, protocol), best in picks.groupby(["features", "protocol"], sort=False):
        tie = " (a tie on the tuning score)" if len(best) > 1 else ""
        models = "; ".join(f"{r.model} -> {100 * r.accuracy_mean:.1f}% ± {100 * r.accuracy_std:.1f}"
                           for r in best.itertuples())
        print(f"  {label} · {protocol}: tune {100 * best['tune_accuracy'].iloc[0]:.1f}%{tie}: {models}")
    print(f"\n({time.perf_counter() - start:.0f} s wall)")
    if args.out:
        board.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
