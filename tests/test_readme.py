"""The README says what its commands print.

``.ci/run`` runs the README's quick start, ``genreclf benchmark``, exactly as written and keeps its output in the file
``$GENRECLF_MAIN_JOB_OUTPUT``; this test reads it, so the figures the README quotes are checked on every tested
Python without running the main job twice. Without that file (outside CI) it has nothing to read and skips.
"""
import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _quoted_figures(text, xgboost_version):
    """``{row label: figure}`` of the README's table of what the main job prints, in the column of this XGBoost."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    start = next(i for i, line in enumerate(lines) if line.startswith("| what `genreclf benchmark` prints"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    columns = [i for i, cell in enumerate(header) if cell.startswith(f"XGBoost {xgboost_version} ")]
    assert columns, f"the README quotes no figures for XGBoost {xgboost_version} (its header: {header})"
    rows = {}
    for line in lines[start + 1:]:  # the separator row does not start with "| "
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(header):
            break
        rows[cells[0]] = cells[columns[0]]
    return rows


def _leaderboard_cell(output, model, protocol):
    """The accuracy cell (``mean ± std``) of one row of the printed leaderboard."""
    for line in output.splitlines():
        match = re.match(rf"{re.escape(model)}\s+{re.escape(protocol)}\s+(\d+\.\d ± \d+\.\d)\s", line)
        if match:
            return match.group(1)
    raise AssertionError(f"no leaderboard row for {model} under {protocol} in the main job's output")


def test_the_readme_quotes_what_the_main_job_printed():
    import xgboost

    from genreclf.baselines import DEFAULT_MODELS

    path = os.environ.get("GENRECLF_MAIN_JOB_OUTPUT")
    if not path:
        pytest.skip("no output of the README's quick start: .ci/run sets GENRECLF_MAIN_JOB_OUTPUT")
    output = Path(path).read_text(encoding="utf-8")
    for model in DEFAULT_MODELS:  # the main job covers every default model under both protocols
        for protocol in ("stratified 10-fold CV", "artist-filtered split"):
            _leaderboard_cell(output, model, protocol)
    quoted = _quoted_figures(README.read_text(encoding="utf-8"), ".".join(xgboost.__version__.split(".")[:2]))
    assert quoted["`ensemble`, stratified 10-fold CV"] == _leaderboard_cell(output, "ensemble", "stratified 10-fold CV")
    assert quoted["`ensemble`, artist-filtered split"] == _leaderboard_cell(output, "ensemble", "artist-filtered split")
    pick = re.search(r"artist-filtered split: (\w+) \(", output).group(1)
    row = "picked on the valid tracks: `linear_discriminant`, artist-filtered split"
    assert pick == "linear_discriminant" and quoted[row] == _leaderboard_cell(output, pick, "artist-filtered split")
