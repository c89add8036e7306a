"""GTZANFeatures vs the naive per-feature librosa extractor: speed, equality, and agreement with the
published ``features_30_sec.csv``.

Usage::

    python benchmarks/bench_features.py [--shared ../shared] [--clips N] [--median-clips N]

One run, same machine, same decoded signals: each clip is timed through the reference
(``shared/bench/naive_gtzan_features.py``, one librosa call per feature) and through
``GTZANFeatures`` back to back, on one core (BLAS/FFT threads pinned to 1), so machine noise hits both.
Prints seconds per clip (wall clock, and CPU time of the process, which other programs on a shared
machine disturb less), the speed ratios, the CPU and its vector extensions, the one-off start-up of
``GTZANFeatures`` in this process (compiling its numba kernels), the largest difference of every column
(relative; absolute for the near-zero ``harmony_mean``/``perceptr_mean``; tempo: equal or not) and how
many columns are equal bit for bit; then the three exact running medians compared on the first clips'
spectrograms (scipy, bottleneck's double heap, the sorted window of ``median_filter_reflect``); then the
agreement of ``GTZANFeatures`` on the files with the published rows of the same file names.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
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


def cpu_description():
    """The CPU's model name and its AVX extensions (from /proc/cpuinfo where there is one)."""
    try:
        info = open("/proc/cpuinfo").read()
    except OSError:
        return platform.processor() or platform.machine()
    model = re.search(r"^model name\s*:\s*(.*)$", info, re.M)
    flags = re.search(r"^flags\s*:\s*(.*)$", info, re.M)
    avx = sorted({f for f in (flags.group(1).split() if flags else []) if f.startswith("avx")})
    return f"{model.group(1) if model else platform.machine()}, {os.cpu_count()} cores, {' '.join(avx) or 'no AVX'}"


def median_filter_figures(signals, repeat=3):
    """HPSS's two width-31 median filters (along time, along frequency) of each clip's magnitude spectrogram:
    scipy's ``median_filter(mode="reflect")`` (librosa's, the reference), bottleneck's double-heap
    ``move_median`` over a mirrored copy (GTZANFeatures before the sorted window), and ``median_filter_reflect``
    (the sorted window). CPU seconds of the fastest of ``repeat`` runs, summed over clips; equality with scipy."""
    import librosa
    from scipy.ndimage import median_filter

    from genreclf.features.gtzan import median_filter_reflect

    def heap(S, axis):
        import bottleneck

        padded = np.pad(S, [(15, 15) if a == axis % 2 else (0, 0) for a in range(2)], mode="symmetric")
        return bottleneck.move_median(padded, window=31, axis=axis)[(slice(None),) * (axis % 2) + (slice(30, None),)]

    methods = {"scipy (reference)": lambda S, axis: median_filter(S, size=[31 if a == axis % 2 else 1 for a in (0, 1)],
                                                                     mode="reflect"),
               "bottleneck double heap": heap,
               "sorted window": lambda S, axis: median_filter_reflect(S, 31, axis=axis)}
    try:
        import bottleneck  # noqa: F401  (no longer a dependency: compared when installed)
    except ImportError:
        del methods["bottleneck double heap"]
    seconds = {(name, axis): 0.0 for name in methods for axis in (-1, -2)}
    equal = dict.fromkeys(methods, True)
    for y in signals:
        S = np.abs(librosa.stft(y))
        for axis in (-1, -2):
            reference = None
            for name, method in methods.items():
                runs = []
                for _ in range(repeat):
                    c0 = time.process_time()
                    out = method(S, axis)
                    runs.append(time.process_time() - c0)
                seconds[name, axis] += min(runs)
                reference = out if reference is None else reference
                equal[name] &= bool(np.array_equal(out, reference))
    n = len(signals)
    scipy_total = sum(seconds["scipy (reference)", axis] for axis in (-1, -2))
    print(f"\nHPSS median filters (width 31) of {n} clips' spectrograms, CPU ms per clip (fastest of {repeat}):")
    print(f"  {'':24s} {'time axis':>10s} {'freq axis':>10s} {'both':>8s} {'vs scipy':>9s}  equal to scipy")
    for name in methods:
        t, f = seconds[name, -1] / n * 1e3, seconds[name, -2] / n * 1e3
        print(f"  {name:24s} {t:10.1f} {f:10.1f} {t + f:8.1f} {scipy_total / n * 1e3 / (t + f):8.1f}x  {equal[name]}")


