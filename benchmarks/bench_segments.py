"""Segment features from audio vs the published 3-second GTZAN table.

Usage::

    python benchmarks/bench_segments.py [--shared ../shared] [--n-jobs 1]

For the classical, jazz and rock clips of ``shared/data/gtzan_subset`` (the corrupt ``jazz.00054.wav``
is replaced by ``shared/data/gtzan_repaired/jazz.00054.wav``), computes one row per 3-second segment
with :func:`genreclf.datasets.gtzan_table` (``n_segments=10``) and compares it with the row of the same name in
``shared/data/features_3_sec_partial.csv``. Prints, per column, the median and maximum relative
difference (absolute for the near-zero ``harmony_mean``/``perceptr_mean``; for ``tempo`` the fraction of
equal values and of values equal up to a factor of two), then the same summary per segment index.

Then it finds out how the published segments were cut and computed: where they start (the zero-crossing
rate, exact integer counts with no FFT padding, pins the offsets), which segments a short clip keeps, and
the agreement of a reference "published recipe" (librosa < 0.10 defaults) with the published rows.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from genreclf import load_audio  # noqa: E402
from genreclf.audio import AudioLoadWarning  # noqa: E402
from genreclf.datasets import gtzan_table, track_id  # noqa: E402
from genreclf.features.gtzan import GTZAN_COLUMNS  # noqa: E402

GENRES = ("classical", "jazz", "rock")
ABSOLUTE = ("harmony_mean", "perceptr_mean")  # means of near-zero signals: compare absolutely
CORRUPT = "jazz.00054.wav"


def differences(ours, ref):
    """(n_rows, 57) array: relative differences, absolute for ABSOLUTE columns, 0/1 (unequal) for tempo."""
    out = np.empty_like(ours)
    for j, col in enumerate(GTZAN_COLUMNS):
        if col in ABSOLUTE:
            out[:, j] = np.abs(ours[:, j] - ref[:, j])
        elif col == "tempo":
            out[:, j] = ~np.isclose(ours[:, j], ref[:, j], rtol=1e-6)
        else:
            out[:, j] = np.abs(ours[:, j] - ref[:, j]) / np.maximum(np.abs(ref[:, j]), 1e-12)
    return out


def clip_paths(shared):
    subset = shared / "data" / "gtzan_subset"
    paths = []
    for genre in GENRES:
        for p in sorted((subset / genre).glob("*.wav")):
            if p.name == CORRUPT:
                repaired = shared / "data" / "gtzan_repaired" / CORRUPT
                if repaired.exists():
                    paths.append(repaired)
                continue
            paths.append(p)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    published_csv = args.shared / "data" / "features_3_sec_partial.csv"
    if not published_csv.exists():
        sys.exit(f"shared data not found: {published_csv}")
    published = pd.read_csv(published_csv).set_index("filename")
    paths = clip_paths(args.shared)
    labels = [track_id(p).split(".")[0] for p in paths]  # the repaired clip lives outside a genre folder

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = gtzan_table(paths, labels=labels, n_segments=10, n_jobs=args.n_jobs)
    seconds = time.perf_counter() - start
    print(f"{len(paths)} clips ({', '.join(GENRES)}), {len(table.frame)} segment rows in {seconds:.1f} s "
          f"({seconds / len(paths):.2f} s per clip, n_jobs={args.n_jobs})")
    for name, reason in table.skipped:
        print(f"  skipped {name}: {reason}")
    for w in caught:
        if not isinstance(w.message, AudioLoadWarning):  # that one lists the skipped rows printed above
            print(f"  warning: {w.message}")

    names = [n for n in table.frame["filename"] if n in published.index]
    missing_pub = [n for n in table.frame["filename"] if n not in published.index]
    missing_ours = sorted(set(published.index) & {f"{track_id(p)}.{k}.wav" for p in paths for k in range(10)}
                          - set(table.frame["filename"]))
    print(f"{len(names)} rows match a published row by name; ours without a published row: {missing_pub}; "
          f"published without ours: {missing_ours}")
    ours = table.frame.set_index("filename").loc[names, list(GTZAN_COLUMNS)].to_numpy(np.float64)
    ref = published.loc[names, list(GTZAN_COLUMNS)].to_numpy(np.float64)
    labels_ok = (table.frame.set_index("filename").loc[names, "label"] == published.loc[names, "label"]).all()
    print(f"labels equal: {bool(labels_ok)}; length column published: {sorted(published['length'].unique())}")

    diff = differences(ours, ref)
    print("\nper-column agreement (relative difference; absolute for harmony_mean/perceptr_mean)")
    print(f"{'column':<26}{'median':>12}{'max':>12}   worst row")
    for j, col in enumerate(GTZAN_COLUMNS):
        if col == "tempo":
            equal = 1 - diff[:, j].mean()
            octave = np.mean([any(np.isclose(o, r * f, rtol=1e-6) for f in (0.5, 1, 2))
                              for o, r in zip(ours[:, j], ref[:, j])])
            print(f"{col:<26}{'equal:':>12}{equal:>11.1%}   equal up to x2 or /2: {octave:.1%}")
            continue
        worst = int(np.argmax(diff[:, j]))
        print(f"{col:<26}{np.median(diff[:, j]):>12.2e}{diff[:, j].max():>12.2e}   {names[worst]}")

    rel = np.delete(diff, [GTZAN_COLUMNS.index(c) for c in (*ABSOLUTE, "tempo")], axis=1)
    seg = np.array([int(n.rsplit(".", 2)[1]) for n in names])
    print("\nper segment index: median / max over the 54 relative columns")
    for k in range(10):
        sel = rel[seg == k]
        if len(sel):
            print(f"  segment {k}: {np.median(sel):.2e} / {sel.max():.2e}  ({len(sel)} rows)")

    # where do the published segments start, and how were they computed?
    signals = {track_id(p): load_audio(p)[0] for p in paths}
    print("\nwhere the published segments start: segments whose zero-crossing rate (mean and var, exact "
          "integer counts, no FFT padding involved) equals the published value")
    for label, hop in (("start k*66149 (GTZANFeatures)", 66149), ("start k*66150 (k * 3 s)", 66150)):
        exact = sum(_zcr_equal(signals[n.rsplit(".", 2)[0]], int(n.rsplit(".", 2)[1]) * hop, published.loc[n])
                    for n in names)
        print(f"  {label:<32} {exact}/{len(names)}")
    lengths = {t: len(y) for t, y in signals.items()}
    print("segments kept by the published table vs clip length: a segment k is present iff (k+1)*66150 < n_samples?",
          _check_keep_rule(published, lengths))
    print("\nthe published recipe (librosa < 0.10 defaults): segment k = y[k*66150 : k*66150 + 66149], STFT and RMS "
          "padded with pad_mode='reflect', harmonic/percussive = fix_length(istft(...)) without length=")
    rows = [n for n in published.index if n.rsplit(".", 2)[0] in signals]
    mine = np.array([published_recipe(signals[n.rsplit(".", 2)[0]], int(n.rsplit(".", 2)[1])) for n in rows])
    diff2 = differences(mine, published.loc[rows, list(GTZAN_COLUMNS)].to_numpy(np.float64))
    print(f"{'column':<26}{'median':>12}{'max':>12}")
    for j, col in enumerate(GTZAN_COLUMNS):
        if col == "tempo":
            print(f"{col:<26}{'equal:':>12}{1 - diff2[:, j].mean():>11.1%}   (librosa.feature.tempo of today)")
            continue
        print(f"{col:<26}{np.median(diff2[:, j]):>12.2e}{diff2[:, j].max():>12.2e}")


def _zcr_equal(y, start, row):
    import librosa

    z = librosa.feature.zero_crossing_rate(y[start:start + 66149])
    return bool(np.isclose(z.mean(), row["zero_crossing_rate_mean"], rtol=1e-12)
                and np.isclose(z.var(), row["zero_crossing_rate_var"], rtol=1e-9))


def _check_keep_rule(published, lengths):
    present = set(published.index)
    agree = all((f"{t}.{k}.wav" in present) == ((k + 1) * 66150 < n) for t, n in lengths.items() for k in range(10))
    edge = {t: n for t, n in lengths.items() if 9 * 66150 + 66149 <= n <= 10 * 66150}
    return f"{'yes' if agree else 'NO'} on these {len(lengths)} clips (clips on the boundary: {edge or 'none'})"


def published_recipe(y, k, sr=22050):
    """The 57 columns of segment k computed the way the published table was (librosa < 0.10 defaults)."""
    import librosa

    seg = y[k * 66150:k * 66150 + 66149]
    stft = librosa.stft(seg, pad_mode="reflect")
    mag = np.abs(stft)
    f = []

    def mv(x):
        f.extend([float(np.mean(x)), float(np.var(x))])

    mv(librosa.feature.chroma_stft(S=mag ** 2, sr=sr))
    mv(librosa.feature.rms(y=seg, pad_mode="reflect"))
    mv(librosa.feature.spectral_centroid(S=mag, sr=sr))
    mv(librosa.feature.spectral_bandwidth(S=mag, sr=sr))
    mv(librosa.feature.spectral_rolloff(S=mag, sr=sr))
    mv(librosa.feature.zero_crossing_rate(seg))
    harm, perc = librosa.decompose.hpss(stft)
    mv(librosa.util.fix_length(librosa.istft(harm), size=len(seg)))
    mv(librosa.util.fix_length(librosa.istft(perc), size=len(seg)))
    mel = librosa.power_to_db(librosa.feature.melspectrogram(S=mag ** 2, sr=sr))
    f.append(float(librosa.feature.tempo(onset_envelope=librosa.onset.onset_strength(S=mel, sr=sr), sr=sr)[0]))
    for row in librosa.feature.mfcc(S=mel, n_mfcc=20):
        mv(row)
    return np.array(f)


if __name__ == "__main__":
    main()
