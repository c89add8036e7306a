"""Which musicnn layer(s), patch summary and model to use for genres: chosen on development data only.

    python benchmarks/bench_musicnn_layers.py --cache /work/scratch/musicnn           # both models, LR + SVC
    python benchmarks/bench_musicnn_layers.py --models MSD_musicnn --no-svc          # quicker

What it measures, on the real development clips of ``../shared/data`` (``gtzan_dev/*/*.flac`` and the good
``gtzan_subset/*/*.wav``), keeping only the **train and valid** tracks of the artist-filtered split
(``genreclf.datasets.gtzan_split("filtered")``): test tracks and tracks outside the split are dropped before
anything is decoded, so no choice here ever sees a test track.

1. Every clip is decoded at 16 kHz, cut into 3 s log-mel patches (``musicnn_patches``, ``tail="drop"``: 10 per
   30 s clip) and run through each pretrained network **once**; the four outputs of every patch
   (``penultimate`` 200, ``mean_pool`` 753, ``max_pool`` 753, ``taggram`` 50) are kept (and cached as .npz under
   ``--cache DIR`` if given; never inside the repository). Every configuration below is derived from these
   per-patch outputs, exactly as ``MusicnnEmbedding(model, layer=..., summary=...)`` computes it (checked on a
   few clips against the public transformer, printed as "check").
2. Configurations: layer sets (single layers and concatenations such as ``mean_pool+max_pool``) x summaries
   over a clip's patches (``mean``, ``median``, ``max``, ``mean_std``, ``mean_max``) x models
   (``MSD_musicnn``, ``MTT_musicnn``).
3. Classifiers: ``StandardScaler`` + ``LogisticRegression`` and (unless ``--no-svc``) ``StandardScaler`` +
   ``LinearSVC``, each with ``C`` chosen by a stratified 3-fold CV **inside the training side only**.
4. Two looks: **train -> valid** (fit on the train clips, score the valid clips; the primary figure) and
   **valid -> train** (the reverse, a second look since the valid side is small). Accuracy and macro-F1; the
   macro-F1 averages over the genres present in the scored side. Note the split's imbalance on these clips
   (printed): valid has no hiphop or reggae, so valid -> train cannot be right on those train clips (its
   ceiling is printed), and train has a single disco clip.
5. Confidence: for the best configurations, the paired difference to the baseline (``penultimate`` / ``mean``
   / ``MSD_musicnn``, today's default) on the same valid clips: clips won / lost, exact McNemar p-value and a
   paired-bootstrap 95% interval of the accuracy difference.

Prints tables; writes nothing except the optional cache.
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
BASELINE = ("MSD_musicnn", "penultimate", "mean")
LR_C = np.logspace(-4, 1, 6)
SVC_C = np.logspace(-5, 0, 6)


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
    print("\nclips per genre (train / valid):")
    print("  " + " ".join(f"{g[:8]:>8s}" for g in names) + "     total")
    for s in ("train", "valid"):
        c = Counter(genres[side == s])
        print("  " + " ".join(f"{c.get(g, 0):8d}" for g in names) + f"  {sum(c.values()):8d}  {s}")


# -- one network pass per clip and model, cached ----------------------------------------------------------
def per_patch_outputs(paths, tracks, model, cache=None):
    """{layer: [array (n_patches, n_units) float32 per clip]} for every clip, from one network call per clip."""
    from genreclf.audio import load_audio
    from genreclf.features.musicnn import _network, musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR

    stored = {}
    cache_file = None
    if cache:
        cache_file = Path(cache) / f"perpatch_{model}.npz"
        if cache_file.exists():
            with np.load(cache_file) as f:
                stored = {k: f[k] for k in f.files}
    missing = [i for i, t in enumerate(tracks) if f"{t}/taggram" not in stored]
    if missing:
        _, run = _network(model)
        start = time.perf_counter()
        for n, i in enumerate(missing, 1):
            y, _ = load_audio(paths[i], sr=MUSICNN_SR)
            for layer, out in zip(LAYERS, run(musicnn_patches(y))):
                stored[f"{tracks[i]}/{layer}"] = out.numpy()
            if n % 20 == 0 or n == len(missing):
                print(f"  {model}: {n}/{len(missing)} clips through the network "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
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
    """Largest |difference| between our derived features and MusicnnEmbedding.transform on the first n clips."""
    from genreclf.features.musicnn import MusicnnEmbedding

    worst = 0.0
    for layer, summary in (("max_pool", "mean_std"), ("penultimate", "mean")):
        ours = features({k: v[:n] for k, v in outputs.items()}, layer, summary)
        theirs = MusicnnEmbedding(model, layer=layer, summary=summary).fit_transform(list(paths[:n]))
        worst = max(worst, float(np.abs(ours - theirs).max()))
    return worst


# -- evaluation ---------------------------------------------------------------------------------------------
def classifiers(with_svc):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    out = {"logreg": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)), "logisticregression__C",
                      LR_C)}
    if with_svc:
        out["linsvc"] = (make_pipeline(StandardScaler(), LinearSVC(max_iter=20000)), "linearsvc__C", SVC_C)
    return out


def fit_predict(clf, param, grid, X_fit, y_fit, X_eval):
    """Choose C by stratified 3-fold CV on (X_fit, y_fit) only, refit there, predict X_eval."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    search = GridSearchCV(clf, {param: grid}, cv=StratifiedKFold(3, shuffle=True, random_state=0),
                          scoring="accuracy", n_jobs=1)
    with warnings.catch_warnings():  # a genre with 1-2 clips on the fitting side: fewer members than folds
        warnings.simplefilter("ignore")
        search.fit(X_fit, y_fit)
    return search.predict(X_eval), search.best_params_[param]


