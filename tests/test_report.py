"""The benchmark report: one self-contained page that names what it shows, escapes every name, fetches nothing, and
opens without an error in a real browser (headless Chromium, skipped where it is not installed)."""
import csv
import re
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from audio_files import tone_at, write
from headless_chromium import CHROMIUM, open_page, open_pages
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from genreclf.cli import main
from genreclf.datasets import load_gtzan_features
from genreclf.evaluation import benchmark
from genreclf.features import ChromaTransformer, MFCCTransformer
from genreclf.report import BenchmarkReport, benchmark_report

SR = 22050
HOSTILE_FILE = "<script>alert(1)</script>.wav"  # a genre folder '<script>alert(1)<' holding 'script>.wav'
HOSTILE_MODEL = "<img src=x onerror=alert(2)>"
HOSTILE_LABELS = ("<b>low</b>", 'high"&\'')
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def _models():
    """Two quick models with probabilities; only the first is tuned, so it is the pick (a 2-value grid)."""
    return {"knn": (make_pipeline(StandardScaler(), KNeighborsClassifier()),
                    {"kneighborsclassifier__n_neighbors": [5, 15]}),
            "naive_bayes": (make_pipeline(StandardScaler(), GaussianNB()), {})}


@pytest.fixture(scope="module")
def board():
    """The bundled 1000-clip table, two models, 3-fold CV and the artist-filtered split, nested tuning."""
    gtzan = load_gtzan_features()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the artist-filtered split leaves 70 tracks out
        return benchmark(_models(), gtzan.data, gtzan.target, groups=gtzan.groups, cv=3, protocol="both",
                         random_state=0)


@pytest.fixture(scope="module")
def audio_board(tmp_path_factory):
    """Feature sets of 12 short clips whose file names, genres and a model's name are markup."""
    folder = tmp_path_factory.mktemp("audio")
    rng = np.random.default_rng(0)
    paths, y = [], []
    for label, freq in zip(HOSTILE_LABELS, (220.0, 1760.0)):
        for i in range(6):
            signal = tone_at(SR, seconds=1.5, freq=freq * (1 + 0.03 * i)) + rng.normal(scale=0.05, size=int(1.5 * SR))
            name = f"{'low' if freq < 1000 else 'high'}.{i:05d}.wav"
            if i == 0 and freq < 1000:  # the relative path reads <script>alert(1)</script>.wav, and its label
                (folder / "<script>alert(1)<").mkdir()  # is wrong, so that every model gets it wrong
                name, label = "<script>alert(1)</script>.wav", HOSTILE_LABELS[1]
            paths.append(write(folder / name, signal.astype(np.float32)))
            y.append(label)
            label = HOSTILE_LABELS[0] if freq < 1000 else label
    models = {HOSTILE_MODEL: (make_pipeline(StandardScaler(), GaussianNB()), {}),
              "knn": (make_pipeline(StandardScaler(), KNeighborsClassifier(3)), {})}
    sets = {"mfcc": MFCCTransformer(n_mfcc=8, summary="mean_var"), "chroma": ChromaTransformer(summary="mean")}
    board = benchmark(models, paths, np.asarray(y), features=sets, cv=3, tune=False,
                      memory=str(tmp_path_factory.mktemp("cache")))
    return board, folder


@pytest.fixture(scope="module")
def report(board):
    """The report of ``board``, made once for the tests that only read it."""
    return benchmark_report(board)


@pytest.fixture(scope="module")
def report_file(report, tmp_path_factory):
    return report.save(tmp_path_factory.mktemp("report") / "report.html")


@pytest.fixture(scope="module")
def audio_report(audio_board):
    return benchmark_report(audio_board[0])


