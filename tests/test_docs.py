"""The documentation: it builds in strict mode, and its Python snippets run.

- ``mkdocs build --strict`` turns every warning (a broken link, a missing image, a reference that does not
  resolve, a nav entry without a page) into an error. Skipped when mkdocs is not installed.
- Every fenced ```` ```python ```` block of a page runs, the blocks of one page in order as one script, in a
  fresh interpreter whose working directory holds ``genres/`` (the real GTZAN clips of ``../shared``) and
  ``features_3_sec.csv`` (its partial 3-second table); a page that reads them skips when they are absent.
  Blocks fenced as ```` ```py ```` are illustrations that are not run (they need your own data, a Dask
  cluster or a long training); use them sparingly.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SHARED = Path(os.environ.get("GENRECLF_SHARED", REPO.parent / "shared"))
NOT_OURS = {"transfer_learning.md"}  # written and tested with genreclf.features.musicnn
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _pages_with_code():
    pages = []
    for page in sorted(DOCS.rglob("*.md")):
        if page.name not in NOT_OURS and BLOCK.search(page.read_text(encoding="utf-8")):
            pages.append(page.relative_to(DOCS).as_posix())
    return pages


def test_mkdocs_build_strict(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            pytest.skip(f"{module} is not installed (pip install -e '.[docs]')")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                             str(REPO / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr[-6000:]}"
    site = tmp_path / "site"
    assert (site / "index.html").exists()
    api = (site / "api" / "features" / "index.html").read_text(encoding="utf-8")
    assert "GTZANFeatures" in api and "MFCCTransformer" in api  # the reference is generated from docstrings


def test_gallery_lists_every_image():
    """Every image the gallery page shows exists, and every image in docs/gallery is shown."""
    text = (DOCS / "gallery.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\(gallery/([\w-]+\.png)\)", text))
    assert shown, "the gallery page shows no image"
    present = {p.name for p in (DOCS / "gallery").glob("*.png")}
    if not present:
        pytest.skip("docs/gallery/*.png not generated: run python scripts/make_gallery.py")
    assert shown <= present, f"missing images (run scripts/make_gallery.py): {sorted(shown - present)}"
    assert present <= shown, f"images not on the gallery page: {sorted(present - shown)}"


@pytest.mark.parametrize("page", _pages_with_code())
def test_python_snippets_run(page, tmp_path):
    code = "\n\n".join(BLOCK.findall((DOCS / page).read_text(encoding="utf-8")))
    # the files a page's snippets read, as a user has them: genres/ (GTZAN audio), features_3_sec.csv
    for name, source in (("genres", SHARED / "data" / "gtzan_subset"),
                         ("features_3_sec.csv", SHARED / "data" / "features_3_sec_partial.csv")):
        if f'"{name}' in code:
            if not source.exists():
                pytest.skip(f"{page} reads {name} ({source})")
            (tmp_path / name).symlink_to(source, target_is_directory=source.is_dir())
    script = tmp_path / "snippets.py"
    script.write_text(code, encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"the snippets of docs/{page} fail:\n{result.stdout}\n{result.stderr[-6000:]}"


def test_cli_reference_gives_the_default_models():
    """docs/api/cli.md names the models ``genreclf benchmark`` runs without ``--models``, as the code has them."""
    from genreclf.cli import DEFAULT_MODELS

    text = (DOCS / "api" / "cli.md").read_text(encoding="utf-8")
    assert f"default `{','.join(DEFAULT_MODELS)}`" in text
