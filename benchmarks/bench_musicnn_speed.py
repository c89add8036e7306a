"""How fast MusicnnEmbedding and ``genreclf benchmark --features gtzan,musicnn`` run on the development clips.

    python benchmarks/bench_musicnn_speed.py --reference-python REF_VENV/bin/python          # everything
    python benchmarks/bench_musicnn_speed.py --reference-python REF_VENV/bin/python --skip-fit-1000
    python benchmarks/bench_musicnn_speed.py --skip-cli                              # (a) to (a3), a few minutes
    python benchmarks/bench_musicnn_speed.py --skip-paired --unreduced               # (d) also without WideTablePCA

(everything: about 25 minutes on 2 quiet cores, half of it (d)'s fits on 1000 rows; 10 without them).
``REF_VENV`` is an environment that runs the original musicnn 0.1.0 code (see
``../shared/bench/musicnn_reference.py`` and ``bench_musicnn.py --reference-python``); without it that line is
skipped. On the 145 readable development clips of
``../shared/data`` (``gtzan_dev`` FLAC and ``gtzan_subset`` WAV; timing only: no choice is made here, so every
clip is used whatever its side of the split):

(a) **Compute rate, from Python.** The FLOPs of one 3 s patch are counted from the shapes of the shipped weights
    (multiply-adds of every convolution and dense layer; GFLOP = 2 x multiply-adds). ``MusicnnEmbedding()
    .transform`` of every clip (after the once-per-process preparation of the weights and a warm-up clip, both
    timed apart) gives seconds per clip and achieved GFLOP/s (per wall second, what a user waits, and per
    CPU-second of the process's threads, what the code achieves whatever else the machine runs); then again with
    ``n_jobs=2`` (clips in two joblib worker processes, one network thread each). On
    ``--stage-clips`` clips: decoding + resampling and the log-mel patches (medians per clip), and the network
    alone (``musicnn_forward``, NumPy), called once per clip (10 patches, as ``transform`` does) and in batches of
    64 patches across clips. This process never imports TensorFlow. With ``--reference-python``, the original
    code on ``--reference-clips`` clips and ours on the same clips, in the same run
    (``bench_musicnn.run_reference`` and ``time_ours``).
(a2) **NumPy against TensorFlow, paired**: the network alone on the patches of 8 clips, in calls of 10 patches
    (one clip), best of 3 calls, in a fresh process for each of: genreclf's NumPy forward pass, and its Keras
    rebuild run by TensorFlow with ``TF_ENABLE_ONEDNN_OPTS`` unset, ``0`` and ``1`` (unset, TensorFlow enables
    oneDNN only on CPUs with AVX512_VNNI, AVX512_BF16 or AMX; the ``genreclf`` command used to set ``1``). The four
    run in turn, ``--rounds`` times (A B C D A B C D ...), so each round compares them under the same machine
    load: GFLOP/s min / median / max over the rounds, NumPy's speed over each TensorFlow setting's round by
    round, and the largest difference of the outputs.
(a3) **Each feature set** (``gtzan``, ``musicnn``, ``mfcc``), extracted from ``--stage-clips`` clips as
    ``benchmark(features=...)`` does (``extract_feature_sets``, ``n_jobs=-1``), after two clips that pay the
    one-off start-up (worker processes, numba kernels, the network's build): seconds per clip.
(b) **The command, cold.** ``genreclf benchmark --data CLIPS --features gtzan,musicnn --protocol both --cv 5``
    (5 folds: the clips hold 9 reggae clips, fewer than the default 10) in a fresh process, on a temporary
    folder of links ``genre/clip`` and with ``GENRECLF_DATA`` set to an empty temporary data home, so the
    feature cache (``<data home>/cache``) starts empty (the program runs musicnn in NumPy, as the library does in
    (a) to (a3), which time it in this process).
(c) **The same command, warm**: run again at once; its wall time as a fraction of (b)'s. The warm run extracts
    nothing and fits nothing (the fold results are read back from the same cache), so (c) is start-up, cache
    reads and the leaderboard.
(c2) **Features warm, fits cold**: the fold results removed from the cache, the command once more: start-up,
    cache reads and model fitting. Extraction costs about (b) - (c2), fitting about (c2) - (c).
(d) **Extrapolated to 1000 GTZAN clips**: extraction scales with the clips, at (b) - (c2) per clip, and so does
    the warm run, at (c) per clip (its start-up too: an overestimate); model fitting does not, so it is measured
    on 1000 rows: the CLI's default models under both protocols (``benchmark`` with ``n_jobs=-1``, nested
    tuning) on the bundled 30 s table (the 57 GTZAN columns of the 1000 tracks) and on a stand-in musicnn table
    of the same 1000 tracks (each row: the cached embedding of a development clip of the same genre plus noise of
    0.1 standard deviation per column: the real width, not real accuracy), and on its 200 columns of the earlier
    default (``layer="penultimate", summary="mean"``) for comparison. Before them, the ``svc`` baseline on the
    stand-in, fitted through :class:`~genreclf.baselines.RBFSVC` (its kernel matrix by BLAS, as the baseline is)
    and through scikit-learn's ``SVC`` (libsvm's own kernel), in the same run.
(e) ``--bf16``: the network rebuilt under Keras' ``mixed_bfloat16`` policy: time per patch against float32 (64
    patches) and the largest difference of the outputs. Whether the CPU has native bfloat16 (AVX512_BF16, AMX)
    is printed: without it TensorFlow emulates bfloat16.

The machine may be shared: every timing is printed with the load average (``os.getloadavg()``). Writes only
temporary folders, removed at the end.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load():
    return f"load {os.getloadavg()[0]:.1f}"


def machine():
    """The CPU, its vector instruction sets and the BLAS NumPy uses: what the figures below depend on."""
    from threadpoolctl import threadpool_info

    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = sorted({f for f in info.split() if f.startswith("avx") or f in ("fma", "amx_bf16", "amx_tile")})
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')} kernels, {i['num_threads']} threads)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    return (f"CPU: {model}, {os.cpu_count()} CPUs, flags {' '.join(flags) or '?'}; NumPy {np.__version__} with "
            f"{', '.join(blas) or 'no BLAS found'}; {load()}")


def dev_clips(shared):
    """The readable development clips (gtzan_dev FLAC + gtzan_subset WAV without the corrupt jazz.00054)."""
    data = shared / "data"
    paths = sorted(data.glob("gtzan_dev/*/*.flac")) + sorted(
        p for p in data.glob("gtzan_subset/*/*.wav") if p.name != "jazz.00054.wav")
    if not paths:
        sys.exit(f"no clips under {data}: pass --shared")
    return [str(p) for p in paths]


def count_flops():
    """(multiply-adds per 3 s patch, {layer: multiply-adds}) of the convolutions and dense layers, from the shapes
    of the shipped weights (no Keras): a convolution costs (output positions) x (its kernel's size)."""
    from genreclf.models.musicnn_network import N_FRAMES, N_MELS, musicnn_weights

    macs = {}
    for name, values in musicnn_weights("MSD_musicnn").items():
        kernel = values[0]
        if name.startswith("timbral_") and name.endswith("_conv"):  # 'valid' over the bands, 'same' in time
            macs[name] = N_FRAMES * (N_MELS - kernel.shape[1] + 1) * kernel.size
        elif name.startswith("temporal_") and name.endswith("_conv"):  # 'same' in time, every band
            macs[name] = N_FRAMES * N_MELS * kernel.size
        elif name.startswith("midend_") and name.endswith("_conv"):  # 'same' in time
            macs[name] = N_FRAMES * kernel.size
        elif name in ("penultimate_dense", "logits"):
            macs[name] = kernel.size
    return sum(macs.values()), macs


def n_patches(path):
    """Full 3 s patches of a clip at 16 kHz, as musicnn_patches(tail="drop") cuts them, from the header only."""
    import soundfile as sf

    from genreclf.models.musicnn_network import MUSICNN_HOP_LENGTH, MUSICNN_SR, N_FRAMES

    info = sf.info(path)
    samples = int(np.ceil(info.frames * MUSICNN_SR / info.samplerate))
    return (1 + samples // MUSICNN_HOP_LENGTH) // N_FRAMES


# -- (a) compute rate --------------------------------------------------------------------------------------
def compute_rate(paths, gflop, stage_clips):
    import genreclf.models.musicnn_network as mn
    from genreclf.audio import load_audio
    from genreclf.features.base import _one_thread
    from genreclf.features.musicnn import MusicnnEmbedding, musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR, musicnn_forward

    mn._FORWARD.clear()
    t = time.perf_counter()
    mn._numpy_network("MSD_musicnn", np.float32)
    build = time.perf_counter() - t
    emb = MusicnnEmbedding()
    t = time.perf_counter()
    emb.transform(paths[:1])  # the threads' work arrays are allocated on the first call
    first = time.perf_counter() - t
    patches = sum(n_patches(p) for p in paths)
    t, cpu = time.perf_counter(), time.process_time()
    emb.transform(paths)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"\n(a) MusicnnEmbedding().transform of {len(paths)} clips ({patches} patches, {patches * gflop:.0f} GFLOP; "
          f"network on {mn._threads(None)} threads): {wall:.1f} s = {wall / len(paths):.3f} s per clip, "
          f"{patches * gflop / wall:.0f} GFLOP/s end to end ({load()}); {cpu / len(paths):.3f} CPU s per clip (all "
          f"threads), {patches * gflop / cpu:.0f} GFLOP per CPU-second; weights prepared in {build:.2f} s and first "
          f"call {first:.2f} s, once per process", flush=True)
    # the same with clips in joblib's worker processes (one network thread each there), after their start-up
    workers = MusicnnEmbedding(n_jobs=2)
    t = time.perf_counter()
    workers.transform(paths[:2])
    start = time.perf_counter() - t
    t = time.perf_counter()
    workers.transform(paths)
    wall2 = time.perf_counter() - t
    print(f"    with n_jobs=2 (two worker processes, one network thread each): {wall2 / len(paths):.3f} s per clip, "
          f"{patches * gflop / wall2:.0f} GFLOP/s end to end, after {start:.1f} s for the first 2 clips, which start "
          f"the workers ({load()})", flush=True)

    dec, mel, per_clip = [], [], []
    for p in paths[:stage_clips]:
        with _one_thread():  # as transform() runs a clip
            t = time.perf_counter()
            y, _ = load_audio(p, sr=MUSICNN_SR)
            t1 = time.perf_counter()
            per_clip.append(musicnn_patches(y))
            t2 = time.perf_counter()
        dec.append(t1 - t)
        mel.append(t2 - t1)
    X = np.concatenate(per_clip)
    t, c = time.perf_counter(), time.process_time()
    for x in per_clip:
        musicnn_forward(x)
    one_call, one_cpu = time.perf_counter() - t, time.process_time() - c
    batch = min(64, len(X))
    full = (len(X) // batch) * batch
    t = time.perf_counter()
    for i in range(0, full, batch):
        musicnn_forward(X[i:i + batch])
    batched = time.perf_counter() - t
    print(f"    stages on {len(per_clip)} clips ({len(X)} patches; {load()}): decode + resample "
          f"{np.median(dec):.3f} s, log-mel patches {np.median(mel):.3f} s per clip (medians); network "
          f"{one_call / len(per_clip):.3f} s per clip = {len(X) * gflop / one_call:.0f} GFLOP/s in one call per clip "
          f"({len(X) * gflop / one_cpu:.0f} GFLOP per CPU-second), {full * gflop / batched:.0f} GFLOP/s in batches of "
          f"{batch} patches across clips", flush=True)
    print("    TensorFlow was " + ("imported" if "tensorflow" in sys.modules else "not imported") + " by this process")


def set_costs(paths, n):
    """Seconds per clip of each named feature set, extracted as benchmark(features=...) does (n_jobs=-1)."""
    from genreclf.features.sets import FEATURE_SETS, extract_feature_sets, make_feature_sets

    warm, timed = paths[:2], paths[2:2 + n]
    costs = {}
    for name in FEATURE_SETS:
        sets = make_feature_sets(name)
        t = time.perf_counter()
        extract_feature_sets(warm, sets, n_jobs=-1)  # workers started, kernels compiled, the network built
        first = time.perf_counter() - t
        t = time.perf_counter()
        extract_feature_sets(timed, sets, n_jobs=-1)
        costs[name] = (time.perf_counter() - t) / len(timed)
        print(f"    {name:8s} {costs[name]:6.2f} s per clip ({len(timed)} clips, after {first:.1f} s for the first "
              f"{len(warm)}, which pay the one-off start-up; {load()})", flush=True)
    return costs


def reference_rate(python, paths, shared, gflop):
    from bench_musicnn import run_reference, time_ours

    _, steps, total, first = run_reference(python, paths, "all", shared)
    ref = float(np.median(steps))
    _, wall = time_ours(paths, rebuild=False)
    ours = wall / len(paths)
    per_clip = np.mean([n_patches(p) for p in paths]) * gflop
    print(f"    reference, musicnn 0.1.0 (all patches of a clip in one batch) on {len(paths)} clips: {ref:.2f} s per "
          f"clip after the first (median; {total:.0f} s in all, {first:.0f} s of start-up and first clip) = "
          f"{per_clip / ref:.0f} GFLOP/s; ours on the same clips {ours:.3f} s per clip = {per_clip / ours:.0f} "
          f"GFLOP/s: {ref / ours:.1f}x ({load()})", flush=True)


def network_worker(kind, out, paths):
    """In a fresh process: the network alone on the clips' patches, in calls of 10; best of 3; outputs saved.

    ``kind``: ``"numpy"`` (musicnn_forward) or ``"tensorflow"`` (the Keras rebuild in a tf.function, as
    MusicnnEmbedding ran it before).
    """
    import json

    from genreclf.audio import load_audio
    from genreclf.features.base import _one_thread
    from genreclf.features.musicnn import musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR, N_FRAMES, N_MELS, load_musicnn, musicnn_forward

    with _one_thread():
        X = np.concatenate([musicnn_patches(load_audio(p, sr=MUSICNN_SR)[0]) for p in paths])
    if kind == "numpy":
        def run(x):
            return musicnn_forward(x)
    else:
        import tensorflow as tf

        net = load_musicnn("MSD_musicnn")
        spec = tf.TensorSpec([None, N_FRAMES, N_MELS], tf.float32)
        call = tf.function(lambda x: net(x, training=False), input_signature=[spec], reduce_retracing=True)

        def run(x):
            return [o.numpy() for o in call(x)]
    run(X[:10])  # trace / allocate
    best = (np.inf, np.inf)
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        outputs = [run(X[i:i + 10]) for i in range(0, len(X), 10)]
        best = min(best, (time.perf_counter() - t, time.process_time() - c))
    np.savez(out, *[np.concatenate(parts) for parts in zip(*outputs)])
    print(json.dumps({"patches": len(X), "wall": best[0], "cpu": best[1], "load": os.getloadavg()[0],
                      "tensorflow": "tensorflow" in sys.modules}))


SETTINGS = (("numpy", None), ("tensorflow", "unset"), ("tensorflow", "0"), ("tensorflow", "1"))


def paired(paths, gflop, rounds):
    """The network alone, NumPy and TensorFlow under each TF_ENABLE_ONEDNN_OPTS, a fresh process each, in turn."""
    import json

    runs = {setting: [] for setting in SETTINGS}
    outputs = {}
    with tempfile.TemporaryDirectory(prefix="genreclf_paired_") as tmp:
        for _ in range(rounds):
            for kind, onednn in SETTINGS:
                env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
                env.pop("TF_ENABLE_ONEDNN_OPTS", None)
                if onednn not in (None, "unset"):
                    env["TF_ENABLE_ONEDNN_OPTS"] = onednn
                out = os.path.join(tmp, f"{kind}-{onednn}.npz")
                proc = subprocess.run([sys.executable, __file__, "--network-worker", kind, out, *paths], env=env,
                                      capture_output=True, text=True)
                if proc.returncode:
                    sys.exit(f"network worker failed:\n{proc.stderr[-3000:]}")
                runs[kind, onednn].append(json.loads(proc.stdout.strip().splitlines()[-1]))
                with np.load(out) as f:
                    outputs[kind, onednn] = [f[k] for k in f.files]
    n = runs[SETTINGS[0]][0]["patches"]
    print(f"\n(a2) the network alone on {n} patches in calls of 10 (best of 3 calls), a fresh process per setting, the "
          f"four in turn, {rounds} rounds\n    (TF_ENABLE_ONEDNN_OPTS unset: TensorFlow turns oneDNN on only on CPUs "
          "with AVX512_VNNI, AVX512_BF16 or AMX); GFLOP/s min / median / max over the rounds:")
    base = outputs["tensorflow", "unset"]
    ours = [n * gflop / r["wall"] for r in runs["numpy", None]]
    for setting in SETTINGS:
        rates = [n * gflop / r["wall"] for r in runs[setting]]
        cpu = np.median([n * gflop / r["cpu"] for r in runs[setting]])
        loads = [r["load"] for r in runs[setting]]
        diff = max(float(np.abs(a - b).max()) for a, b in zip(outputs[setting], base))
        label = "NumPy (genreclf)" if setting[0] == "numpy" else f"TensorFlow, oneDNN {setting[1]}"
        ratio = ""
        if setting[0] != "numpy":
            r = [a / b for a, b in zip(ours, rates)]
            ratio = f"; NumPy's speed over it, round by round: {min(r):.2f} / {np.median(r):.2f} / {max(r):.2f}x"
        print(f"    {label:24s} {min(rates):4.0f} / {np.median(rates):4.0f} / {max(rates):4.0f} GFLOP/s, "
              f"{cpu:3.0f} GFLOP per CPU-second; largest |difference| of the outputs vs TensorFlow (oneDNN unset) "
              f"{diff:.2g}{ratio} (load {min(loads):.1f}-{max(loads):.1f})", flush=True)
    if any(r["tensorflow"] for r in runs["numpy", None]):
        print("    (the NumPy worker imported TensorFlow: it should not)")


# -- (b), (c) the command, cold and warm -------------------------------------------------------------------
def link_clips(paths, folder):
    """``folder/<genre>/<file>`` links to the clips, as the CLI reads a folder of genre sub-folders."""
    for p in paths:
        target = folder / Path(p).parent.name / Path(p).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(p)


def run_cli(args, home, log):
    """Wall seconds of ``genreclf ARGS`` in a fresh process, with ``GENRECLF_DATA=home``; output in ``log``."""
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, GENRECLF_DATA=str(home), PYTHONPATH=path)
    t = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.run([sys.executable, "-m", "genreclf.cli", *args], env=env, stdout=out,
                              stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t
    if proc.returncode:
        sys.exit(f"genreclf {' '.join(args)} failed (exit {proc.returncode}):\n{Path(log).read_text()[-3000:]}")
    return wall


# -- (d) model fitting on 1000 rows ------------------------------------------------------------------------
def fit_1000(clips_folder, home, noise=0.1, unreduced=False):
    """Seconds of the CLI's model fits on 1000 rows: {feature set: seconds}. ``unreduced``: also the musicnn fits
    of the presets without their WideTablePCA step (what they cost before it), in the same run."""
    from sklearn.base import clone

    from genreclf.baselines import make_baselines
    from genreclf.cli import DEFAULT_MODELS
    from genreclf.datasets import load_audio_folder, load_gtzan_features
    from genreclf.evaluation import _models_for, _resolve_estimators, benchmark
    from genreclf.features.musicnn import MusicnnEmbedding

    gtzan = load_gtzan_features()
    clips = load_audio_folder(clips_folder)
    # the default embedding of every dev clip, read back from the warm cache of (b)
    E = MusicnnEmbedding(memory=os.path.join(home, "cache")).transform(list(clips.filenames))
    rng = np.random.default_rng(0)
    rows = [E[rng.choice(np.flatnonzero(clips.target == g))] for g in gtzan.target]
    stand_in = (np.stack(rows) + rng.normal(size=(len(rows), E.shape[1])) * noise * E.std(axis=0)).astype(np.float32)
    models = _resolve_estimators(make_baselines(list(DEFAULT_MODELS), random_state=0), 0)
    svc_kernels(stand_in, gtzan.target)
    out = {}
    # the default's first 400 columns are the penultimate's mean and std, unit by unit: [0:400:2] is the earlier
    # default (layer="penultimate", summary="mean"), 200 columns
    runs = [("gtzan", np.asarray(gtzan.data)), ("musicnn", stand_in),
            ("musicnn, earlier default", stand_in[:, 0:400:2])]
    if unreduced:
        runs.append(("musicnn, without WideTablePCA", stand_in))
    for name, X in runs:
        chosen = _models_for(models, name.split(",")[0], X, None)  # the models benchmark(features=...) gives it
        if name.endswith("without WideTablePCA"):
            chosen = {k: (clone(est).set_params(reduce="passthrough") if "reduce" in getattr(est, "named_steps", {})
                          else est, grid) for k, (est, grid) in chosen.items()}
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            benchmark(chosen, X, gtzan.target, groups=gtzan.groups, protocol="both", n_jobs=-1, random_state=0)
        out[name] = time.perf_counter() - t
        print(f"    fitting on 1000 rows, {name} ({X.shape[1]} columns; {len(chosen)} models: {', '.join(chosen)}): "
              f"{out[name]:.0f} s ({load()})", flush=True)
    if unreduced:
        ratio = out["musicnn, without WideTablePCA"] / out["musicnn"]
        print(f"    WideTablePCA in svc and xgboost: the musicnn fits {ratio:.1f}x as fast", flush=True)
    return out


def cli_runs(paths, skip_fit, unreduced=False):
    tmp = Path(tempfile.mkdtemp(prefix="genreclf_speed_"))
    try:
        link_clips(paths, tmp / "clips")
        # --cv 5: the development clips hold 9 reggae clips, fewer than the default 10 folds
        command = ["benchmark", "--data", str(tmp / "clips"), "--features", "gtzan,musicnn", "--protocol", "both",
                   "--cv", "5"]
        shown = "genreclf benchmark --data CLIPS --features gtzan,musicnn --protocol both --cv 5"
        cold = run_cli(command, tmp / "home", tmp / "cold.log")
        print(f"\n(b) {shown}, {len(paths)} clips, empty cache: {cold:.0f} s ({load()})", flush=True)
        warm = run_cli(command, tmp / "home", tmp / "warm.log")
        lines = (tmp / "warm.log").read_text().splitlines()
        print(f"(c) the same, cache warm: {warm:.0f} s = {100 * warm / cold:.1f}% of the cold run ({load()}); it says: "
              + next((line.strip() for line in lines if "read back" in line), "(no fit read back)"))
        top = next((i for i, line in enumerate(lines) if line.startswith("features ")), 0)
        shown_lines = lines[top:top + 6] + ["..."] + lines[-4:]
        print("    its leaderboard's first rows and last lines:\n      " + "\n      ".join(shown_lines))
        shutil.rmtree(tmp / "home" / "cache" / "genreclf-folds")
        refit = run_cli(command, tmp / "home", tmp / "refit.log")
        print(f"(c2) the same, features cached but no fold result: {refit:.0f} s ({load()})", flush=True)
        extract = (cold - refit) / len(paths)
        print(f"(d) extraction: ({cold:.0f} - {refit:.0f}) s / {len(paths)} clips = {extract:.2f} s per clip -> "
              f"{1000 * extract / 60:.1f} min for 1000 clips; fitting on {len(paths)} rows: {refit - warm:.0f} s; "
              f"warm run: {warm / len(paths):.2f} s per clip -> {1000 * warm / len(paths) / 60:.1f} min for 1000 clips",
              flush=True)
        if not skip_fit:
            fits = fit_1000(tmp / "clips", tmp / "home", unreduced=unreduced)
            fit = fits["gtzan"] + fits["musicnn"]
            cold_1000, warm_1000 = 1000 * extract + fit, 1000 * warm / len(paths)
            print(f"    1000 clips: extraction {1000 * extract / 60:.1f} min + fitting {fit / 60:.1f} min = "
                  f"{cold_1000 / 60:.1f} min; a warm rerun {warm_1000 / 60:.1f} min = "
                  f"{100 * warm_1000 / cold_1000:.0f}% of the cold run; with the earlier musicnn default "
                  "(200 columns) fitting would take "
                  f"{(fits['gtzan'] + fits['musicnn, earlier default']) / 60:.1f} min")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def svc_kernels(X, y, repeats=3):
    """The svc baseline, once as it is (RBFSVC: the kernel matrix by BLAS) and once with libsvm's own RBF kernel
    (sklearn.svm.SVC, what it was before): one fit on 900 rows of ``X`` and the predictions for 100, alternated,
    medians of ``repeats``; largest difference of the probabilities."""
    from sklearn.base import clone
    from sklearn.svm import SVC

    from genreclf.baselines import make_baselines

    # on every column (no WideTablePCA): the kernels themselves, on the width they were measured at
    ours = make_baselines(["svc"])["svc"].set_params(reduce="passthrough")
    reference = clone(ours).set_params(clf__estimator=SVC())
    times, proba = {"RBFSVC": [], "SVC": []}, {}
    for _ in range(repeats):
        for name, model in (("RBFSVC", ours), ("SVC", reference)):
            t = time.perf_counter()
            proba[name] = clone(model).fit(X[:900], y[:900]).predict_proba(X[900:])
            times[name].append(time.perf_counter() - t)
    a, b = np.median(times["RBFSVC"]), np.median(times["SVC"])
    print(f"    the svc baseline on 900 of these rows ({X.shape[1]} columns), fit + predict: libsvm's kernel (SVC) "
          f"{b:.2f} s, the kernel matrix by BLAS (RBFSVC) {a:.2f} s: {b / a:.1f}x; largest |difference| of the "
          f"probabilities {np.abs(proba['RBFSVC'] - proba['SVC']).max():.1g} ({load()})", flush=True)


# -- (e) bfloat16 ------------------------------------------------------------------------------------------
def bf16(paths, gflop):
    import keras
    import tensorflow as tf

    from genreclf.audio import load_audio
    from genreclf.features.musicnn import musicnn_patches
    from genreclf.models.musicnn_network import MUSICNN_SR, N_FRAMES, N_MELS, load_musicnn

    flags = set(Path("/proc/cpuinfo").read_text().split()) if Path("/proc/cpuinfo").exists() else set()
    native = [f for f in ("avx512_bf16", "amx_bf16") if f in flags]
    X = np.concatenate([musicnn_patches(load_audio(p, sr=MUSICNN_SR)[0]) for p in paths])[:64]
    outs, times = {}, {}
    for policy in ("float32", "mixed_bfloat16"):
        keras.mixed_precision.set_global_policy(policy)
        try:
            net = load_musicnn("MSD_musicnn")
        finally:
            keras.mixed_precision.set_global_policy("float32")
        spec = tf.TensorSpec([None, N_FRAMES, N_MELS], tf.float32)
        run = tf.function(lambda x, net=net: [tf.cast(o, tf.float32) for o in net(x, training=False)],
                          input_signature=[spec])
        [o.numpy() for o in run(X[:10])]  # trace
        t = time.perf_counter()
        outs[policy] = [o.numpy() for o in run(X)]
        times[policy] = (time.perf_counter() - t) / len(X)
    from genreclf.models.musicnn_network import MUSICNN_LAYERS

    diffs = ", ".join(f"{layer} {np.abs(a - b).max():.3g} of {np.abs(a).max():.3g}" for layer, a, b in
                      zip(MUSICNN_LAYERS, outs["float32"], outs["mixed_bfloat16"]))
    print(f"\n(e) bfloat16 (native support: {', '.join(native) or 'none, emulated'}), {len(X)} patches in one call: "
          f"float32 {1000 * times['float32']:.0f} ms per patch ({gflop / times['float32']:.0f} GFLOP/s), "
          f"mixed_bfloat16 {1000 * times['mixed_bfloat16']:.0f} ms per patch "
          f"({times['float32'] / times['mixed_bfloat16']:.2f}x float32's speed; {load()}); largest |difference| per "
          f"output, of its largest |value|: {diffs}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("GENRECLF_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--reference-python", default=os.environ.get("GENRECLF_MUSICNN_REF_PYTHON"),
                        help="interpreter of an environment with musicnn 0.1.0 + tf_keras (see bench_musicnn.py)")
    parser.add_argument("--clips", type=int, default=None, help="only the first N clips (a quick look)")
    parser.add_argument("--reference-clips", type=int, default=8)
    parser.add_argument("--stage-clips", type=int, default=20)
    parser.add_argument("--skip-cli", action="store_true", help="skip (b), (c) and (d)")
    parser.add_argument("--skip-fit-1000", action="store_true", help="skip (d)'s fits on 1000 rows")
    parser.add_argument("--unreduced", action="store_true",
                        help="(d): also fit musicnn's models without their WideTablePCA step (before/after)")
    parser.add_argument("--bf16", action="store_true", help="(e): time the network under mixed_bfloat16")
    parser.add_argument("--rounds", type=int, default=3, help="(a2): rounds of the four settings, in turn")
    parser.add_argument("--paired-clips", type=int, default=8, help="(a2): clips of the network-alone runs")
    parser.add_argument("--skip-paired", action="store_true", help="skip (a2)")
    parser.add_argument("--network-worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.network_worker:
        return network_worker(args.network_worker[0], args.network_worker[1], args.network_worker[2:])
    shared = Path(args.shared)
    paths = dev_clips(shared)[:args.clips]

    print(machine())
    macs, per_layer = count_flops()
    gflop = 2 * macs / 1e9
    largest = sorted(per_layer.items(), key=lambda kv: -kv[1])[:3]
    print(f"FLOPs of one 3 s patch (187 x 96): {macs / 1e6:.0f} M multiply-adds in Conv/Dense layers = {gflop:.2f} "
          f"GFLOP ({10 * gflop:.1f} GFLOP per 30 s clip of 10 patches); largest: "
          + ", ".join(f"{k} {v / 1e6:.0f} M" for k, v in largest))
    compute_rate(paths, gflop, args.stage_clips)
    if args.reference_python:
        step = max(1, len(paths) // args.reference_clips)  # spread over the genres
        reference_rate(args.reference_python, paths[::step][:args.reference_clips], shared, gflop)
    else:
        print("    (no --reference-python: the original code was not run)")
    if not args.skip_paired:
        paired(paths[::max(1, len(paths) // args.paired_clips)][:args.paired_clips], gflop, args.rounds)
    print("\n(a3) each feature set of genreclf benchmark, extracted as it does (extract_feature_sets, n_jobs=-1):")
    set_costs(paths, args.stage_clips)
    if not args.skip_cli:
        cli_runs(paths, args.skip_fit_1000, args.unreduced)
    if args.bf16:
        bf16(paths[:7], gflop)


if __name__ == "__main__":
    main()
