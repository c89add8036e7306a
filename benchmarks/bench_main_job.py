"""Time of the main job, ``genreclf benchmark`` on the bundled 30 s table, and what each default model costs.

Runs exactly what the command runs (the default models, both protocols, 10-fold CV with nested tuning and the
artist-filtered split, ``n_jobs=-1``), prints the wall time and, per model, the seconds of its fits (in the
workers) summed over every fold and protocol: the share of the time each model takes, which is how the trees and
grids of ``random_forest`` and ``xgboost`` were sized. The wall time depends on how busy the machine is; the shares do
not (much). Run it on a quiet machine for the absolute figure.

    python benchmarks/bench_main_job.py
    python benchmarks/bench_main_job.py --models logistic_regression,random_forest,xgboost
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
    args = parser.parse_args()

    from joblib import cpu_count

    from genreclf.baselines import make_baselines
    from genreclf.datasets import load_gtzan_features
    from genreclf.evaluation import benchmark

    names = args.models.split(",")
    data = load_gtzan_features()
    start = time.perf_counter()
    board = benchmark(make_baselines(names), data.data, data.target, groups=data.groups, protocol="both",
                      n_jobs=args.n_jobs)
    wall = time.perf_counter() - start
    # fit_time_mean is per fold; 10 folds under CV, 1 fit under the filtered split
    folds = {"stratified 10-fold CV": 10, "artist-filtered split": 1}
    spent = {name: 0.0 for name in names}
    for row in board.itertuples():
        spent[row.model] += row.fit_time_mean * folds[row.protocol]
    total = sum(spent.values())
    print(f"genreclf benchmark (default models, both protocols, nested tuning) on {len(data.target)} tracks: "
          f"{wall:.0f} s wall with n_jobs={args.n_jobs} on {cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'model':22s} {'fit s (all folds)':>18s} {'share':>7s}")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{name:22s} {seconds:18.1f} {100 * seconds / total:6.1f}%")


if __name__ == "__main__":
    main()
