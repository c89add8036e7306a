"""Which musicnn layer(s) and summary over patches make the default MusicnnEmbedding: train -> valid figures only.

    python benchmarks/bench_musicnn_layers.py --cache CACHE_DIR     # CACHE_DIR: any folder outside the repository

(about 5 minutes on 2 busy cores once the per-patch outputs are cached; the first run also puts the 137 clips
through both networks, about 12 minutes). ``--models MSD_musicnn`` and ``--classifiers logreg`` are quicker.

What it measures, on the real development clips of ``../shared/data`` (``gtzan_dev/*/*.flac`` and the good
``gtzan_subset/*/*.wav``), keeping only the **train and valid** tracks of the artist-filtered split
(``genreclf.datasets.gtzan_split("filtered")``): test tracks and tracks outside the split are dropped before
anything is decoded, so no figure here ever sees a test track.

1. Every clip is decoded at 16 kHz, cut into 3 s log-mel patches (``musicnn_patches``: 10 per 30 s clip) and run
   through each pretrained network **once**; the four outputs of every patch (``penultimate`` 200, ``mean_pool``
   753, ``max_pool`` 753, ``taggram`` 50) are kept, and cached as .npz under ``--cache DIR`` (never inside the
   repository). Every configuration is derived from these per-patch outputs exactly as
   ``MusicnnEmbedding(model, layer=..., summary=...)`` computes it (checked against the transformer on two clips:
   the "check" line).
2. Configurations: layer sets (single layers and their concatenations, e.g. ``mean_pool+max_pool``) x summaries
   over a clip's patches (``mean``, ``median``, ``max``, ``mean_std``, ``mean_max``) x models (``MSD_musicnn``,
   ``MTT_musicnn``).
3. Classifiers, fit on the train clips and scored on the valid clips: ``StandardScaler`` + ``LogisticRegression``
   and ``StandardScaler`` + ``LinearSVC``, each with ``C`` chosen by a stratified 3-fold CV inside the train
   clips only.
4. **The rule** that picks the default of ``MusicnnEmbedding()``: the highest train -> valid accuracy averaged over
   the classifiers ("mean" column); ties go to fewer dimensions, then to ``MSD_musicnn`` (the larger training
   set), then to the order of the lists above. The script prints its pick.
5. Confidence: the pick and the best configurations against the earlier default (``MSD_musicnn`` /
   ``penultimate`` / ``mean``, the default of ``MusicnnEmbedding()`` before this comparison) on the same valid
   clips, per classifier: clips won / lost, exact McNemar p-value, paired-bootstrap 95% interval of the accuracy
   difference; and the recall per genre.

The valid side is small (59 clips, each worth 1.7 points) and unbalanced (no hiphop or reggae, one pop clip;
train has one disco clip), so read the intervals before the ranks. Prints tables; writes nothing but the cache.
"""
import argparse
import itertools
import math
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("penultimate", "mean_pool", "max_pool", "taggram")
MODELS = ("MSD_musicnn", "MTT_musicnn")
LAYER_SETS = ("penultimate", "mean_pool", "max_pool", "taggram", "mean_pool+max_pool", "penultimate+mean_pool",
              "penultimate+max_pool", "penultimate+mean_pool+max_pool", "penultimate+mean_pool+max_pool+taggram")
SUMMARIES = ("mean", "median", "max", "mean_std", "mean_max")
DEFAULT = ("MSD_musicnn", "penultimate", "mean")  # the default of MusicnnEmbedding() before this comparison
CLASSIFIERS = ("logreg", "linsvc")


