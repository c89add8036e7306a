"""musicnn in genreclf vs the original musicnn 0.1.0 code: equality per layer, speed, and accuracy.

    python benchmarks/bench_musicnn.py                       # ours vs the stored reference outputs
    python benchmarks/bench_musicnn.py --reference-python REF_VENV/bin/python
    python benchmarks/bench_musicnn.py --accuracy            # + cross-validated accuracy on the shared clips

What it does, on the 46 good clips of ``../shared/data/gtzan_subset``:

1. **Ours**: every clip through :func:`genreclf.features.musicnn.musicnn_patches` and the network as
   ``MusicnnEmbedding`` runs it (:func:`genreclf.models.musicnn_network.musicnn_forward`, NumPy float32), once,
   to get every layer per patch; then the public ``MusicnnEmbedding().transform(paths)`` timed (clips per
   second, after the one-off preparation of the weights, which is timed apart).
2. **Equality with the stored reference** (``../shared/bench/musicnn_reference_shared_clips.npz``, made by
   ``../shared/bench/musicnn_reference.py``, the original code with its float16 step done in float32): the
   largest absolute difference of the per-clip means of ``mean_pool``, ``max_pool`` and ``taggram``. For
   ``penultimate`` the original extractor (batch size 1) returns the FIRST patch's values for every patch (its
   loop unpacks the new values into ``backend_`` but concatenates the stale ``penultimate_``), so the stored
   per-clip "mean" is the first patch: we compare it with our first patch and say so. ``taggram`` is computed
   from every patch's penultimate, so its agreement covers the other patches.
3. **The reference, run now** (``--reference-python PATH`` or ``$GENRECLF_MUSICNN_REF_PYTHON``: the interpreter
   of a venv with ``tensorflow-cpu tf_keras librosa`` and ``pip install --no-deps musicnn==0.1.0``): runs
   ``musicnn_reference.py`` in a subprocess under ``TF_USE_LEGACY_KERAS=1``, timing every clip from its output
   lines, and compares again. ``--reference-batch-size all`` (default) sets musicnn's ``BATCH_SIZE`` to the
   number of patches, which avoids the stale-penultimate bug (every patch then has its own values) and is
   *faster* than the original batch size of 1, so the speed-up we print is conservative; pass ``1`` to time
   the untouched configuration.
   **Float32 rounding**, for scale: the same network evaluated in float64 (``musicnn_forward(dtype=np.float64)``),
   and how far the reference, ours and (unless ``--no-keras``) genreclf's Keras rebuild run by TensorFlow in this
   process are from it. A float32 result cannot be expected closer to the reference than the reference is to
   the float64 value, give or take its own distance to it.
4. ``--accuracy``: repeated stratified 3-fold CV (the subset has 3-5 clips per genre) of a scaled logistic
   regression and SVC on ``MusicnnEmbedding`` vs on ``GTZANFeatures`` of the same clips.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("penultimate", "mean_pool", "max_pool", "taggram")
TARGET = 1e-4


def shared_clips(shared):
    paths = sorted(p for p in (shared / "data" / "gtzan_subset").glob("*/*.wav") if p.name != "jazz.00054.wav")
    if not paths:
        sys.exit(f"no clips under {shared / 'data' / 'gtzan_subset'}")
    return [str(p) for p in paths]


def ours_per_patch(paths, model="MSD_musicnn", network="numpy"):
    """Every layer of every patch of every clip: {layer: [array (n_patches, n_units) per clip]}.

    ``network``: ``"numpy"`` (what MusicnnEmbedding runs), ``"float64"`` (the same in float64) or ``"keras"`` (the
    Keras rebuild, run by TensorFlow).
    """
    from genreclf.audio import load_audio
    from genreclf.features.base import _one_thread
    from genreclf.features.musicnn import musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR, load_musicnn, musicnn_forward

    if network == "keras":
        net = load_musicnn(model)

        def run(x):
            return [o.numpy() for o in net(x, training=False)]
    else:
        def run(x):
            return musicnn_forward(x, model, dtype=np.float64 if network == "float64" else np.float32)
    out = {k: [] for k in LAYERS}
    for p in paths:
        with _one_thread():  # as transform() makes a clip's log-mel patches (BLAS threads change their last bits)
            x = musicnn_patches(load_audio(p, sr=MUSICNN_SR)[0])
        for k, v in zip(LAYERS, run(x)):
            out[k].append(v)
    return out


def rounding(ours, stored, paths, keras=None):
    """How far the reference, ours and the Keras rebuild's outputs (``keras``) are from the float64 evaluation."""
    exact = ours_per_patch(paths, network="float64")
    results = [("reference (stored)", stored), ("ours (NumPy float32)", ours)]
    if keras is not None:
        results.append(("Keras rebuild (TensorFlow, this process)", keras))
    print("\nfloat32 rounding: largest absolute difference from the network evaluated in float64, per-clip means "
          "(penultimate: first patch)")
    print(f"  {'':42s}" + "".join(f"{k:>13s}" for k in LAYERS))
    for label, got in results:
        row = []
        for k in LAYERS:
            if isinstance(got[k], np.ndarray):  # the stored reference: per-clip means already
                mine = got[k]
                if k == "penultimate":  # the reference repeats the first patch's penultimate
                    exact_k = np.stack([a[0] for a in exact[k]])
                else:
                    exact_k = np.stack([a.mean(0) for a in exact[k]])
            else:
                first = k == "penultimate"
                mine = np.stack([a[0] if first else a.mean(0) for a in got[k]])
                exact_k = np.stack([a[0] if first else a.mean(0) for a in exact[k]])
            row.append(float(np.abs(mine - exact_k).max()))
        print(f"  {label:42s}" + "".join(f"{d:13.3g}" for d in row))
    if keras is not None:
        worst = {k: max(float(np.abs(a - b).max()) for a, b in zip(ours[k], keras[k])) for k in LAYERS}
        print("  ours vs the Keras rebuild, every patch:  " + ", ".join(f"{k} {d:.3g}" for k, d in worst.items()))


