"""Load test: feature extraction over many files with ``n_jobs=-1``: throughput and peak memory.

Usage::

    python benchmarks/bench_load.py [--shared ../shared] [--sizes 40,120] [--features gtzan,mfcc] [--n-jobs -1]

The real clips of ``shared/data/gtzan_subset`` (the 46 good ones) are repeated to each batch size. Every
(feature, size) run happens in a fresh Python process, so the figures of one run do not leak into the next.
While it runs, a sampler thread reads the resident memory (``VmRSS`` in ``/proc``) of the process and of
all its descendants (the joblib/loky workers) every 50 ms; the report gives the peak of the parent alone and
the peak of the sum. If extraction streams, these peaks do not grow with the number of files (the output
table itself is ``n_files x 57`` floats). Prints one line per run, then the ratio of peaks between the
largest and the smallest batch. Linux only (``/proc``).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*") if Path(f"/proc/{p}/task").exists() else []:
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                kids = []
            out += kids
            todo += kids
    return out


class MemorySampler(threading.Thread):
    """Peak RSS of this process and of this process plus all its descendants, sampled every ``interval`` s."""

    def __init__(self, interval=0.05):
        super().__init__(daemon=True)
        self.interval, self.stop_event = interval, threading.Event()
        self.peak_self = self.peak_total = 0
        self.max_workers = 0

    def run(self):
        me = os.getpid()
        while not self.stop_event.is_set():
            kids = _descendants(me)
            own = _rss_kib(me)
            self.peak_self = max(self.peak_self, own)
            self.peak_total = max(self.peak_total, own + sum(_rss_kib(k) for k in kids))
            self.max_workers = max(self.max_workers, len(kids))
            time.sleep(self.interval)

    def stop(self):
        self.stop_event.set()
        self.join()


def worker(args):
    """One run in this process: extract ``args.size`` files with one feature transformer, print JSON."""
    import numpy as np

    from genreclf import GTZANFeatures, MFCCTransformer

    clips = sorted(str(p) for p in (Path(args.shared) / "data" / "gtzan_subset").glob("*/*.wav")
                   if p.name != "jazz.00054.wav")
    paths = [clips[i % len(clips)] for i in range(args.size)]
    est = {"gtzan": GTZANFeatures(n_jobs=args.n_jobs),
           "mfcc": MFCCTransformer(summary="mean_var", n_jobs=args.n_jobs)}[args.feature]
    est.fit_transform(paths[:2])  # warm the workers (imports, numba caches) outside the timing
    sampler = MemorySampler()
    sampler.start()
    start = time.perf_counter()
    X = est.fit_transform(paths)
    seconds = time.perf_counter() - start
    sampler.stop()
    assert X.shape[0] == len(paths) and np.isfinite(X).all()
    print(json.dumps(dict(feature=args.feature, size=len(paths), seconds=seconds, workers=sampler.max_workers,
                          peak_self_mib=sampler.peak_self / 1024, peak_total_mib=sampler.peak_total / 1024,
                          output_mib=X.nbytes / 2 ** 20)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"), help="the shared folder (../shared)")
    parser.add_argument("--sizes", default="40,120", help="comma-separated batch sizes (e.g. 100,500)")
    parser.add_argument("--features", default="gtzan,mfcc", help="comma-separated: gtzan, mfcc")
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--feature", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if not (Path(args.shared) / "data" / "gtzan_subset").is_dir():
        sys.exit(f"no clips under {args.shared}/data/gtzan_subset: pass --shared")
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"genreclf load test: n_jobs={args.n_jobs}, {os.cpu_count()} CPU(s), clips of "
          f"{args.shared}/data/gtzan_subset repeated to {sizes} files")
    print(f"{'feature':8} {'files':>6} {'seconds':>8} {'clips/s':>8} {'workers':>7} {'peak parent':>12} "
          f"{'peak total':>11} {'output':>8}")
    results = {}
    for feature in args.features.split(","):
        for size in sizes:
            out = subprocess.run([sys.executable, __file__, "--worker", "--shared", args.shared, "--size", str(size),
                                  "--feature", feature, "--n-jobs", str(args.n_jobs)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[feature, size] = r
            print(f"{feature:8} {size:6d} {r['seconds']:8.1f} {size / r['seconds']:8.2f} {r['workers']:7d} "
                  f"{r['peak_self_mib']:9.0f} MiB {r['peak_total_mib']:7.0f} MiB {r['output_mib']:5.2f} MiB")
        small, large = results[feature, sizes[0]], results[feature, sizes[-1]]
        print(f"{feature}: {sizes[-1] / sizes[0]:.1f}x the files -> peak parent x"
              f"{large['peak_self_mib'] / small['peak_self_mib']:.2f}, peak total x"
              f"{large['peak_total_mib'] / small['peak_total_mib']:.2f}")


if __name__ == "__main__":
    main()