def scores(y_true, y_pred):
    from sklearn.metrics import f1_score

    return float(np.mean(y_true == y_pred)), float(f1_score(y_true, y_pred, labels=sorted(set(y_true)),
                                                            average="macro", zero_division=0))


def mcnemar_p(a_right, b_right):
    """Exact two-sided McNemar p-value of two classifiers' right/wrong on the same clips."""
    b = int(np.sum(a_right & ~b_right))
    c = int(np.sum(~a_right & b_right))
    n = b + c
    if n == 0:
        return 1.0, b, c
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n
    return min(1.0, 2 * tail), b, c


def bootstrap_ci(a_right, b_right, n_boot=10000, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a_right), size=(n_boot, len(a_right)))
    diff = a_right[idx].mean(axis=1) - b_right[idx].mean(axis=1)
    return np.percentile(diff, [2.5, 97.5])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("GENRECLF_SHARED", str(REPO.parent / "shared")),
                        help="the shared folder holding data/gtzan_dev and data/gtzan_subset (default ../shared)")
    parser.add_argument("--cache", default=None, help="folder for the per-patch outputs (.npz), outside the repo")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--no-svc", action="store_true", help="logistic regression only")
    parser.add_argument("--top", type=int, default=8, help="configurations compared with the baseline")
    args = parser.parse_args(argv)
    if args.cache and Path(args.cache).resolve().is_relative_to(REPO):
        sys.exit("--cache must be outside the repository")

    paths, tracks, genres, side = dev_clips(Path(args.shared))
    print_counts(genres, side)
    tr, va = side == "train", side == "valid"
    ceiling = np.isin(genres[tr], np.unique(genres[va])).mean()
    print(f"valid -> train can be right on at most {100 * ceiling:.1f}% of the train clips "
          f"(genres absent from valid: {sorted(map(str, set(genres[tr]) - set(genres[va])))})")

    outputs = {}
    for model in args.models:
        t = time.perf_counter()
        outputs[model] = per_patch_outputs(paths, tracks, model, args.cache)
        n_patches = Counter(len(o) for o in outputs[model]["penultimate"])
        print(f"{model}: per-patch outputs of {len(paths)} clips in {time.perf_counter() - t:.0f} s "
              f"(patches per clip: {dict(n_patches)}); check vs MusicnnEmbedding.transform: largest |diff| "
              f"{check_against_transformer(paths, outputs[model], model):.2g}", flush=True)

    clfs = classifiers(not args.no_svc)
    rows, right = [], {}
    start = time.perf_counter()
    # one BLAS thread: these fits are tiny (<= 78 x 3,512), and OpenBLAS threads on a busy machine spin-wait
    # (a 1 s fit took 40 s with 2 threads under load)
    limit = threadpool_limits(1)
    for model, layer_set, summary in itertools.product(args.models, LAYER_SETS, SUMMARIES):
        X = features(outputs[model], layer_set, summary)
        for name, (clf, param, grid) in clfs.items():
            pred_va, c_va = fit_predict(clf, param, grid, X[tr], genres[tr], X[va])
            pred_tr, c_tr = fit_predict(clf, param, grid, X[va], genres[va], X[tr])
            acc_va, f1_va = scores(genres[va], pred_va)
            acc_tr, f1_tr = scores(genres[tr], pred_tr)
            key = (model, layer_set, summary, name)
            right[key] = pred_va == genres[va]
            rows.append(dict(key=key, dim=X.shape[1], acc_va=acc_va, f1_va=f1_va, C_va=c_va, acc_tr=acc_tr,
                             f1_tr=f1_tr, C_tr=c_tr, pred_va=pred_va))
        print(f"  {model} {layer_set} {summary}: done ({time.perf_counter() - start:.0f} s)", flush=True)
    limit.unregister()
    print(f"\n{len(rows)} fits (each with its inner CV) in {time.perf_counter() - start:.0f} s")

    header = (f"{'model':11s} {'layers':38s} {'summary':8s} {'clf':6s} {'dim':>5s} | {'train->valid':^22s} | "
              f"{'valid->train':^22s} | {'mean':>5s}")
    sub = f"{'':11s} {'':38s} {'':8s} {'':6s} {'':>5s} | {'acc':>5s} {'mF1':>5s} {'C':>9s} | " \
          f"{'acc':>5s} {'mF1':>5s} {'C':>9s} | {'acc':>5s}"
    for name in clfs:
        print(f"\n== {name}: {int(tr.sum())} train clips, {int(va.sum())} valid clips; sorted by train->valid "
              "accuracy, then valid->train; 'mean' = mean of the two accuracies ==")
        print(header + "\n" + sub)
        mine = sorted((r for r in rows if r["key"][3] == name), key=lambda r: (-r["acc_va"], -r["acc_tr"]))
        for r in mine:
            m, ls, s, _ = r["key"]
            print(f"{m:11s} {ls:38s} {s:8s} {name:6s} {r['dim']:5d} | {100 * r['acc_va']:5.1f} "
                  f"{100 * r['f1_va']:5.1f} {r['C_va']:9.0e} | {100 * r['acc_tr']:5.1f} {100 * r['f1_tr']:5.1f} "
                  f"{r['C_tr']:9.0e} | {50 * (r['acc_va'] + r['acc_tr']):5.1f}")

    # averages over the other factors: which factor matters, less noisy than single cells
    best_model = max(args.models, key=lambda m: np.mean([r["acc_va"] + r["acc_tr"] for r in rows if r["key"][0] == m]))
    for factor, index, values in (("model", 0, args.models), ("layers", 1, LAYER_SETS), ("summary", 2, SUMMARIES)):
        within = "" if index == 0 else f", {best_model} only"
        print(f"\nmean accuracy over the other factors, by {factor}{within} (train->valid / valid->train):")
        print(f"  {'':38s}" + "".join(f"{name:>14s}" for name in clfs))
        for v in values:
            cells = []
            for name in clfs:
                sel = [r for r in rows if r["key"][index] == v and r["key"][3] == name
                       and (index == 0 or r["key"][0] == best_model)]
                va_mean, tr_mean = (100 * np.mean([r[k] for r in sel]) for k in ("acc_va", "acc_tr"))
                cells.append(f"{va_mean:6.1f} {tr_mean:5.1f}")
            print(f"  {v:38s}" + "".join(f"{c:>14s}" for c in cells) + f"   ({len(sel)} configurations each)")

    base = BASELINE + ("logreg",)
    if base in right:
        print(f"\npaired comparison with the baseline {'/'.join(BASELINE)} (logreg) on the {int(va.sum())} valid "
              "clips: won / lost clips, exact McNemar p, paired-bootstrap 95% interval of the accuracy gain")
        best = sorted((r for r in rows if r["key"][3] == "logreg"),
                      key=lambda r: (-(r["acc_va"] + r["acc_tr"]), -r["acc_va"]))[:args.top]
        for r in best:
            p, won, lost = mcnemar_p(right[r["key"]], right[base])
            lo, hi = bootstrap_ci(right[r["key"]], right[base])
            print(f"  {'/'.join(r['key'][:3]):55s} {100 * r['acc_va']:5.1f}% vs {100 * right[base].mean():5.1f}%:"
                  f" +{won} -{lost}, p={p:.3f}, [{100 * lo:+5.1f}, {100 * hi:+5.1f}] points")
        print("\nper-genre recall on valid (logreg), baseline and the best configurations above:")
        names = sorted(set(genres[va]))
        print(f"  {'':55s} " + " ".join(f"{g[:8]:>8s}" for g in names))
        for key in [base] + [r["key"] for r in best[:4]]:
            ok = right[key]
            print(f"  {'/'.join(key[:3]):55s} " + " ".join(
                f"{int(ok[genres[va] == g].sum()):4d}/{int((genres[va] == g).sum()):<3d}" for g in names))


if __name__ == "__main__":
    main()
