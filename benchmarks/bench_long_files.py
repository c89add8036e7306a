"""Peak memory of predicting long recordings: windows decoded one at a time vs the whole file at once.

A model trained on 30 s clips predicts a long file in 30 s windows whose probabilities vote
(``genreclf.predict_files``, what ``genreclf predict`` runs); each window is decoded from the file on its own, so
memory does not grow with the file. Computing ``GTZANFeatures`` on the whole file at once, the way a plain
pipeline would, holds the decoded file and its spectrograms in memory.

The recordings are made from the real clips of ``../shared/data/gtzan_subset`` laid end to end (10 and 60 minutes,
FLAC). Each measurement runs in a fresh Python process and reports that process's peak resident memory.

    python benchmarks/bench_long_files.py                   # 10 and 60 minutes; the whole-file way on 10 only
    python benchmarks/bench_long_files.py --minutes 10 --whole 10
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def measure(mode, path, data_home):
    """Run one measurement in this (fresh) process; print its figures as JSON."""
    start = time.perf_counter()
    if mode == "windows":
        from genreclf.prediction import predict_files

        table = predict_files([path], data_home=data_home)
        result = {"genre": table["genre"][0], "windows": int(table["windows"][0])}
    else:
        from genreclf.features import GTZANFeatures

        GTZANFeatures().fit_transform([path])
        result = {}
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(result))


def make_recording(minutes, folder, clips):
    import numpy as np
    import soundfile as sf

    from genreclf.audio import load_audio

    path = folder / f"{minutes}min.flac"
    n = int(minutes * 60 * 22050)
    with sf.SoundFile(path, "w", samplerate=22050, channels=1, format="FLAC") as out:
        written, k = 0, 0
        while written < n:
            y = load_audio(clips[k % len(clips)])[0][: n - written]
            out.write(np.clip(y, -1, 1))
            written += len(y)
            k += 1
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", default="10,60", help="lengths of the recordings (default 10,60)")
    parser.add_argument("--whole", default="10",
                        help="lengths also measured the whole-file way (default 10; 60 needs ~8 GB)")
    parser.add_argument("--shared", default=str(SHARED), help="the shared data folder")
    parser.add_argument("--measure", nargs=3, metavar=("MODE", "FILE", "DATA_HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        return measure(*args.measure)

    clips = sorted(str(p) for p in (Path(args.shared) / "data" / "gtzan_subset").glob("*/*.wav")
                   if p.name != "jazz.00054.wav")
    if not clips:
        sys.exit(f"no clips in {args.shared}/data/gtzan_subset")
    minutes = [float(m) for m in args.minutes.split(",")]
    whole = {float(m) for m in args.whole.split(",") if m}
    with tempfile.TemporaryDirectory(prefix="genreclf-long-") as tmp:
        tmp = Path(tmp)
        home = tmp / "home"
        from genreclf.prediction import default_model

        default_model(data_home=home)  # fitted once, outside the measurements
        print(f"{'recording':>10}  {'way':<28}  {'peak memory':>12}  {'seconds':>8}  result")
        for m in minutes:
            path = make_recording(m, tmp, clips)
            for mode in ["windows"] + (["whole"] if m in whole else []):
                done = subprocess.run([sys.executable, __file__, "--measure", mode, str(path), str(home)],
                                      capture_output=True, text=True, check=True)
                r = json.loads(done.stdout.strip().splitlines()[-1])
                way = "30 s windows, one at a time" if mode == "windows" else "GTZANFeatures on the whole file"
                result = f"{r['genre']} ({r['windows']} windows)" if mode == "windows" else ""
                print(f"{m:>7g} min  {way:<28}  {r['peak_mb']:>9.0f} MB  {r['seconds']:>8.1f}  {result}", flush=True)
            os.remove(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
