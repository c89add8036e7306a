"""GTZANFeatures vs the naive per-feature librosa extractor: speed, equality, and agreement with the
published ``features_30_sec.csv``.

Usage::

    python benchmarks/bench_features.py [--shared ../shared] [--clips N]

One run, same machine, same decoded signals: each clip is timed through the reference
(``shared/bench/naive_gtzan_features.py``, one librosa call per feature) and through
``GTZANFeatures`` back to back, on one core (BLAS/FFT threads pinned to 1), so machine noise hits both.
Prints seconds per clip, the speed ratio, the largest difference of every column (relative; absolute for
the near-zero ``harmony_mean``/``perceptr_mean``; tempo: equal or not), then the agreement of
``GTZANFeatures`` on the files with the published rows of the same file names.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from genreclf import GTZANFeatures, load_audio  # noqa: E402
from genreclf.features.gtzan import GTZAN_COLUMNS  # noqa: E402

ABSOLUTE = ("harmony_mean", "perceptr_mean")  # means of near-zero signals: compare absolutely


def difference(ours, ref, column):
    if column in ABSOLUTE:
        return abs(ours - ref)
    return abs(ours - ref) / max(abs(ref), 1e-12)


def main(argv=None):
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(repo.parent / "shared"), help="the shared folder")
    parser.add_argument("--clips", type=int, default=None, help="use only the first N clips")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    sys.path.insert(0, str(shared / "bench"))
    from naive_gtzan_features import naive_features  # the yardstick, imported, not copied

    paths = sorted(p for p in (shared / "data" / "gtzan_subset").glob("*/*.wav") if p.name != "jazz.00054.wav")
    paths = paths[:args.clips] if args.clips else paths
    signals = [load_audio(p)[0] for p in paths]
    extractor = GTZANFeatures(input="array", compat="librosa")  # today's librosa defaults, as the reference
    naive_features(signals[0]), extractor.transform(signals[:1])  # warm-up (numba compilation, caches)

    t_naive = t_ours = 0.0
    worst = dict.fromkeys(GTZAN_COLUMNS, 0.0)
    tempo_equal = 0
    for y in signals:
        t0 = time.perf_counter()
        ref = naive_features(y)
        t1 = time.perf_counter()
        ours = extractor.transform([y])[0]
        t2 = time.perf_counter()
        t_naive += t1 - t0
        t_ours += t2 - t1
        for value, column in zip(ours, GTZAN_COLUMNS):
            worst[column] = max(worst[column], difference(value, ref[column], column))
        tempo_equal += ours[GTZAN_COLUMNS.index("tempo")] == ref["tempo"]
    n = len(signals)
    print(f"{n} real GTZAN clips, one core, decoded signals (decoding excluded from both)")
    print(f"  naive reference : {t_naive / n:.3f} s per clip")
    print(f"  GTZANFeatures   : {t_ours / n:.3f} s per clip")
    print(f"  speed-up        : {t_naive / t_ours:.1f}x")
    print(f"  tempo equal     : {tempo_equal}/{n} clips")
    rel = {c: v for c, v in worst.items() if c not in ABSOLUTE and c != "tempo"}
    print(f"  largest relative difference over {len(rel)} columns: {max(rel.values()):.2e} "
          f"({max(rel, key=rel.get)})")
    for c in ABSOLUTE:
        print(f"  largest absolute difference of {c}: {worst[c]:.2e}")
    print("  per column (max over clips): " + ", ".join(f"{c}={v:.1e}" for c, v in worst.items()))

    # agreement with the published table (same file names), end to end from the files
    table = pd.read_csv(shared / "data" / "features_30_sec.csv").set_index("filename")
    t0 = time.perf_counter()
    mine = GTZANFeatures(n_jobs=-1).set_output(transform="pandas").fit_transform([str(p) for p in paths])
    elapsed = time.perf_counter() - t0
    mine.index = [p.name for p in paths]
    published = table.loc[mine.index, list(GTZAN_COLUMNS)]
    print(f"\nGTZANFeatures (compat='published') from files with n_jobs=-1: {elapsed / n:.3f} s per clip "
          f"(wall, {os.cpu_count()} cores)")
    print("agreement with the published features_30_sec.csv rows of the same files:")
    print(f"  {'column':26s} {'median diff':>12s} {'max diff':>10s}")
    for c in GTZAN_COLUMNS:
        d = np.array([difference(a, b, c) for a, b in zip(mine[c], published[c])])
        if c == "tempo":
            same = np.isclose(mine[c], published[c])
            octave = np.isclose(mine[c], 2 * published[c]) | np.isclose(2 * mine[c], published[c])
            print(f"  {c:26s} equal on {same.sum()}/{n} clips, an octave apart on {octave.sum()}")
            continue
        kind = "abs" if c in ABSOLUTE else "rel"
        print(f"  {c:26s} {np.median(d):12.2e} {d.max():10.2e} {kind}")


if __name__ == "__main__":
    main()