# -- clips --------------------------------------------------------------------------------------------------
def dev_clips(shared):
    """(paths, track ids, genres, side) of the train/valid development clips; prints what was left out."""
    from genreclf.datasets import gtzan_split, track_id

    data = shared / "data"
    found = sorted(data.glob("gtzan_dev/*/*.flac")) + sorted(
        p for p in data.glob("gtzan_subset/*/*.wav") if p.name != "jazz.00054.wav")  # the known-corrupt clip
    if not found:
        sys.exit(f"no clips under {data}: pass --shared")
    side_of = {t: side for side, ids in gtzan_split("filtered").items() for t in ids}
    kept, dropped = [], Counter()
    for p in found:
        side = side_of.get(track_id(p), "outside the split")
        if side in ("train", "valid"):
            kept.append((str(p), track_id(p), p.parent.name, side))
        else:
            dropped[side] += 1
    print(f"clips: {len(found)} found, {len(kept)} kept (train/valid); left out: "
          + ", ".join(f"{n} {k}" for k, n in sorted(dropped.items())))
    if len({k[1] for k in kept}) != len(kept):
        sys.exit("a track appears twice among the clips")
    return [np.array(c) for c in zip(*kept)]


def print_counts(genres, side):
    names = sorted(set(genres))
    print("\nclips per genre:")
    print("  " + " ".join(f"{g[:8]:>8s}" for g in names) + "     total")
    for s in ("train", "valid"):
        c = Counter(genres[side == s])
        print("  " + " ".join(f"{c.get(g, 0):8d}" for g in names) + f"  {sum(c.values()):8d}  {s}")


# -- one network pass per clip and model, cached ----------------------------------------------------------
def per_patch_outputs(paths, tracks, model, cache=None):
    """{layer: [array (n_patches, n_units) float32 per clip]} for every clip, from one network call per clip."""
    from genreclf.audio import load_audio
    from genreclf.features.base import _one_thread
    from genreclf.features.musicnn import musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR, musicnn_forward

    stored, cache_file = {}, None
    if cache:
        cache_file = Path(cache) / f"perpatch_{model}.npz"
        if cache_file.exists():
            with np.load(cache_file) as f:
                stored = {k: f[k] for k in f.files}
    missing = [i for i, t in enumerate(tracks) if f"{t}/taggram" not in stored]
    if missing:
        start = time.perf_counter()
        for n, i in enumerate(missing, 1):
            with _one_thread():  # as MusicnnEmbedding.transform makes the patches
                x = musicnn_patches(load_audio(paths[i], sr=MUSICNN_SR)[0])
            for layer, out in zip(LAYERS, musicnn_forward(x, model)):
                stored[f"{tracks[i]}/{layer}"] = out
            if n % 20 == 0 or n == len(missing):
                print(f"  {model}: {n}/{len(missing)} clips through the network "
                      f"({time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f})", flush=True)
        if cache_file is not None:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(cache_file.stem + ".tmp.npz")
            np.savez(tmp, **stored)
            os.replace(tmp, cache_file)
    return {layer: [stored[f"{t}/{layer}"] for t in tracks] for layer in LAYERS}


def features(outputs, layer_set, summary):
    """Clip features of a layer set and summary, as MusicnnEmbedding computes them (layer after layer)."""
    from genreclf.features.frames import STATISTICS, check_summary

    blocks = []
    for layer in layer_set.split("+"):
        rows = [np.stack([STATISTICS[s](o) for s in check_summary(summary)], axis=1).reshape(-1)
                for o in outputs[layer]]
        blocks.append(np.stack(rows).astype(np.float32, copy=False))
    return np.hstack(blocks)


def check_against_transformer(paths, outputs, model, n=2):
    """Largest |difference| between the derived features and MusicnnEmbedding.transform on the first n clips."""
    from genreclf.features.musicnn import MusicnnEmbedding

    worst = 0.0
    for layer, summary in (("max_pool", "mean_std"), ("penultimate", "mean")):
        ours = features({k: v[:n] for k, v in outputs.items()}, layer, summary)
        theirs = MusicnnEmbedding(model, layer=layer, summary=summary).fit_transform(list(paths[:n]))
        worst = max(worst, float(np.abs(ours - theirs).max()))
    return worst


