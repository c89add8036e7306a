"""Accuracy on GTZAN under two honest protocols, in one table.

- stratified 10-fold CV over the 1000 tracks of the 30 s table, hyper-parameters tuned by nested CV (3 inner
  folds inside each training fold);
- the artist-filtered split (Kereliuk, Sturm & Larsen 2015): hyper-parameters tuned on train -> valid only,
  refit on train + valid (640 tracks), scored once on the 290 test tracks (± a bootstrap standard error).

No test track is ever used for a choice. Run (about 10-15 min of CPU on 2 cores)::

    python benchmarks/bench_accuracy.py                     # bundled 30 s table
    python benchmarks/bench_accuracy.py --models svc,ensemble --n-jobs 2
    python benchmarks/bench_accuracy.py --data path/to/genres_original   # your audio (GTZAN features first)

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
from genreclf.evaluation import benchmark, format_leaderboard

DEFAULT = "logistic_regression,svc,knn,random_forest,xgboost,ensemble"


def _audio(folder, n_jobs):
    from genreclf.audio import AudioLoadWarning
    from genreclf.datasets import load_audio_folder
    from genreclf.features import GTZANFeatures

    clips = load_audio_folder(folder)  # warns about (and leaves out) unreadable files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudioLoadWarning)
        X = GTZANFeatures(on_error="nan", n_jobs=n_jobs, verbose=1).fit_transform(list(clips.filenames))
    ok = np.isfinite(X).all(axis=1)
    return X[ok], clips.target[ok], clips.groups[ok]


def _musicnn_rows(X, y, groups, folder, n_jobs):
    """Optional: the same protocols on musicnn embeddings of the audio (needs genreclf.features.musicnn)."""
    try:
        from genreclf.features.musicnn import MusicnnEmbedding
    except ImportError:
        print("(musicnn rows skipped: genreclf.features.musicnn is not available)", file=sys.stderr)
        return None
    from genreclf.datasets import load_audio_folder

    clips = load_audio_folder(folder)
    E = MusicnnEmbedding(n_jobs=n_jobs).fit_transform(list(clips.filenames))
    return E, clips.target, clips.groups


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="30s", help="30s (bundled table) or an audio folder (genre sub-folders)")
    parser.add_argument("--models", default=DEFAULT, help=f"comma-separated baseline names (default {DEFAULT})")
    parser.add_argument("--cv", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--musicnn", action="store_true", help="with --data AUDIO_DIR: add musicnn-embedding rows")
    parser.add_argument("--out", help="write the leaderboard as CSV")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    if args.data == "30s":
        gtzan = load_gtzan_features()
        X, y, groups, source = gtzan.data, gtzan.target, gtzan.groups, "GTZAN 30 s table (1000 tracks, 57 features)"
    else:
        X, y, groups = _audio(args.data, args.n_jobs)
        source = f"GTZAN features of {len(y)} clips in {args.data}"
    names = [n for n in args.models.split(",") if n]
    board = benchmark(make_baselines(names, random_state=0), X, y, groups=groups, cv=args.cv, protocol="both",
                      n_jobs=args.n_jobs, tune=True, random_state=0, verbose=1)
    board.insert(0, "features", "gtzan57")
    if args.musicnn and args.data != "30s":
        rows = _musicnn_rows(X, y, groups, args.data, args.n_jobs)
        if rows is not None:
            import pandas as pd

            extra = benchmark(make_baselines(["logistic_regression", "svc"]), *rows[:2], groups=rows[2],
                              cv=args.cv, protocol="both", n_jobs=args.n_jobs, verbose=1)
            extra.insert(0, "features", "musicnn")
            board = pd.concat([board, extra], ignore_index=True)

    print(f"\n{source}; accuracy and macro-F1 in %: mean ± std over {args.cv} folds (CV), or ± bootstrap standard "
          "error over the 290 test tracks (artist-filtered split). Tuning: nested 3-fold CV / train -> valid only.\n")
    print(format_leaderboard(board))
    acc = board.pivot_table(index="model", columns="protocol", values="accuracy_mean", sort=False) * 100
    acc["gap"] = acc.iloc[:, 0] - acc.iloc[:, -1]
    print("\naccuracy (%) by protocol, and the gap between a random split and an artist-clean one:\n")
    print(acc.round(1).sort_values(acc.columns[0], ascending=False).to_string())
    print(f"\n({time.perf_counter() - start:.0f} s wall)")
    if args.out:
        board.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