def main(argv=None):
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(repo.parent / "shared"), help="the shared folder")
    parser.add_argument("--clips", type=int, default=None, help="use only the first N clips")
    parser.add_argument("--median-clips", type=int, default=5, help="clips for the median filter comparison")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    sys.path.insert(0, str(shared / "bench"))
    from naive_gtzan_features import naive_features  # the yardstick, imported, not copied

    paths = sorted(p for p in (shared / "data" / "gtzan_subset").glob("*/*.wav") if p.name != "jazz.00054.wav")
    paths = paths[:args.clips] if args.clips else paths
    signals = [load_audio(p)[0] for p in paths]
    extractor = GTZANFeatures(input="array", compat="librosa")  # today's librosa defaults, as the reference
    naive_features(signals[0])  # warm-up of both (librosa's numba kernels, FFT plans, GTZANFeatures' kernels)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    extractor.transform(signals[:1])
    start_wall, start_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu

    wall, cpu = {"naive": 0.0, "ours": 0.0}, {"naive": 0.0, "ours": 0.0}
    worst = dict.fromkeys(GTZAN_COLUMNS, 0.0)
    same = dict.fromkeys(GTZAN_COLUMNS, 0)
    tempo_equal = 0
    for y in signals:
        for side in ("naive", "ours"):
            w0, c0 = time.perf_counter(), time.process_time()
            if side == "naive":
                ref = naive_features(y)
            else:
                ours = extractor.transform([y])[0]
            wall[side] += time.perf_counter() - w0
            cpu[side] += time.process_time() - c0
        for value, column in zip(ours, GTZAN_COLUMNS):
            worst[column] = max(worst[column], difference(value, ref[column], column))
            same[column] += bool(value == ref[column])
        tempo_equal += ours[GTZAN_COLUMNS.index("tempo")] == ref["tempo"]
    n = len(signals)
    print(f"{n} real GTZAN clips, one core, decoded signals (decoding excluded from both)")
    print(f"  CPU             : {cpu_description()}")
    print(f"                    {'wall s/clip':>12s} {'CPU s/clip':>11s}")
    print(f"  naive reference : {wall['naive'] / n:12.3f} {cpu['naive'] / n:11.3f}")
    print(f"  GTZANFeatures   : {wall['ours'] / n:12.3f} {cpu['ours'] / n:11.3f}")
    print(f"  speed-up        : {wall['naive'] / wall['ours']:11.1f}x {cpu['naive'] / cpu['ours']:10.1f}x")
    print(f"  start-up        : {start_wall:.2f} s wall, {start_cpu:.2f} s CPU for GTZANFeatures' first clip in this "
          "process (compiling its numba kernels, once per process)")
    print(f"  tempo equal     : {tempo_equal}/{n} clips")
    n_same = sum(v == n for v in same.values())
    print(f"  bit for bit     : {n_same} of {len(GTZAN_COLUMNS)} columns equal on every clip")
    rel = {c: v for c, v in worst.items() if c not in ABSOLUTE and c != "tempo"}
    print(f"  largest relative difference over {len(rel)} columns: {max(rel.values()):.2e} "
          f"({max(rel, key=rel.get)})")
    for c in ABSOLUTE:
        print(f"  largest absolute difference of {c}: {worst[c]:.2e}")
    print("  per column (max over clips): " + ", ".join(f"{c}={v:.1e}" for c, v in worst.items()))
    median_filter_figures(signals[:args.median_clips])

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
    print(f"  {'column':26s} {'median diff':>12s} {'max diff':>10s}      equal bit for bit")
    for c in GTZAN_COLUMNS:
        d = np.array([difference(a, b, c) for a, b in zip(mine[c], published[c])])
        if c == "tempo":
            same = np.isclose(mine[c], published[c])
            octave = np.isclose(mine[c], 2 * published[c]) | np.isclose(2 * mine[c], published[c])
            print(f"  {c:26s} equal on {same.sum()}/{n} clips, an octave apart on {octave.sum()}")
            continue
        kind = "abs" if c in ABSOLUTE else "rel"
        print(f"  {c:26s} {np.median(d):12.2e} {d.max():10.2e} {kind}  {int((d == 0).sum()):3d}/{n}")


if __name__ == "__main__":
    main()