# -- evaluation ---------------------------------------------------------------------------------------------
def classifier(name):
    """(pipeline, parameter searched, grid) of a classifier name."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    if name == "logreg":
        return (make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)), "logisticregression__C",
                np.logspace(-4, 1, 6))
    return make_pipeline(StandardScaler(), LinearSVC(max_iter=20000)), "linearsvc__C", np.logspace(-5, 0, 6)


def fit_predict(name, X_fit, y_fit, X_eval):
    """Choose C by stratified 3-fold CV on (X_fit, y_fit) only, refit there, predict X_eval."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    clf, param, grid = classifier(name)
    search = GridSearchCV(clf, {param: grid}, cv=StratifiedKFold(3, shuffle=True, random_state=0),
                          scoring="accuracy", n_jobs=1)
    with warnings.catch_warnings():  # a genre with 1-2 train clips: fewer members than folds
        warnings.simplefilter("ignore")
        search.fit(X_fit, y_fit)
    return search.predict(X_eval)


def mcnemar_p(a_right, b_right):
    """Exact two-sided McNemar p-value of two classifiers' right/wrong on the same clips; clips won, lost."""
    won = int(np.sum(a_right & ~b_right))
    lost = int(np.sum(~a_right & b_right))
    n = won + lost
    if n == 0:
        return 1.0, won, lost
    tail = sum(math.comb(n, k) for k in range(min(won, lost) + 1)) / 2 ** n
    return min(1.0, 2 * tail), won, lost


def bootstrap_ci(a_right, b_right, n_boot=10000, seed=0):
    """Paired-bootstrap 95% interval of accuracy(a) - accuracy(b), resampling the clips."""
    idx = np.random.default_rng(seed).integers(0, len(a_right), size=(n_boot, len(a_right)))
    return np.percentile(a_right[idx].mean(axis=1) - b_right[idx].mean(axis=1), [2.5, 97.5])


