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
    # the development leaderboard: feature sets x models, fit on the train clips, scored on the valid clips
    python benchmarks/bench_accuracy.py --data DEV_CLIPS --features gtzan,musicnn,gtzan+musicnn --protocol valid \\
        --no-tune --cache /tmp/genreclf-cache

With ``--data AUDIO_DIR`` the feature sets (``--features``, default ``gtzan``; ``--musicnn`` adds ``musicnn``) are
extracted once per clip by ``benchmark(features=...)``. ``--protocol valid`` is the artist-filtered split's tuning
pair, train -> valid: clips of test tracks (and of tracks outside the split) are left out before anything is
extracted, the models are tuned by inner CV on the train clips (or, with ``--no-tune``, fit as they come: the 78
train clips of the development audio hold one disco clip, too few for an inner CV) and scored on the valid
clips; use it to make choices on development audio. ``DEV_CLIPS``: a folder of genre sub-folders holding (links
to) ``../shared/data/gtzan_dev/*/*.flac`` and ``../shared/data/gtzan_subset/*/*.wav``.

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


def _train_valid(clips):
    """The clips of train and valid tracks of the artist-filtered split; the others are named and left out."""
    from genreclf.datasets import gtzan_split

    split = gtzan_split("filtered")
    keep = np.isin(clips.groups, split["train"] + split["valid"])
    print(f"(--protocol valid: {int((~keep).sum())} clip(s) of test tracks or outside the split left out: "
          f"{', '.join(np.asarray(clips.groups)[~keep]) or 'none'})", file=sys.stderr)
    for key in ("filenames", "target", "groups"):
        clips[key] = np.asarray(clips[key])[keep]
    return clips


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
    parser.add_argument("--features", default=None,
                        help="with --data AUDIO_DIR: feature sets, e.g. gtzan,musicnn,gtzan+musicnn (default gtzan)")
    parser.add_argument("--musicnn", action="store_true",
                        help="with --data AUDIO_DIR: add rows for musicnn embeddings of the same clips")
    parser.add_argument("--protocol", choices=("both", "cv", "filtered", "valid"), default="both",
                        help="both (default): CV and the artist-filtered split; valid: train -> valid of that split")
    parser.add_argument("--cache", help="with --data AUDIO_DIR: a folder to cache features in (memory=)")
    parser.add_argument("--no-tune", action="store_true", help="fit every model with its defaults (no grids)")
    parser.add_argument("--out", help="write the leaderboard as CSV")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    cv = _splitter(args.cv, args.repeats)
    protocol = args.protocol
    if protocol == "valid":
        from genreclf.datasets import ArtistFilteredSplit

        cv, protocol = ArtistFilteredSplit(train="train", test="valid"), "cv"
    names = [n for n in (args.models or (MUSICNN_DEFAULT if args.musicnn else DEFAULT)).split(",") if n]
    tune = not args.no_tune
    models = make_baselines(names, random_state=0)
    run = dict(cv=cv, protocol=protocol, n_jobs=args.n_jobs, tune=tune, inner_cv=args.inner_cv, random_state=0,
               verbose=1)
    if args.data == "30s":
        if args.musicnn or args.features:
            parser.error("--musicnn and --features need audio: pass --data AUDIO_DIR (a folder of genre sub-folders)")
        gtzan = load_gtzan_features()
        board = benchmark(models, gtzan.data, gtzan.target, groups=gtzan.groups, **run)
        board.insert(0, "features", "gtzan57")
        source = "GTZAN 30 s table (1000 tracks, 57 features)"
    else:
        clips = _clips(args.data)
        if args.protocol == "valid":
            clips = _train_valid(clips)
        features = args.features or "gtzan"
        if args.musicnn and "musicnn" not in features.split(","):
            features += ",musicnn"
        board = benchmark(models, list(clips.filenames), clips.target, groups=clips.groups, features=features,
                          memory=args.cache, **run)
        source = f"{int(board['n_test'].max()) if args.protocol == 'valid' else len(clips.filenames)} " \
                 f"{'valid ' if args.protocol == 'valid' else ''}clips of {args.data} (features: {features})"
    # benchmark labels a splitter by its class name
    board["protocol"] = board["protocol"].replace({
        "RepeatedStratifiedKFold": f"stratified {args.cv}-fold CV x {args.repeats}",
        "ArtistFilteredSplit": "artist-filtered train -> valid"})
    board.attrs = {}  # confusion matrices etc.: not printed here
    n_test = int(board.loc[board["protocol"] == "artist-filtered split", "n_test"].max()) \
        if (board["protocol"] == "artist-filtered split").any() else None
    if args.protocol == "valid":
        print(f"\n{source}; accuracy and macro-F1 in %, ± bootstrap standard error over the valid clips. Tuning: "
              + ("none (defaults)" if not tune else f"{args.inner_cv}-fold CV inside the train clips") + ".\n")
    else:
        cv_text = f"{args.cv} folds" + (f" x {args.repeats} repeats" if args.repeats > 1 else "")
        test_text = f"the {n_test} test tracks" if n_test else "the test tracks"
        print(f"\n{source}; accuracy and macro-F1 in %: mean ± std over {cv_text} (CV), or ± bootstrap standard "
              f"error over {test_text} (artist-filtered split). Tuning: "
              + ("none (defaults)" if not tune else f"nested {args.inner_cv}-fold CV / train -> valid only") + ".\n")
    shown = board.copy()
    if board["features"].nunique() > 1:  # format_leaderboard has no features column: name the rows features:model
        shown["model"] = shown["features"] + ":" + shown["model"]
    print(format_leaderboard(shown))
    if board["protocol"].nunique() > 1:
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