def default_embedding(ours):
    """What MusicnnEmbedding() computes, from the per-patch outputs: its layers side by side, its statistics."""
    from genreclf.features.frames import STATISTICS, check_summary
    from genreclf.features.musicnn import MusicnnEmbedding

    emb = MusicnnEmbedding()
    stats = check_summary(emb.summary)
    return np.stack([np.stack([STATISTICS[s](np.hstack([ours[k][i] for k in emb.layer.split("+")])) for s in stats],
                              axis=1).reshape(-1) for i in range(len(ours["penultimate"]))])


def compare(ours, ref, label):
    """Print the largest absolute difference per layer between our per-patch outputs and a reference npz."""
    rows = []
    for k in LAYERS:
        mine = np.stack([a.mean(0) for a in ours[k]])
        note = "mean over patches"
        if k == "penultimate":
            first = ref["first_clip_penultimate_patches"]
            stale = bool(np.all(first == first[0])) and len(first) > 1
            if stale:  # the reference repeats patch 0: compare with our patch 0
                mine = np.stack([a[0] for a in ours[k]])
                note = "first patch (the reference repeats it for every patch)"
            else:
                per_patch = float(np.abs(ours[k][0] - first).max())
                rows.append(("penultimate, per patch of clip 1", per_patch, f"{len(first)} patches"))
        diff = float(np.abs(mine - ref[k]).max())
        rows.append((k, diff, note))
    print(f"\n{label}: largest absolute difference (target <= {TARGET:g})")
    for k, d, note in rows:
        print(f"  {k:34s} {d:10.3g}  {'ok' if d <= TARGET else 'ABOVE TARGET'}  ({note})")
    return max(d for _, d, _ in rows)


def load():
    return f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load unknown"


def time_ours(paths, n_jobs=None, rebuild=True):
    """Time MusicnnEmbedding().transform(paths) after the model build (timed apart) and one warm-up clip."""
    import genreclf.models.musicnn_network as mn
    from genreclf.features.musicnn import MusicnnEmbedding

    build = 0.0
    if rebuild:
        mn._FORWARD.clear()
        t = time.perf_counter()
        mn._numpy_network("MSD_musicnn", np.float32)
        build = time.perf_counter() - t
    emb = MusicnnEmbedding(n_jobs=n_jobs)
    emb.transform(paths[:1])  # the threads' work arrays, once
    t = time.perf_counter()
    X = emb.transform(paths)
    wall = time.perf_counter() - t
    print(f"ours: {len(paths)} clips in {wall:.2f} s = {len(paths) / wall:.2f} clips/s "
          f"({1000 * wall / len(paths):.0f} ms per clip; n_jobs={n_jobs}; {load()})"
          + (f"; weights prepared in {build:.2f} s, once per process" if rebuild else ""))
    return X, wall


def run_reference(python, paths, batch_size, shared):
    """Run the original code in its own interpreter.

    Returns (its npz as a dict, seconds per clip after the first, total seconds, seconds to the first clip).
    """
    script = shared / "bench" / "musicnn_reference.py"
    with tempfile.TemporaryDirectory(prefix="musicnn_ref_") as tmp:
        out = Path(tmp) / "ref.npz"
        setup = ""
        if batch_size != "1":
            setup = "import musicnn.configuration as c; c.BATCH_SIZE = 100000\n"  # all patches of a clip at once
        code = (setup + "import runpy, sys\n"
                f"sys.argv = [{str(script)!r}] + sys.argv[1:]\n"
                f"runpy.run_path({str(script)!r}, run_name='__main__')\n")
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
        start = time.perf_counter()
        proc = subprocess.Popen([python, "-c", code, str(out), *paths], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env)
        stamps, names = [], {os.path.basename(p) for p in paths}
        for line in proc.stdout:
            if line.strip() in names:  # the reference prints each file's name when it is done (WAV, FLAC...)
                stamps.append(time.perf_counter())
        if proc.wait() != 0:
            sys.exit(f"the reference failed (exit {proc.returncode}); run it by hand: {python} {script}")
        total = time.perf_counter() - start
        ref = dict(np.load(out))
    steps = np.diff(stamps)  # per clip, after the first (which also pays imports and the first build)
    return ref, steps, total, stamps[0] - start