class _Tags(HTMLParser):
    """Every start tag of a page, with its attributes, and its text."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag=None, **attrs):
        return [a for t, a in self.tags if (tag is None or t == tag) and all(a.get(k) == v for k, v in attrs.items())]


def _loads(page):
    """Every URL the page could load: src/href/srcset/poster/data attributes, CSS url() and @import."""
    urls = [v for _, attrs in _Tags(page).tags for k, v in attrs.items()
            if k in ("src", "href", "srcset", "poster", "data", "action", "formaction") and v is not None]
    urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", page) + re.findall(r"@import\s+['\"]([^'\"]+)", page)
    return urls


# ------------------------------------------------------------------------------------------- without a browser
def test_the_page_fetches_nothing(board, report):
    page = report.html
    loads = _loads(page)
    assert loads, "the check found nothing to check"
    outside = [u for u in loads if re.match(r"\s*(https?:|//|ftp:|file:)", u, re.I)]
    assert not outside
    assert all(u.startswith("data:image/png;base64,") for u in loads if not u.startswith("#"))
    assert {t for t, _ in _Tags(page).tags}.isdisjoint({"script", "link", "iframe", "object", "embed", "base"})
    policy = _Tags(page).all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert policy and "default-src 'none'" in policy[0]["content"] and "img-src data:" in policy[0]["content"]


def test_the_check_finds_a_load_from_outside(board, report):
    """The check above can fail: an image from elsewhere, a style sheet imported from elsewhere."""
    page = report.html
    for bad in ('<img src="http://127.0.0.1:9/x.png">', "<style>@import 'https://127.0.0.1:9/x.css';</style>",
                '<div style="background:url(//127.0.0.1:9/x.png)"></div>'):
        loads = _loads(page.replace("</footer>", f"</footer>{bad}"))
        assert [u for u in loads if re.match(r"\s*(https?:|//)", u)], bad


def test_sections_rows_and_pictures(board, report):
    page = report.html
    tags = _Tags(page)
    assert [a["data-section"] for a in tags.all("section")] == ["run", "leaderboard", "picked-1", "picked-2",
                                                                  "table"]
    assert len(tags.all("tr", **{"class": "gcr-row"})) == len(board)
    # a leaderboard per protocol, and a confusion matrix and per-genre scores per picked model
    assert len(tags.all("img")) == 2 + 2 * 2
    assert all(int(a["width"]) > 0 and int(a["height"]) > 0 and a["alt"] for a in tags.all("img"))
    text = " ".join(tags.text)
    for said in ("Which model generalizes to unseen artists?", "Which genres does it mistake for which?",
                 "Which clips did it get wrong?", "picked without the test scores", "random_state=0",
                 "scikit-learn 1.", "Wall time"):
        assert said in text, said


def test_numbers_carry_their_spread_and_unit(board, report):
    text = " ".join(_Tags(report.html).text)
    knn = board[(board["model"] == "knn") & (board["protocol"] == "stratified 3-fold CV")].iloc[0]
    assert f"{100 * knn['accuracy_mean']:.1f} ± {100 * knn['accuracy_std']:.1f} %" in text
    assert re.search(r"\d\.\d{3} ± \d\.\d{3}", text)  # the log loss, which has no unit
    assert re.search(r"\d\.\d+ ± \d\.\d+ s", text)  # fit times


def test_the_clips_a_model_got_wrong_are_named(board, report):
    page = report.html
    wrong = board.attrs["predictions"][("knn", "artist-filtered split")]
    wrong = wrong[wrong["y_true"] != wrong["y_pred"]]
    tables = re.findall(r'<table class="gcr-wrong">.*?</table>', page, re.S)
    assert len(tables) == 2
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td[^>]*>([\d.]+) %</td>", tables[1])
    assert len(rows) == len(wrong)
    first = wrong.sort_values("proba", ascending=False, kind="stable").iloc[0]  # the most confident mistake first
    assert rows[0] == (first["group"], first["y_true"], first["y_pred"], f"{100 * first['proba']:.1f}")


def test_the_board_keeps_each_test_clip_and_probability(board):
    """What the report reads: the row and probabilities of every prediction, and the run."""
    gtzan = load_gtzan_features()
    predictions = board.attrs["predictions"][("knn", "stratified 3-fold CV")]
    assert sorted(predictions["row"]) == list(range(len(gtzan.target)))
    np.testing.assert_array_equal(gtzan.target[predictions["row"]], predictions["y_true"])
    np.testing.assert_array_equal(gtzan.groups[predictions["row"]], predictions["group"])
    assert (predictions["proba"] >= predictions["proba_true"]).all()  # the prediction is the most probable class
    right = predictions["y_true"] == predictions["y_pred"]
    np.testing.assert_allclose(predictions["proba"][right], predictions["proba_true"][right])
    run = board.attrs["run"]
    assert run["per_class"] == {genre: 100 for genre in sorted(set(gtzan.target))}
    assert run["protocols"] == ["stratified 3-fold CV", "artist-filtered split"]
    assert run["random_state"] == 0 and run["cv"] == 3 and run["tune"] is True and run["wall_time"] > 0
    assert run["files"] is None and run["features"] is None and run["extraction"] is None
    from genreclf import __version__
    assert run["versions"]["genreclf"] == __version__ and "scikit-learn" in run["versions"]


def test_names_are_text_not_markup(audio_report):
    page = audio_report.html
    tags = _Tags(page)
    assert not tags.all("script") and not tags.all("b")
    assert not [k for _, attrs in tags.tags for k in attrs if k.startswith("on")]
    assert "<script" not in page.lower()
    text = "".join(tags.text)
    assert HOSTILE_FILE in text and HOSTILE_MODEL in text and HOSTILE_LABELS[0] in text and HOSTILE_LABELS[1] in text


def test_an_audio_run_shows_its_files_and_feature_costs(audio_board, audio_report):
    board, folder = audio_board
    run = board.attrs["run"]
    assert run["source"] == str(folder) and len(run["files"]) == 12
    assert set(run["extraction"]) == {"mfcc", "chroma"}
    assert all(c["clips"] == 12 and c["cached"] == 0 and c["seconds"] > 0 for c in run["extraction"].values())
    page = audio_report.html
    tags = _Tags(page)
    assert [a["data-section"] for a in tags.all("section")] == ["run", "leaderboard", "picked-1", "features", "table"]
    assert len(tags.all("tr", **{"class": "gcr-row"})) == len(board) == 4
    costs = re.search(r'<table class="gcr-small gcr-costs">.*?</table>', page, re.S).group(0)
    assert "mfcc" in costs and "chroma" in costs and "share of the run" in costs
    wrong = re.search(r'<table class="gcr-wrong">.*?</table>', page, re.S).group(0)
    assert "<th>file</th>" in wrong and ".wav" in wrong and str(folder) not in wrong  # named from the data folder


def test_a_pick_that_is_not_the_best_test_score_shows_the_gap(board):
    board = board.copy()
    honest = board["model"] == "naive_bayes"
    board.loc[honest, "tune_accuracy"] = 0.99  # as if naive Bayes had won inside its own search
    text = " ".join(_Tags(benchmark_report(board).html).text)
    cv = board[board["protocol"] == "stratified 3-fold CV"].set_index("model")["accuracy_mean"]
    gap = 100 * (cv["knn"] - cv["naive_bayes"])
    assert f"{gap:.1f} points better on these test clips" in text
    assert "What does naive_bayes get wrong?" in text


def test_an_untuned_board_says_nothing_was_picked(board):
    board = board.copy()
    board["tune_accuracy"] = np.nan
    text = " ".join(_Tags(benchmark_report(board).html).text)
    assert "no model was tuned" in text.lower() and "best test score (none tuned)" in text


def test_a_model_that_failed_is_a_row_with_its_error_and_no_bar(board, monkeypatch):
    import genreclf.plotting

    board = board.copy()
    failed = (board["model"] == "naive_bayes") & (board["protocol"] == "artist-filtered split")
    scores = [c for c in board.columns if c.endswith(("_mean", "_std"))] + ["tune_accuracy"]
    board.loc[failed, scores] = np.nan
    board["error"] = None
    board.loc[failed, "error"] = "split 0: ValueError: <b>no such genre</b>"
    drawn = []
    real = genreclf.plotting.plot_leaderboard
    monkeypatch.setattr(genreclf.plotting, "plot_leaderboard",
                        lambda table, **kwargs: drawn.append(list(table["model"])) or real(table, **kwargs))
    page = benchmark_report(board).html
    assert drawn == [["knn", "naive_bayes"], ["knn"]]
    tags = _Tags(page)
    assert not tags.all("b")
    text = " ".join(tags.text)
    assert "1 model(s) failed and have no bar: naive_bayes" in text
    assert "split 0: ValueError: <b>no such genre</b>" in text  # in the table's error column, as text
    assert len(tags.all("tr", **{"class": "gcr-row"})) == len(board)


def test_a_large_board_draws_at_most_max_bars(board, monkeypatch):
    import pandas as pd

    import genreclf.plotting

    plain = board.copy()
    plain.attrs = {}  # concat compares attrs, which hold DataFrames
    many = pd.concat([plain.assign(model=plain["model"] + f"_{i}") for i in range(12)], ignore_index=True)
    many.loc[many.index >= len(board), "tune_accuracy"] = np.nan  # one pick per protocol, not twelve that tie
    many.attrs = board.attrs
    drawn = []
    real = genreclf.plotting.plot_leaderboard

    def counting(table, **kwargs):
        drawn.append(len(table))
        return real(table, **kwargs)

    monkeypatch.setattr(genreclf.plotting, "plot_leaderboard", counting)
    page = benchmark_report(many, max_bars=20).html
    assert drawn == [20, 20]
    assert page.count("20 of 24 rows drawn") == 2
    assert page.count('class="gcr-row"') == len(many) == 48


def test_without_matplotlib_the_page_keeps_its_tables(board, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    with pytest.warns(UserWarning, match=r"matplotlib is not installed.*pip install genreclf\[plots\]"):
        page = benchmark_report(board).html
    tags = _Tags(page)
    assert not tags.all("img")
    assert len(tags.all("figure", **{"class": "gcr-figure gcr-noplot"})) == 6
    assert "pip install genreclf[plots]" in "".join(tags.text)
    assert len(tags.all("tr", **{"class": "gcr-row"})) == len(board)


def test_a_notebook_shows_the_report_inline(report, tmp_path):
    assert isinstance(report, BenchmarkReport)
    inline = report._repr_html_()
    assert inline.startswith('<div class="gcr"') and not re.search(r"<(html|head|body|meta)[\s>]", inline)
    ids = set(re.findall(r'\bid="([^"]+)"', inline))
    assert ids and ids.isdisjoint(re.findall(r'\bid="([^"]+)"', report._repr_html_()))  # two displays, two sets
    assert re.sub(r'-[0-9a-f]{8}"', '"', inline) == re.sub(r'-[0-9a-f]{8}"', '"', report.fragment)
    assert report.fragment in report.html
    styles = "".join(re.findall(r"<style>(.*?)</style>", inline, re.S))
    rules = [r.strip() for r in re.findall(r"(?:^|})\s*([^{}@]+)\{", styles)]
    assert rules and all(s.strip().startswith(".gcr") for r in rules for s in r.split(","))  # scoped to the report
    assert report.save(tmp_path / "r.html") == tmp_path / "r.html"
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == report.html


def test_importing_the_report_loads_no_plotting_library():
    import subprocess

    code = "import sys, genreclf.report; print([m for m in ('matplotlib', 'tensorflow') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


def test_benchmark_report_refuses_what_is_not_a_leaderboard(board):
    with pytest.raises(TypeError, match="leaderboard DataFrame"):
        benchmark_report([1, 2])
    with pytest.raises(ValueError, match="max_bars=0 must be an int >= 1"):
        benchmark_report(board, max_bars=0)
    with pytest.raises(ValueError, match="empty"):
        benchmark_report(board.iloc[:0])


def test_cli_writes_the_report(tmp_path, capsys):
    out, page = tmp_path / "board.csv", tmp_path / "r.html"
    status = main(["benchmark", "--models", "naive_bayes,linear_discriminant", "--cv", "3", "--no-tune", "--quiet",
                   "--n-jobs", "1", "--out", str(out), "--report", str(page)])
    assert status == 0
    with open(out, newline="") as fh:
        n_rows = len(list(csv.DictReader(fh)))
    html = page.read_text(encoding="utf-8")
    assert html.count('class="gcr-row"') == n_rows == 4
    assert "the bundled GTZAN 30-second table" in html
    assert f"wrote {page}" in capsys.readouterr().err


def test_cli_checks_the_report_path_before_any_work(tmp_path, capsys):
    status = main(["benchmark", "--report", str(tmp_path / "missing" / "r.html")])
    assert status == 2
    assert "--report" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- in a browser
def _check_in_browser(path, n_rows, n_images, sections):
    page = open_page(path)
    assert page.problems(Path(path).resolve().as_uri()) == []
    facts = page.facts
    assert facts["sections"] == sections
    assert facts["board_rows"] == n_rows
    assert len(facts["images"]) == n_images
    for image in facts["images"]:
        assert min(image["natural"]) > 0 and min(image["shown"]) > 0, image
    assert facts["scripts"] == 0
    assert facts["page_width"] <= facts["viewport_width"]  # legible at a laptop's width: nothing runs off the side
    assert page.screenshot.startswith(b"\x89PNG\r\n\x1a\n") and len(page.screenshot) > 20_000
    return page


@needs_chromium
def test_the_page_opens_cleanly_in_chromium(board, report_file, tmp_path):
    page = _check_in_browser(report_file, len(board), 6, ["run", "leaderboard", "picked-1", "picked-2", "table"])
    (tmp_path / "screenshot.png").write_bytes(page.screenshot)
    assert "Which model generalizes to unseen artists?" in page.facts["text"]


@needs_chromium
def test_the_audio_page_opens_cleanly_and_shows_names_as_text(audio_board, audio_report, tmp_path):
    board, _ = audio_board
    path = audio_report.save(tmp_path / "audio.html")
    page = _check_in_browser(path, len(board), 3, ["run", "leaderboard", "picked-1", "features", "table"])
    for name in (HOSTILE_FILE, HOSTILE_MODEL, *HOSTILE_LABELS):
        assert name in page.facts["text"]


@needs_chromium
def test_the_table_sorts_without_a_script(board, report_file):
    order = """(() => {
      document.querySelector("label.gcr-by-name").click();
      const rows = [...document.querySelectorAll("table.gcr-board tbody tr")];
      rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      return JSON.stringify(rows.map(r => Number(r.cells[0].innerText)));
    })()"""
    page = open_page(report_file, expression=order)
    shown = page.facts  # the board's row numbers, top to bottom once "model" is chosen
    names = list(zip(board["model"], board["protocol"].map({"stratified 3-fold CV": 0, "artist-filtered split": 1})))
    assert shown == [i + 1 for i in sorted(range(len(board)), key=names.__getitem__)]
    assert shown == [1, 3, 2, 4]  # knn, knn, naive_bayes, naive_bayes: not the board's order


@needs_chromium
def test_the_browser_check_fails_when_it_should(board, report, tmp_path):
    """An image from outside, or a console error, is found, whether the page's policy blocks it or not."""
    page = report.html
    without_policy = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    bad = {"blocked-image": page.replace("</footer>", '</footer><img src="http://127.0.0.1:9/x.png">'),
           "image": without_policy.replace("</footer>", '</footer><img src="http://127.0.0.1:9/x.png">'),
           "console-error": without_policy.replace("</footer>", "</footer><script>console.error('boom')</script>")}
    paths = []
    for name, html in bad.items():
        paths.append(tmp_path / f"{name}.html")
        paths[-1].write_text(html, encoding="utf-8")
    found = [p.problems(path.resolve().as_uri()) for p, path in zip(open_pages(paths), paths)]
    assert [len(f) > 0 for f in found] == [True, True, True], found
    assert "Content Security Policy" in " ".join(found[0])
    assert "request outside the page: http://127.0.0.1:9/x.png" in found[1]
    assert "console: boom" in found[2]
