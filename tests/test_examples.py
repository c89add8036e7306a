"""Run every script of examples/ as a user would, with its default (tiny) arguments.

Each runs in a subprocess (a fresh interpreter, like ``python examples/x.py``) and must exit 0 and print its
result lines. Scripts that read the real GTZAN audio or the partial 3 s table of ``../shared`` skip when it is
absent. The defaults are sized so that the whole file takes a few minutes on 2 cores.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED = Path(os.environ.get("GENRECLF_SHARED", REPO.parent / "shared"))

# script -> (shared file it needs or None, extra arguments, lines the output must contain)
CASES = {
    "mlp_3s_segments.py": ("data/features_3_sec_partial.csv", [],
                           ["random split of segments (leaky)", "track vote (honest)"]),
    "lstm_mfcc.py": ("data/gtzan_subset", [], ["skipped unreadable file", "held-out tracks"]),
    "cnn_segments.py": ("data/gtzan_subset", [], ["random split of segments (leaky)", "held-out tracks, track vote"]),
    "baselines_benchmark.py": (None, [], ["leaderboard"]),
    "pca_grid_search.py": (None, [], ["best {'pca__n_components'", "artist-filtered test accuracy"]),
    "predict_file.py": ("data/gtzan_subset/blues/blues.00000.wav", ["--out", "{tmp}/plots"],
                        ["blues.00000.wav:", "saved 5 PNG files"]),
}


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(CASES)


def run(script, args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(CASES))
def test_example_runs(script, tmp_path):
    if not (EXAMPLES / script).exists():
        pytest.fail(f"examples/{script} is missing")
    needs, args, expected = CASES[script]
    if needs is not None and not (SHARED / needs).exists():
        pytest.skip(f"{script} needs {SHARED / needs}")
    args = [a.format(tmp=tmp_path) for a in args]
    result = run(script, args, cwd=tmp_path)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    for line in expected:
        assert line in result.stdout, f"{script}: {line!r} not in its output:\n{result.stdout}"
    if script == "predict_file.py":
        pngs = sorted(p.name for p in (tmp_path / "plots").glob("*.png"))
        assert len(pngs) == 5 and all(p.stat().st_size > 10_000 for p in (tmp_path / "plots").glob("*.png")), pngs


def test_help_works_without_running():
    """--help of every example answers at once (argparse, nothing heavy at import time)."""
    for script in sorted(CASES):
        if (EXAMPLES / script).exists():
            result = run(script, ["--help"], cwd=REPO)
            assert result.returncode == 0 and "--full" in result.stdout, (script, result.stderr)
