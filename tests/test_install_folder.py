"""genreclf writes nothing into its own install folder (issue 25).

A package that writes into its folder breaks where site-packages is read-only, and files left behind by a
cache turned the folder into a namespace package that shadowed a later ``pip install -e`` (numba's
``cache=True`` wrote ``gtzan._harmonic_part.locals.kernel-*.nbi/.nbc`` into ``genreclf/features/__pycache__``).
"""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import genreclf

RUN = textwrap.dedent("""
    import sys
    from pathlib import Path

    import numpy as np
    import soundfile as sf

    import genreclf
    from genreclf import GTZANFeatures
    from genreclf.cli import main

    assert Path(genreclf.__file__).resolve().parent == Path(sys.argv[1]).resolve(), genreclf.__file__
    sr = 22050
    t = np.arange(2 * sr) / sr
    rng = np.random.default_rng(0)
    clips = [(0.3 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.normal(size=t.size)).astype(np.float32),
             (0.1 * rng.normal(size=t.size)).astype(np.float32)]
    table = GTZANFeatures(n_jobs=1).fit_transform(clips)
    assert table.shape == (2, 57) and np.isfinite(table).all()
    audio = Path(sys.argv[2])
    for genre, y in zip(["blues", "rock"], clips):
        (audio / genre).mkdir(parents=True)
        sf.write(audio / genre / f"{genre}.00000.wav", y, sr, subtype="PCM_16")
    status = main(["extract", str(audio), "--out", sys.argv[3], "--n-jobs", "1", "--quiet"])
    assert status == 0, status
    print("ran from", Path(genreclf.__file__).parent)
""")


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_run_writes_nothing_into_the_package_folder(tmp_path):
    """Feature extraction from Python and ``genreclf extract`` leave a copy of the package byte for byte as found.

    The copy has no ``__pycache__`` (and bytecode writing is off), so anything that appears in it during the run
    was written by genreclf itself, e.g. a numba on-disk cache next to the module.
    """
    package = tmp_path / "site" / "genreclf"
    shutil.copytree(Path(genreclf.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = files_under(package)
    assert "__init__.py" in before and not any("__pycache__" in f for f in before)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}  # as a user has it (conftest sets one)
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(package.parent), GENRECLF_DATA=str(tmp_path / "data_home"))
    out = subprocess.run([sys.executable, "-c", RUN, str(package), str(tmp_path / "audio"), str(tmp_path / "t.csv")],
                         capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"ran from {package}" in out.stdout
    assert (tmp_path / "t.csv").read_text().count("\n") == 3  # header + two clips
    new = sorted(set(files_under(package)) - set(before))
    assert files_under(package) == before, f"the run wrote into the package folder: {new}"


def test_kernels_are_cached_only_in_a_numba_cache_folder_the_user_gave(tmp_path, monkeypatch):
    """With ``NUMBA_CACHE_DIR`` (numba's ``config.CACHE_DIR``) set, a kernel's compiled code goes there; without
    it, nothing is cached (the test above), so a user can keep the one-off compilation across processes."""
    import numba
    import numpy as np

    from genreclf.features import gtzan

    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gtzan, "_COMPILED_KERNELS", {})
    out = np.zeros(8, dtype=np.float32)
    gtzan._kernel(gtzan._overlap_add_kernel)(np.ones((3, 4), dtype=np.float32), np.full(4, 0.5), 2, out, 0)
    np.testing.assert_array_equal(out, [0.5, 0.5, 1, 1, 1, 1, 0.5, 0.5])
    cached = [p.name for p in tmp_path.rglob("gtzan._overlap_add_kernel-*")]
    assert any(name.endswith(".nbi") for name in cached) and any(name.endswith(".nbc") for name in cached), cached