def accuracy(paths, emb_X):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from genreclf.features import GTZANFeatures

    y = np.array([Path(p).parent.name for p in paths])
    t = time.perf_counter()
    gtzan_X = GTZANFeatures().transform(paths)
    print(f"\nGTZANFeatures of {len(paths)} clips: {time.perf_counter() - t:.1f} s")
    cv = RepeatedStratifiedKFold(n_splits=3, n_repeats=10, random_state=0)
    print(f"accuracy, repeated stratified 3-fold x10 on {len(paths)} clips, {len(set(y))} genres "
          "(3-5 clips each; small, so wide error bars):")
    for name, X in (("GTZANFeatures (57)", gtzan_X), (f"MusicnnEmbedding() ({emb_X.shape[1]})", emb_X),
                    (f"both ({57 + emb_X.shape[1]})", np.hstack([gtzan_X, emb_X]))):
        for clf_name, clf in (("LogisticRegression", LogisticRegression(max_iter=5000)), ("SVC", SVC())):
            s = cross_val_score(make_pipeline(StandardScaler(), clf), X, y, cv=cv)
            print(f"  {name:36s} {clf_name:18s} {100 * s.mean():5.1f}% +- {100 * s.std():4.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("GENRECLF_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--reference-python", default=os.environ.get("GENRECLF_MUSICNN_REF_PYTHON"),
                        help="interpreter of a venv with musicnn 0.1.0 + tf_keras (runs the original code)")
    parser.add_argument("--reference-batch-size", choices=("all", "1"), default="all")
    parser.add_argument("--clips", type=int, default=None, help="use only the first N clips")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras rebuild (no TensorFlow import)")
    args = parser.parse_args(argv)

    shared = Path(args.shared)
    paths = shared_clips(shared)[:args.clips]
    stored = dict(np.load(shared / "bench" / "musicnn_reference_shared_clips.npz"))
    names = [os.path.basename(p) for p in paths]
    if list(stored["names"][:len(names)]) != names:
        sys.exit("the stored reference lists other clips (or in another order) than ../shared/data/gtzan_subset")
    stored = {k: (v[:len(names)] if k in LAYERS else v) for k, v in stored.items()}

    X, wall = time_ours(paths, args.n_jobs)
    ours = ours_per_patch(paths)
    if not np.allclose(X, default_embedding(ours), rtol=0, atol=1e-5):
        sys.exit("MusicnnEmbedding.transform disagrees with the per-patch outputs")
    worst = compare(ours, stored, "ours vs stored reference (../shared/bench/musicnn_reference_shared_clips.npz)")
    keras = None
    if not args.no_keras:
        keras = ours_per_patch(paths, network="keras")
        compare(keras, stored, "for scale, genreclf's Keras rebuild run by TensorFlow (what MusicnnEmbedding ran "
                "before) vs stored reference")
    rounding(ours, stored, paths, keras)

    if args.reference_python:
        ref, steps, total, first = run_reference(args.reference_python, paths, args.reference_batch_size,
                                                 shared)
        per_clip = float(np.median(steps)) if len(steps) else float("nan")
        print(f"\nreference (musicnn 0.1.0 under tf_keras, BATCH_SIZE={args.reference_batch_size}): "
              f"{len(paths)} clips in {total:.1f} s including {first:.1f} s of start-up and first clip; "
              f"{per_clip * 1000:.0f} ms per clip after the first (median) = {1 / per_clip:.2f} clips/s ({load()})")
        _, wall_after = time_ours(paths, args.n_jobs, rebuild=False)  # again, under the same machine load
        ours_per_clip = max(wall, wall_after) / len(paths)
        print(f"speed-up per clip, ours (slower of our two timings) vs reference: {per_clip / ours_per_clip:.1f}x "
              "(the machine's load can differ between the runs: see the load averages)")
        worst = max(worst, compare(ours, ref, "ours vs the reference run now"))
    else:
        print("\n(no --reference-python: the original code was not run; see the module docstring)")
    print(f"\nlargest difference overall: {worst:.3g} ({'within' if worst <= TARGET else 'ABOVE'} {TARGET:g})")
    if args.accuracy:
        accuracy(paths, X)


if __name__ == "__main__":
    main()