def rule_key(row, order):
    """The rule: highest mean accuracy; then fewer dimensions; then MSD_musicnn; then the order of the lists."""
    return (-row["mean"], row["dim"], MODELS.index(row["key"][0]), order[row["key"]])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("GENRECLF_SHARED", str(REPO.parent / "shared")),
                        help="the shared folder holding data/gtzan_dev and data/gtzan_subset (default ../shared)")
    parser.add_argument("--cache", default=None, help="folder for the per-patch outputs (.npz), outside the repo")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--classifiers", nargs="+", default=list(CLASSIFIERS), choices=CLASSIFIERS)
    parser.add_argument("--top", type=int, default=6, help="configurations compared with the earlier default")
    args = parser.parse_args(argv)
    if args.cache and Path(args.cache).resolve().is_relative_to(REPO):
        sys.exit("--cache must be outside the repository")
    clfs = args.classifiers

    paths, tracks, genres, side = dev_clips(Path(args.shared))
    print_counts(genres, side)
    tr, va = side == "train", side == "valid"

    outputs = {}
    for model in args.models:
        t = time.perf_counter()
        outputs[model] = per_patch_outputs(paths, tracks, model, args.cache)
        n_patches = Counter(len(o) for o in outputs[model]["penultimate"])
        print(f"{model}: per-patch outputs of {len(paths)} clips in {time.perf_counter() - t:.0f} s "
              f"(patches per clip: {dict(n_patches)}); check vs MusicnnEmbedding.transform, largest |diff|: "
              f"{check_against_transformer(paths, outputs[model], model):.2g}", flush=True)

    configs = list(itertools.product(args.models, LAYER_SETS, SUMMARIES))
    order = {c: i for i, c in enumerate(configs)}
    rows, right = [], {}
    start = time.perf_counter()
    # one BLAS thread: the fits are tiny (<= 78 x 3,512), and BLAS threads spin-wait on a busy machine
    with threadpool_limits(1):
        for n, key in enumerate(configs, 1):
            X = features(outputs[key[0]], *key[1:])
            row = dict(key=key, dim=X.shape[1])
            for name in clfs:
                right[key + (name,)] = fit_predict(name, X[tr], genres[tr], X[va]) == genres[va]
                row[name] = float(right[key + (name,)].mean())
            row["mean"] = float(np.mean([row[name] for name in clfs]))
            rows.append(row)
            if n % 10 == 0 or n == len(configs):
                print(f"  {n}/{len(configs)} configurations ({time.perf_counter() - start:.0f} s, "
                      f"load {os.getloadavg()[0]:.1f})", flush=True)

    rows.sort(key=lambda r: rule_key(r, order))
    print(f"\ntrain -> valid accuracy (%), {int(tr.sum())} train clips -> {int(va.sum())} valid clips; C by 3-fold CV "
          f"on train; 'mean' = mean over {', '.join(clfs)}; sorted by the rule (mean, then fewer dimensions):")
    print(f"  {'model':11s} {'layers':38s} {'summary':8s} {'dim':>5s} " + " ".join(f"{c:>7s}" for c in clfs)
          + f" {'mean':>7s}")
    for r in rows:
        m, ls, s = r["key"]
        mark = "  <- the earlier default" if r["key"] == DEFAULT else ""
        print(f"  {m:11s} {ls:38s} {s:8s} {r['dim']:5d} " + " ".join(f"{100 * r[c]:7.1f}" for c in clfs)
              + f" {100 * r['mean']:7.1f}{mark}")

    # means over the other factors: which factor matters, less noisy than single cells
    for factor, index, values in (("model", 0, args.models), ("layers", 1, LAYER_SETS), ("summary", 2, SUMMARIES)):
        print(f"\nmean train -> valid accuracy (%) by {factor}, over the other factors:")
        for v in values:
            sel = [r for r in rows if r["key"][index] == v]
            print(f"  {v:38s}" + "".join(f" {c} {100 * np.mean([r[c] for r in sel]):5.1f}" for c in clfs)
                  + f"   ({len(sel)} configurations)")

    pick = rows[0]
    ties = [r for r in rows if r["mean"] == pick["mean"]]
    print(f"\nthe rule picks {'/'.join(pick['key'])} ({pick['dim']} dimensions, mean {100 * pick['mean']:.1f}%"
          + (f"; {len(ties)} configurations share that mean, the fewest dimensions wins" if len(ties) > 1 else "")
          + ")")
    if DEFAULT[0] in args.models:
        base = next(r for r in rows if r["key"] == DEFAULT)
        print(f"\npaired with the earlier default {'/'.join(DEFAULT)} ({100 * base['mean']:.1f}%) on the "
              f"{int(va.sum())} valid clips: clips won / lost, exact McNemar p, paired-bootstrap 95% interval of the "
              "accuracy difference (points)")
        for r in rows[:args.top]:
            if r["key"] == DEFAULT:
                continue
            cells = []
            for c in clfs:
                a, b = right[r["key"] + (c,)], right[DEFAULT + (c,)]
                p, won, lost = mcnemar_p(a, b)
                lo, hi = bootstrap_ci(a, b)
                cells.append(f"{c} {100 * a.mean():5.1f} vs {100 * b.mean():5.1f}: +{won} -{lost}, p={p:.2f}, "
                             f"[{100 * lo:+5.1f}, {100 * hi:+5.1f}]")
            print(f"  {'/'.join(r['key']):60s} " + "; ".join(cells))
        names = sorted(set(genres[va]))
        print(f"\nrecall per genre on valid ({clfs[0]}), the earlier default and the {min(3, len(rows))} best:")
        print(f"  {'':60s} " + " ".join(f"{g[:8]:>8s}" for g in names))
        for key in [DEFAULT] + [r["key"] for r in rows[:3] if r["key"] != DEFAULT]:
            ok = right[key + (clfs[0],)]
            print(f"  {'/'.join(key):60s} " + " ".join(
                f"{f'{int(ok[genres[va] == g].sum())}/{int((genres[va] == g).sum())}':>8s}" for g in names))
    print(f"\n({time.perf_counter() - start:.0f} s of fits; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
