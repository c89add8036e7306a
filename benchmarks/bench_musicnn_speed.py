"""Where MusicnnEmbedding spends its time, per 30 s clip, and what batching and bfloat16 would change.

    python benchmarks/bench_musicnn_speed.py                           # 20 dev clips, TF threads 1 and 2
    python benchmarks/bench_musicnn_speed.py --clips 40 --bf16         # + bfloat16 speed and differences
    python benchmarks/bench_musicnn_speed.py --bf16 --bf16-accuracy --cache /work/scratch/musicnn
                                                                       # + train->valid accuracy, bf16 vs f32

What it measures, on the FLAC development clips ``../shared/data/gtzan_dev`` (train/valid tracks of the
artist-filtered split only; a test track would be dropped):

1. **FLOPs**: the multiply-adds of every Conv/Dense layer of ``build_musicnn()`` for one 3 s patch (187 x 96),
   counted from the layer shapes; GFLOP = 2 x multiply-adds. Achieved GFLOP/s below use this figure.
2. **Stages per clip**, in a fresh process per TensorFlow intra-op thread count (``--threads``, default 2 and 1;
   set by ``TF_NUM_INTRAOP_THREADS`` before TensorFlow starts) and oneDNN setting (``--onednn``: the
   ``TF_ENABLE_ONEDNN_OPTS`` of the process; unset, TensorFlow turns oneDNN on only on CPUs with AVX512_VNNI,
   AVX512_BF16 or AMX, so on AVX2 machines it runs its Eigen kernels): decoding + resampling to 16 kHz
   (``load_audio``) and log-mel patches (``musicnn_patches``), both under one BLAS thread as ``transform`` runs
   them, and the network (one call per clip of its 10 patches, as ``MusicnnEmbedding`` does), in wall and CPU
   seconds (CPU time of all the process's threads: on a busy machine, GFLOP per CPU-second says what the code
   achieves, wall GFLOP/s what a user waits). Medians over the clips, after one warm-up clip.
3. **End to end**: ``MusicnnEmbedding().transform(paths)`` with ``n_jobs=1`` (and ``n_jobs=2``: two loky
   workers, each with the same TF thread count), after a warm-up; and the network alone inside genreclf's
   one-BLAS-thread context (``_one_thread``), which ``transform`` uses around every clip.
4. **Batching**: the network on ``--batch-patches`` (256) of the clips' patches (repeated if fewer) cut into
   calls of 10 (one clip), 32, 64, 128 patches; wall and CPU ms per patch, GFLOP/s, and the ``tf.function``'s
   tracing count before and after (its fixed input signature ``[None, 187, 96]`` should trace once for every
   batch size). Also one eager call for comparison.
5. ``--bf16``: the network rebuilt under the Keras policy ``mixed_bfloat16`` (bf16 compute, float32 weights)
   and under ``bfloat16`` (weights cast too): time per patch at batch 10 and 64, and the largest absolute
   difference of each output vs float32 on the same patches (the CPU's bf16 flags are printed: without
   AVX512_BF16 or AMX, bf16 arithmetic is emulated). ``--bf16-accuracy``: the bf16 (mixed) per-patch
   outputs of every train/valid development clip (as ``bench_musicnn_layers.py`` computes them in float32;
   its ``--cache`` is reused) and train -> valid accuracy of a few configurations, bf16 vs float32.

The machine may be shared: the load average is printed with every timing. Writes nothing except the optional
cache (never inside the repository).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
BATCHES = (10, 32, 64, 128)


def load():
    return os.getloadavg()[0]


def dev_flac(shared, n):
    from genreclf.datasets import gtzan_split, track_id

    ok = {t for s in ("train", "valid") for t in gtzan_split("filtered")[s]}
    paths = [str(p) for p in sorted((shared / "data" / "gtzan_dev").glob("*/*.flac")) if track_id(p) in ok]
    if not paths:
        sys.exit(f"no FLAC clips under {shared / 'data' / 'gtzan_dev'}: pass --shared")
    # spread over the genres: every k-th clip of the sorted list
    step = max(1, len(paths) // n)
    return paths[::step][:n]


def count_flops():
    """(multiply-adds per patch, {layer: multiply-adds}) of the Conv/Dense layers of build_musicnn()."""
    import keras

    from genreclf.models.musicnn_network import build_musicnn

    net = build_musicnn()
    macs = {}
    for layer in net.layers:
        if isinstance(layer, (keras.layers.Conv1D, keras.layers.Conv2D)):
            out = np.prod(layer.output.shape[1:])  # positions x filters
            k = np.prod(layer.kernel.shape[:-1])  # kernel positions x input channels
            macs[layer.name] = int(out * k)
        elif isinstance(layer, keras.layers.Dense):
            macs[layer.name] = int(np.prod(layer.kernel.shape))
    return sum(macs.values()), macs


# -- measurements inside one process (one TF thread count) -----------------------------------------------
LAST_CPU = [0.0]  # CPU seconds (all threads of this process) of the last timed() call


def timed(fn, *args, **kwargs):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    LAST_CPU[0] = time.process_time() - c
    return out, time.perf_counter() - t


def measure(paths, gflop, with_parallel, n_batch=256):
    import tensorflow as tf

    from genreclf.audio import load_audio
    from genreclf.features.base import _one_thread
    from genreclf.features.musicnn import MusicnnEmbedding, _network, musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR

    res = {"threads": tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count(),
           "env_threads": os.environ.get("TF_NUM_INTRAOP_THREADS")}
    _, build = timed(_network, "MSD_musicnn")
    net, run = _network("MSD_musicnn")
    res["build_s"] = build
    # warm-up (first trace, librosa's first call)
    y, _ = load_audio(paths[0], sr=MUSICNN_SR)
    _, res["first_call_s"] = timed(lambda p: [o.numpy() for o in run(p)], musicnn_patches(y))

    dec, mel, nn, nn_cpu, nn_one, all_patches = [], [], [], [], [], []
    for p in paths:
        with _one_thread():  # as transform() runs every clip: one BLAS thread for librosa's mel projection
            (y, _), t = timed(load_audio, p, sr=MUSICNN_SR)
            dec.append(t)
            patches, t = timed(musicnn_patches, y)
            mel.append(t)
        all_patches.append(patches)
        _, t = timed(lambda x: [o.numpy() for o in run(x)], patches)
        nn.append(t)
        nn_cpu.append(LAST_CPU[0])
        with _one_thread():
            _, t = timed(lambda x: [o.numpy() for o in run(x)], patches)
        nn_one.append(t)
    n_patches = int(np.median([len(a) for a in all_patches]))
    res["probe"] = np.concatenate([o.numpy().mean(0) for o in run(all_patches[0])]).tolist()  # clip 1, 4 layers
    res.update(decode_s=float(np.median(dec)), logmel_s=float(np.median(mel)), network_s=float(np.median(nn)), network_cpu_s=float(np.median(nn_cpu)),
               network_one_thread_s=float(np.median(nn_one)), patches_per_clip=n_patches, load_stages=load())

    # end to end, the public transformer (after a warm-up clip)
    MusicnnEmbedding(n_jobs=1).transform(paths[:1])
    _, t = timed(MusicnnEmbedding(n_jobs=1).transform, paths)
    res["e2e_njobs1_s"] = t / len(paths)
    res["load_e2e1"] = load()
    if with_parallel:
        MusicnnEmbedding(n_jobs=2).transform(paths[:2])  # start the workers, build their networks
        _, t = timed(MusicnnEmbedding(n_jobs=2).transform, paths)
        res["e2e_njobs2_s"] = t / len(paths)
        res["load_e2e2"] = load()

    # batching: all patches of all clips, in calls of b patches
    X = np.concatenate(all_patches)
    n_batch = max(n_batch, max(BATCHES))
    X = np.concatenate([X] * -(-n_batch // len(X)))[:n_batch]  # repeated if fewer: 256 = 2 calls of 128
    traces0 = run.experimental_get_tracing_count()
    batching, batching_cpu = {}, {}
    for b in BATCHES:
        [o.numpy() for o in run(X[:b])]  # warm-up at this size
        best = best_cpu = np.inf
        for _ in range(2):
            t, c = time.perf_counter(), time.process_time()
            for i in range(0, len(X) - b + 1, b):  # full batches only
                [o.numpy() for o in run(X[i:i + b])]
            best = min(best, (time.perf_counter() - t) / ((len(X) // b) * b))
            best_cpu = min(best_cpu, (time.process_time() - c) / ((len(X) // b) * b))
        batching[b], batching_cpu[b] = best, best_cpu
    res["batching_ms_per_patch"] = {str(b): 1000 * v for b, v in batching.items()}
    res["batching_cpu_ms_per_patch"] = {str(b): 1000 * v for b, v in batching_cpu.items()}
    res["traces_before_after"] = [traces0, run.experimental_get_tracing_count()]
    res["n_patches_batching"] = int(len(X))
    _, t = timed(lambda x: [o.numpy() for o in net(x, training=False)], X[:10])
    _, t = timed(lambda x: [o.numpy() for o in net(x, training=False)], X[:10])
    res["eager_ms_per_patch_b10"] = 1000 * t / 10
    res["load_batching"] = load()
    res["gflop_per_patch"] = gflop
    return res


# -- bfloat16 ---------------------------------------------------------------------------------------------
def _net_under(policy, model="MSD_musicnn"):
    import keras
    import tensorflow as tf

    from genreclf.models.musicnn_network import N_FRAMES, N_MELS, load_musicnn

    keras.mixed_precision.set_global_policy(policy)
    try:
        net = load_musicnn(model)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    spec = tf.TensorSpec([None, N_FRAMES, N_MELS], tf.float32)
    run = tf.function(lambda x: [tf.cast(o, tf.float32) for o in net(x, training=False)], input_signature=[spec])
    return run


def bf16_speed_and_diff(paths):
    from genreclf.audio import load_audio
    from genreclf.features.musicnn import musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_LAYERS, MUSICNN_SR

    X = np.concatenate([musicnn_patches(load_audio(p, sr=MUSICNN_SR)[0]) for p in paths])
    runs = {"float32": _net_under("float32"), "mixed_bfloat16": _net_under("mixed_bfloat16"),
            "bfloat16": _net_under("bfloat16")}
    outs, times, cpu = {}, {}, {}
    for name, run in runs.items():
        outs[name] = [np.concatenate(parts) for parts in zip(*[[o.numpy() for o in run(X[i:i + 64])]
                                                               for i in range(0, len(X), 64)])]
        T = np.concatenate([X] * -(-128 // len(X)))[:128]  # 128 patches, repeated if fewer
        for b in (10, 64):
            [o.numpy() for o in run(T[:b])]
            n = (len(T) // b) * b
            t, c = time.perf_counter(), time.process_time()
            for i in range(0, n, b):
                [o.numpy() for o in run(T[i:i + b])]
            times[(name, b)] = (time.perf_counter() - t) / n
            cpu[(name, b)] = (time.process_time() - c) / n
    res = {"n_patches": int(len(X)), "ms_per_patch": {f"{k[0]}@{k[1]}": 1000 * v for k, v in times.items()},
           "cpu_ms_per_patch": {f"{k[0]}@{k[1]}": 1000 * v for k, v in cpu.items()},
           "diff": {}, "load": load()}
    for name in ("mixed_bfloat16", "bfloat16"):
        for layer, a, b in zip(MUSICNN_LAYERS, outs[name], outs["float32"]):
            clip_a = a.reshape(len(paths), -1, a.shape[-1]).mean(1)  # per-clip means (10 patches per clip)
            clip_b = b.reshape(len(paths), -1, b.shape[-1]).mean(1)
            res["diff"][f"{name}/{layer}"] = dict(patch_max=float(np.abs(a - b).max()),
                                                  clip_mean_max=float(np.abs(clip_a - clip_b).max()),
                                                  scale=float(np.abs(b).max()),
                                                  rel_rms=float(np.sqrt(np.mean((a - b) ** 2) / np.mean(b ** 2))))
    return res


def bf16_accuracy(shared, cache):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_musicnn_layers as layers_bench

    from genreclf.audio import load_audio
    from genreclf.features.musicnn import musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR

    paths, tracks, genres, side = layers_bench.dev_clips(shared)
    f32 = layers_bench.per_patch_outputs(paths, tracks, "MSD_musicnn", cache)
    stored = {}
    cache_file = Path(cache) / "perpatch_MSD_musicnn_mixed_bfloat16.npz" if cache else None
    if cache_file is not None and cache_file.exists():
        with np.load(cache_file) as f:
            stored = {k: f[k] for k in f.files}
    missing = [i for i, t in enumerate(tracks) if f"{t}/taggram" not in stored]
    if missing:
        run = _net_under("mixed_bfloat16")
        for i in missing:
            for layer, out in zip(layers_bench.LAYERS, run(musicnn_patches(load_audio(paths[i], sr=MUSICNN_SR)[0]))):
                stored[f"{tracks[i]}/{layer}"] = out.numpy()
        if cache_file is not None:
            tmp = cache_file.with_name(cache_file.stem + ".tmp.npz")
            np.savez(tmp, **stored)
            os.replace(tmp, cache_file)
    bf16 = {layer: [stored[f"{t}/{layer}"] for t in tracks] for layer in layers_bench.LAYERS}
    tr, va = side == "train", side == "valid"
    clf, param, grid = layers_bench.classifiers(False)["logreg"]
    rows = []
    for layer_set, summary in (("penultimate", "mean"), ("mean_pool", "mean"), ("max_pool", "mean"),
                               ("mean_pool+max_pool", "mean"), ("mean_pool+max_pool", "mean_std")):
        row = [layer_set, summary]
        for outs in (f32, bf16):
            X = layers_bench.features(outs, layer_set, summary)
            pred, _ = layers_bench.fit_predict(clf, param, grid, X[tr], genres[tr], X[va])
            row.append(float(np.mean(pred == genres[va])))
            row.append(pred)
        row.append(int(np.sum(row[3] != row[5])))
        rows.append(row)
    max_diff = max(float(np.abs(a - b).max()) for layer in layers_bench.LAYERS for a, b in zip(f32[layer], bf16[layer]))
    return rows, int(va.sum()), max_diff


# -- driver -------------------------------------------------------------------------------------------------
def worker(args):
    paths = dev_flac(Path(args.shared), args.clips)
    gflop = 2 * count_flops()[0] / 1e9
    print("RESULT " + json.dumps({"measure": measure(paths, gflop, not args.no_parallel, args.batch_patches)}), flush=True)
    if args.bf16:
        print("RESULT " + json.dumps({"bf16": bf16_speed_and_diff(paths[:args.bf16_clips])}), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("GENRECLF_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--clips", type=int, default=20, help="development clips timed (spread over genres)")
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1], help="TF intra-op thread counts")
    parser.add_argument("--onednn", nargs="+", default=["default", "1"], choices=["default", "0", "1"],
                        help="TF_ENABLE_ONEDNN_OPTS of the workers ('default': unset; TensorFlow then enables "
                             "oneDNN only on CPUs with AVX512_VNNI/BF16 or AMX)")
    parser.add_argument("--no-parallel", action="store_true", help="skip the n_jobs=2 end-to-end timing")
    parser.add_argument("--bf16", action="store_true", help="also time bfloat16 inference (in the processes of "
                                                            "the first thread count) and compare its outputs")
    parser.add_argument("--bf16-clips", type=int, default=8)
    parser.add_argument("--batch-patches", type=int, default=256, help="patches timed per batch size")
    parser.add_argument("--bf16-accuracy", action="store_true", help="train->valid accuracy, bf16 vs float32")
    parser.add_argument("--cache", default=None, help="per-patch output cache folder (outside the repo)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cache and Path(args.cache).resolve().is_relative_to(REPO):
        sys.exit("--cache must be outside the repository")
    if args.worker:
        return worker(args)

    macs, per_layer = count_flops()
    print("FLOPs of one 3 s patch (187 x 96), Conv/Dense multiply-adds of build_musicnn():")
    for name, m in per_layer.items():
        print(f"  {name:20s} {m / 1e6:9.1f} M MACs")
    gflop = 2 * macs / 1e9
    print(f"  {'total':20s} {macs / 1e6:9.1f} M MACs = {gflop:.2f} GFLOP per patch, {10 * gflop:.1f} GFLOP per 30 s "
          "clip (10 patches)")

    results = {}
    for onednn in args.onednn:
        for i, n in enumerate(args.threads):
            label = f"thr={n} dnn={'dflt' if onednn == 'default' else onednn}"
            env = dict(os.environ, TF_NUM_INTRAOP_THREADS=str(n), TF_NUM_INTEROP_THREADS="1",
                       PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
            env.pop("TF_ENABLE_ONEDNN_OPTS", None)
            if onednn != "default":
                env["TF_ENABLE_ONEDNN_OPTS"] = onednn
            cmd = [sys.executable, __file__, "--worker", "--shared", args.shared, "--clips", str(args.clips),
                   "--bf16-clips", str(args.bf16_clips), "--batch-patches", str(args.batch_patches)]
            if args.no_parallel:
                cmd.append("--no-parallel")
            if args.bf16 and i == 0:
                cmd.append("--bf16")
            t = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            results[label] = {}
            for line in proc.stdout.splitlines():
                if line.startswith("RESULT "):
                    results[label].update(json.loads(line[7:]))
            if proc.returncode or "measure" not in results[label]:
                print(f"worker {label} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
                if "measure" not in results[label]:
                    sys.exit(1)
            print(f"  ({label}: measured in {time.perf_counter() - t:.0f} s)", flush=True)
    labels = list(results)
    ms = {k: v["measure"] for k, v in results.items()}

    def row(title, values, fmt="10.3f"):
        print(f"  {title:24s}" + "".join(f"{v:{fmt}}" if v is not None else f"{'-':>10s}" for v in values))

    print(f"\nper 30 s clip (median over {args.clips} FLAC dev clips; seconds; one network call per clip of "
          f"{ms[labels[0]]['patches_per_clip']} patches). thr = TF intra-op threads, dnn = TF_ENABLE_ONEDNN_OPTS:")
    print(f"  {'':24s}" + "".join(f"{k[:10]:>10s}" for k in labels))
    print(f"  {'':24s}" + "".join(f"{k[6:]:>10s}" for k in labels))
    for title, key in (("decode + resample", "decode_s"), ("log-mel patches", "logmel_s"),
                       ("network", "network_s"), ("network, CPU s", "network_cpu_s"),
                       ("network in _one_thread", "network_one_thread_s"), ("transform, n_jobs=1", "e2e_njobs1_s"),
                       ("transform, n_jobs=2", "e2e_njobs2_s")):
        row(title, [ms[k].get(key) for k in labels])
    row("network GFLOP/s (wall)", [10 * gflop / ms[k]["network_s"] for k in labels], "10.1f")
    row("GFLOP per CPU-second", [10 * gflop / ms[k]["network_cpu_s"] for k in labels], "10.1f")
    row("clips/s, n_jobs=1", [1 / ms[k]["e2e_njobs1_s"] for k in labels], "10.2f")
    if not args.no_parallel:
        row("clips/s, n_jobs=2", [1 / ms[k]["e2e_njobs2_s"] for k in labels], "10.2f")
    row("model build (once) s", [ms[k]["build_s"] for k in labels], "10.2f")
    row("first call (trace) s", [ms[k]["first_call_s"] for k in labels], "10.2f")
    row("load avg (stages/e2e)", [ms[k]["load_stages"] for k in labels], "10.1f")
    ref = np.array(ms[labels[0]]["probe"])
    row("max |diff| vs 1st col", [float(np.abs(np.array(ms[k]["probe"]) - ref).max()) for k in labels], "10.2g")

    print(f"\nbatching: network only, {ms[labels[0]]['n_patches_batching']} patches in calls of b patches: wall ms "
          "per patch, wall GFLOP/s, CPU ms per patch, GFLOP per CPU-second")
    print(f"  {'b':>5s}" + "".join(f"{k:>36s}" for k in labels))
    for b in BATCHES:
        cells = []
        for k in labels:
            w, c = ms[k]["batching_ms_per_patch"][str(b)], ms[k]["batching_cpu_ms_per_patch"][str(b)]
            cells.append(f"{w:6.1f} {gflop / w * 1000:5.1f} | {c:6.1f} {gflop / c * 1000:5.1f}")
        print(f"  {b:5d}" + "".join(f"{c:>36s}" for c in cells))
    for k in labels:
        m = ms[k]
        print(f"  {k}: eager call (no tf.function), b=10: {m['eager_ms_per_patch_b10']:.1f} ms per patch; "
              f"tf.function tracings before/after all batch sizes: {m['traces_before_after']} "
              f"(load {m['load_batching']:.1f})")

    flags = set(open("/proc/cpuinfo").read().split()) if os.path.exists("/proc/cpuinfo") else set()
    print("\nCPU flags: " + ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in
                                      ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16",
                                       "avx_vnni")))
    for k in labels:
        bf = results[k].get("bf16")
        if not bf:
            continue
        print(f"bfloat16, {k} (128 patches; load {bf['load']:.1f}): wall ms per patch (speed-up vs float32), "
              "CPU ms per patch (speed-up)")
        for b in (10, 64):
            base, base_cpu = bf["ms_per_patch"][f"float32@{b}"], bf["cpu_ms_per_patch"][f"float32@{b}"]
            print(f"  b={b:3d}: " + "; ".join(
                f"{p} {bf['ms_per_patch'][f'{p}@{b}']:.1f} ({base / bf['ms_per_patch'][f'{p}@{b}']:.2f}x), "
                f"cpu {bf['cpu_ms_per_patch'][f'{p}@{b}']:.1f} ({base_cpu / bf['cpu_ms_per_patch'][f'{p}@{b}']:.2f}x)"
                for p in ("float32", "mixed_bfloat16", "bfloat16")))
        print(f"  largest |difference| vs float32 on the {bf['n_patches']} patches of {args.bf16_clips} clips: per "
              "patch; of the per-clip means; the layer's largest |value|; relative RMS")
        for name, d in bf["diff"].items():
            print(f"    {name:28s} {d['patch_max']:9.3g} {d['clip_mean_max']:9.3g}   scale {d['scale']:8.3g}   "
                  f"rel. RMS {d['rel_rms']:.2g}")
    if args.bf16_accuracy:
        rows, n_valid, max_diff = bf16_accuracy(Path(args.shared), args.cache)
        print(f"\ntrain -> valid accuracy (logreg, C by inner CV), float32 vs mixed_bfloat16 embeddings "
              f"({n_valid} valid clips; largest per-patch |diff| over all clips and layers {max_diff:.3g}):")
        for layer_set, summary, a32, _, a16, _, changed in rows:
            print(f"  {layer_set:22s} {summary:9s} float32 {100 * a32:5.1f}%   bf16 {100 * a16:5.1f}%   "
                  f"({changed} valid predictions differ)")


if __name__ == "__main__":
    main()
