"""Time of the main job, ``genreclf benchmark`` on the bundled 30 s table, and what each default model costs.

Runs exactly what the command runs (the default models, both protocols, 10-fold CV with nested tuning and the
artist-filtered split, ``n_jobs=-1``), prints the wall time and, per model, the seconds of its fits (in the
workers) summed over every fold and protocol: the share of the time each model takes, which is how the trees and
grids of ``random_forest`` and ``xgboost`` were sized. The wall time depends on how busy the machine is; the shares do
not (much). Run it on a quiet machine for the absolute figure.

    python benchmarks/bench_main_job.py
    python benchmarks/bench_main_job.py --models logistic_regression,random_forest,xgboost

``--wide DEV_CLIPS`` times the same on a 1000-row table as wide as the default musicnn embedding (3,412 columns):
each of the 1000 tracks of the bundled table gets the embedding of a random development clip of its genre, plus
noise of a tenth of each column's spread (the scores mean nothing; the cost is that of 1000 real embeddings). The
models are those that take a wide table (the GTZAN-column models are left out, as ``benchmark(features=...)``
leaves them out of the musicnn set). ``--unreduced`` adds, in the same run, the presets without their
:class:`~genreclf.baselines.WideTablePCA` step, for the before/after ratio::

    python benchmarks/bench_main_job.py --wide DEV_CLIPS --cache /tmp/genreclf-cache --unreduced
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    from genreclf.cli import DEFAULT_MODELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--wide", metavar="DEV_CLIPS",
                        help="time a 1000-row stand-in of the musicnn embedding made from these clips instead")
    parser.add_argument("--cache", help="with --wide: a folder to cache the clips' embeddings in")
    parser.add_argument("--unreduced", action="store_true",
                        help="with --wide: also time the presets without their WideTablePCA step (before/after)")
    args = parser.parse_args()

    from genreclf.baselines import make_baselines
    from genreclf.datasets import load_gtzan_features

    names = args.models.split(",")
    data = load_gtzan_features()
    X, what = data.data, f"the bundled table ({data.data.shape[1]} columns)"
    models = make_baselines(names)
    if args.wide:
        X = _wide_stand_in(args.wide, args.cache, data.target)
        what = f"a stand-in musicnn table ({X.shape[1]} columns)"
        models = make_baselines([n for n in names if n not in _GTZAN_ONLY])
    runs = [("with WideTablePCA" if args.wide else "", models)]
    if args.wide and args.unreduced:
        unreduced = make_baselines(list(models))
        for est in unreduced.values():
            if "reduce" in getattr(est, "named_steps", {}):
                est.set_params(reduce="passthrough")
        runs.append(("without (reduce='passthrough')", unreduced))
    walls = []
    for label, chosen in runs:
        walls.append(_timed(chosen, X, data, what, label, args.n_jobs))
    if len(walls) == 2:
        print(f"with/without: {walls[0]:.0f} s / {walls[1]:.0f} s = {walls[1] / walls[0]:.1f}x faster")


#: The presets built on the 57 GTZAN columns: benchmark(features=...) gives them the GTZAN set only.
_GTZAN_ONLY = ("naive_bayes", "linear_discriminant", "ensemble", "codec_robust_ensemble")


def _wide_stand_in(folder, cache, target):
    import numpy as np

    from genreclf.datasets import load_audio_folder
    from genreclf.features.musicnn import MusicnnEmbedding

    clips = load_audio_folder(folder)
    E = MusicnnEmbedding(memory=cache, n_jobs=-1).fit_transform(list(clips.filenames))
    rng = np.random.default_rng(0)
    labels = np.asarray(clips.target)
    rows = [E[rng.choice(np.flatnonzero(labels == genre))] for genre in target]
    return np.stack(rows) + rng.normal(size=(len(rows), E.shape[1])) * 0.1 * E.std(axis=0)


def _timed(models, X, data, what, label, n_jobs):
    from joblib import cpu_count

    from genreclf.evaluation import benchmark

    start = time.perf_counter()
    board = benchmark(models, X, data.target, groups=data.groups, protocol="both", n_jobs=n_jobs)
    wall = time.perf_counter() - start
    # fit_time_mean is per fold; 10 folds under CV, 1 fit under the filtered split
    folds = {"stratified 10-fold CV": 10, "artist-filtered split": 1}
    spent = {name: 0.0 for name in models}
    for row in board.itertuples():
        spent[row.model] += row.fit_time_mean * folds[row.protocol]
    total = sum(spent.values())
    print(f"genreclf benchmark (default models, both protocols, nested tuning) on {len(data.target)} tracks of "
          f"{what}{', ' + label if label else ''}: {wall:.0f} s wall with n_jobs={n_jobs} on {cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'model':22s} {'fit s (all folds)':>18s} {'share':>7s}")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{name:22s} {seconds:18.1f} {100 * seconds / total:6.1f}%")
    return wall


if __name__ == "__main__":
    main()
