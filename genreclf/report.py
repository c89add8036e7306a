"""A benchmark you look at: the leaderboard of :func:`~genreclf.evaluation.benchmark` as one self-contained page.

:func:`benchmark_report` turns a leaderboard into an HTML page that answers, picture by picture:

- which model wins, and by how much once its error bar is drawn (one picture per protocol; the model picked
  without the test scores, :func:`~genreclf.evaluation.pick_models`, marked, and the best test score beside it so
  the gap shows);
- what the picked model confuses, genre by genre (confusion matrix, recall and precision per genre);
- which clips it got wrong, each named, with its true genre, the predicted one and the probabilities;
- what the run was (data, feature sets and their cost per clip, protocols, seeds, library versions, wall time,
  cache hits), and the whole leaderboard as a table, which sorts without a script.

The page is **one file**: its CSS is inline, its pictures are PNG images inside it (base64), it runs no script and
fetches nothing (its Content-Security-Policy forbids any load but its own images), so it opens the same offline,
attached to an e-mail, or years later. Every name on it (files, genres, models, parameters) is text, escaped: a
clip named ``<script>alert(1)</script>.wav`` shows as that name. In a notebook the report displays inline
(``_repr_html_``), with its CSS scoped to it.

The pictures need matplotlib (``pip install genreclf[plots]``). Without it the page keeps every table and number,
and says where each picture would be and how to get it (one :class:`UserWarning` says so too).
"""
import base64
import hashlib
import html
import io
import math
import os
import secrets
import warnings

import numpy as np

__all__ = ["benchmark_report", "BenchmarkReport"]

#: Pictures hold at most this many bars; the rest of a large board is in the table (a note says so).
MAX_BARS = 20
#: The colour-blind-safe palette of Okabe & Ito (2008): every colour of the report comes from it.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
_PICKED, _TEST_BEST, _OTHER = "#D55E00", "#0072B2", "#56B4E9"
_DPI = 110
_NO_PLOTS = ("This picture needs matplotlib, which is not installed: <code>pip install genreclf[plots]</code> and "
             "write the report again. Its numbers are in the tables.")


class BenchmarkReport:
    """The report of one benchmark: an HTML page, shown inline by a notebook and written by :meth:`save`.

    Made by :func:`benchmark_report`.

    Attributes
    ----------
    html : str
        The whole page, a standalone HTML document.
    fragment : str
        The report alone (a ``<div>`` with its scoped ``<style>``), as a notebook shows it.
    """

    def __init__(self, fragment, title, uid):
        self.fragment = fragment
        self.title = title
        self.html = _document(fragment, title)
        self._uid = uid

    def _repr_html_(self):
        # each display its own ids (always written -<uid>"), so that two displays of one report in a notebook do
        # not share their sort buttons
        return self.fragment.replace(f'-{self._uid}"', f'-{secrets.token_hex(4)}"')

    def save(self, path):
        """Write the page to ``path`` (UTF-8); returns ``path``."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.html)
        return path

    def __repr__(self):
        return f"<BenchmarkReport {self.title!r}: {len(self.html.encode('utf-8')) / 1e6:.2f} MB of HTML>"


def benchmark_report(board, path=None, *, title="Benchmark report", max_bars=MAX_BARS, max_wrong=500):
    """The report of a :func:`~genreclf.evaluation.benchmark` leaderboard: one self-contained HTML page.

    Parameters
    ----------
    board : pandas.DataFrame
        The leaderboard, with the ``attrs`` that :func:`~genreclf.evaluation.benchmark` keeps (predictions,
        confusion matrices, ``attrs["run"]``). A board made by an older genreclf, without ``attrs["run"]``,
        gives a report whose run section says what was not recorded.
    path : str or os.PathLike, optional
        Where to write the page; None writes nothing (``report.save(path)`` later, or show it in a notebook).
    title : str, default="Benchmark report"
    max_bars : int, default=20
        Bars per picture at most: a protocol with more rows shows its best ones and the picked model, and says
        how many are left to the table.
    max_wrong : int, default=500
        Clips listed as got wrong per picked model at most, the most confident mistakes first (a note gives the
        total).

    Returns
    -------
    BenchmarkReport
        ``.html`` is the page; in a notebook the report shows inline.

    Notes
    -----
    The page of the bundled 1000-clip table (``genreclf benchmark --report``: both protocols, eight models) weighs
    0.48 MB, the pictures most of it; the clips listed as got wrong are capped by ``max_wrong``, so a larger data set
    does not make a larger page.

    Examples
    --------
    >>> from genreclf.datasets import load_gtzan_features
    >>> from genreclf.evaluation import benchmark
    >>> gtzan = load_gtzan_features()
    >>> board = benchmark(["logistic_regression", "naive_bayes"], gtzan.data, gtzan.target, groups=gtzan.groups,
    ...                   protocol="filtered", tune=False)
    >>> report = benchmark_report(board)
    >>> "Which model" in report.html, report.html.count('class="gcr-row"') == len(board)
    (True, True)
    """
    if not hasattr(board, "columns") or "model" not in board.columns or "protocol" not in board.columns:
        raise TypeError("benchmark_report needs the leaderboard DataFrame of genreclf.evaluation.benchmark(), "
                        f"got {type(board).__name__}")
    if len(board) == 0:
        raise ValueError("benchmark_report: the leaderboard is empty")
    for name, value in (("max_bars", max_bars), ("max_wrong", max_wrong)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}={value!r} must be an int >= 1")
    page = _Page(board, max_bars=int(max_bars), max_wrong=int(max_wrong))
    report = BenchmarkReport(page.render(title), title, page.uid)
    if path is not None:
        report.save(path)
    return report


# ------------------------------------------------------------------------------------------------- the page
class _Page:
    """Builds the report's HTML from a leaderboard: one method per section."""

    def __init__(self, board, *, max_bars, max_wrong):
        import pandas as pd

        from .evaluation import pick_models

        self.attrs = board.attrs
        self.run = dict(board.attrs.get("run") or {})
        # plain rows: pandas deep-copies attrs (every prediction) into each slice of the board
        self.records = board.to_dict("records")
        self.rows = pd.DataFrame.from_records(self.records, columns=list(board.columns))
        self.sets = "features" in self.rows.columns
        self.metric = "accuracy" if "accuracy_mean" in self.rows else next(
            c[:-5] for c in self.rows.columns if c.endswith("_mean") and "time" not in c)
        self.percent = "loss" not in self.metric
        self.protocols = list(dict.fromkeys(self.rows["protocol"]))
        picks = pick_models(self.rows) if "tune_accuracy" in self.rows else self.rows.iloc[:0]
        self.picked = {p: [self.records[i] for i in picks.index[picks["protocol"] == p]] for p in self.protocols}
        self.max_bars, self.max_wrong = max_bars, max_wrong
        self.uid = hashlib.blake2b(repr(self.records).encode(), digest_size=4).hexdigest()
        self.plots = _matplotlib_available()
        if not self.plots:
            warnings.warn("benchmark_report: matplotlib is not installed, so the report has no pictures (its tables "
                          "hold every number): pip install genreclf[plots]", UserWarning, stacklevel=3)

    # ---------------------------------------------------------------------------------------------- helpers
    def name(self, row):
        """A row's model, with its feature set when the board compares sets."""
        return f"{row['features']} · {row['model']}" if self.sets else str(row["model"])

    def key(self, row):
        """The key of a row's details in the board's attrs."""
        return (row["features"], row["model"], row["protocol"]) if self.sets else (row["model"], row["protocol"])

    def score(self, row, metric=None):
        metric = metric or self.metric
        return _score(row.get(f"{metric}_mean"), row.get(f"{metric}_std"), "loss" not in metric)

    def ranked(self, protocol):
        """The rows of ``protocol`` that have a test score, best first."""
        rows = [r for r in self.records if r["protocol"] == protocol and _finite(r.get(f"{self.metric}_mean"))]
        sign = 1 if self.percent else -1
        return sorted(rows, key=lambda r: -sign * r[f"{self.metric}_mean"])

    def failed(self, protocol):
        """The rows of ``protocol`` without a test score: models that failed (their ``error`` says why)."""
        return [r for r in self.records if r["protocol"] == protocol and not _finite(r.get(f"{self.metric}_mean"))]

    def picture(self, draw, alt, *args):
        """``<figure>`` of the PNG that ``draw(fig, *args)`` makes, or the note that matplotlib is missing."""
        if not self.plots:
            return (f'<figure class="gcr-figure gcr-noplot"><p>{_NO_PLOTS}</p><figcaption>{_e(alt)}</figcaption>'
                    "</figure>")
        import matplotlib
        from cycler import cycler
        from matplotlib.figure import Figure

        style = {"text.parse_math": False, "axes.prop_cycle": cycler(color=OKABE_ITO), "font.size": 10,
                 "axes.titlesize": 11, "axes.titleweight": "bold"}
        with matplotlib.rc_context(style):
            fig = Figure(layout="constrained")
            draw(fig, *args)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=_DPI)
        width, height = (fig.get_size_inches() * _DPI).round().astype(int)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return (f'<figure class="gcr-figure"><img src="data:image/png;base64,{data}" width="{width}" '
                f'height="{height}" alt="{_e(alt)}"></figure>')

    # --------------------------------------------------------------------------------------------- sections
    def render(self, title):
        sections = [self.run_section(), self.leaderboard_section(), *self.picked_sections(),
                    self.extraction_section(), self.table_section()]
        sections = [s for s in sections if s]
        toc = "".join(f'<li><a href="#{_e(sid)}-{self.uid}">{_e(head)}</a></li>' for sid, head, _ in sections)
        body = "".join(f'<section id="{_e(sid)}-{self.uid}" data-section="{_e(sid)}"><h2>{_e(head)}</h2>'
                       f"{content}</section>" for sid, head, content in sections)
        version = (self.run.get("versions") or {}).get("genreclf") or _own_version()
        return (f'<div class="gcr" data-board-rows="{len(self.records)}"><style>{_CSS}</style>'
                f"<header><h1>{_e(title)}</h1>{self.headline()}</header>"
                f'<nav aria-label="Contents"><ol>{toc}</ol></nav>{body}'
                f"<footer>Made by genreclf {_e(version)} (<code>genreclf.report.benchmark_report</code>): one "
                "self-contained file, with no script and nothing fetched.</footer></div>")

    def headline(self):
        """The answer in one line per protocol: the model picked without the test scores and its test score."""
        items = []
        for protocol in self.protocols:
            picked = self.picked[protocol]
            if picked:
                names = " and ".join(f"<strong>{_e(self.name(r))}</strong> ({self.score(r)})" for r in picked)
                items.append(f"<li>{_e(protocol)}: {names}, picked without the test scores</li>")
            elif self.ranked(protocol):
                best = self.ranked(protocol)[0]
                items.append(f"<li>{_e(protocol)}: best test score <strong>{_e(self.name(best))}</strong> "
                             f"({self.score(best)}); no model was tuned, so none was picked without the test "
                             "scores</li>")
            else:
                items.append(f"<li>{_e(protocol)}: every model failed (the table says why)</li>")
        return f'<ul class="gcr-headline">{"".join(items)}</ul>'

    def run_section(self):
        run, items = self.run, []
        if not run:
            items.append(("Run", "not recorded: this leaderboard was made without <code>attrs[\"run\"]</code> "
                                 "(a genreclf older than 0.2, or a board built by hand)"))
        n_rows, unit = run.get("n_rows"), run.get("unit", "clips")
        per_class = run.get("per_class") or {}
        if run:
            source = run.get("source")
            what = (f"{n_rows} segment rows of {sum(per_class.values())} tracks" if unit == "tracks"
                    else f"{n_rows} clips")
            items.append(("Data", (f"<code>{_e(source)}</code>" if source else "a table given to "
                                   "<code>benchmark()</code> (its source was not named)") + f": {_e(what)}"))
        if per_class:
            head = "".join(f"<th>{_e(c)}</th>" for c in per_class)
            cells = "".join(f"<td>{n}</td>" for n in per_class.values())
            items.append((f"{unit.capitalize()} per genre",
                          f'<div class="gcr-scroll"><table class="gcr-small"><tr>{head}</tr><tr>{cells}</tr></table>'
                          "</div>"))
        if run.get("features"):
            items.append(("Feature sets", "<ul>" + "".join(f"<li><strong>{_e(n)}</strong>: <code>{_e(d)}</code></li>"
                                                           for n, d in run["features"].items()) + "</ul>"))
        protocols = []
        for protocol in self.protocols:
            first = next(r for r in self.records if r["protocol"] == protocol)
            protocols.append(f"<li><strong>{_e(protocol)}</strong>: {_e(first.get('n_splits'))} split(s), "
                             f"{_e(first.get('n_test'))} test {_e(first.get('level', 'clip'))}s in all; "
                             f"± is the {_e(first.get('spread', 'spread'))}</li>")
        items.append(("Protocols", "<ul>" + "".join(protocols) + "</ul>"))
        if run:
            if run.get("tune"):
                filtered = any("artist-filtered" in str(p) for p in self.protocols)
                tuning = (f"nested: each model's grid searched inside each training part ({_e(run.get('inner_cv'))} "
                          f"inner folds{'; train → valid tracks for the artist-filtered split' if filtered else ''})")
            else:
                tuning = "off: every model fitted as given"
            items.append(("Tuning", tuning))
            items.append(("Seed", f"<code>random_state={_e(run.get('random_state'))}</code> (folds, inner folds, the "
                                  "bootstrap and the baselines' own seeds)"))
            versions = run.get("versions") or {}
            items.append(("Versions", ", ".join(f"{_e(p)} {_e(v) if v else '(not installed)'}"
                                                for p, v in versions.items())))
            wall = run.get("wall_time")
            items.append(("Wall time", f"{_duration(wall)}, started {_e(run.get('started', '?'))}"
                                       f" (n_jobs={_e(run.get('n_jobs'))})"))
        reused = self.attrs.get("fits_reused")
        cache = []
        if reused:
            cache.append(f"{reused[0]} of {reused[1]} fits of a model on a split read back from an earlier run")
        for name, cost in (run.get("extraction") or {}).items():
            if cost.get("cached") is not None:
                cache.append(f"{_e(name)}: {cost['cached']} of {cost['clips']} clips' features read from the cache")
        if cache:
            items.append(("Cache hits", "; ".join(cache)))
        rows = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in items)
        return "run", "The run", f'<dl class="gcr-run">{rows}</dl>'

    def leaderboard_section(self):
        parts = [f"<p>Bars: mean test {_e(_metric_name(self.metric))}{' in %' if self.percent else ''}; whiskers: "
                 "± its spread (std over folds, or the bootstrap standard error of a single split). "
                 f'<span class="gcr-key gcr-key-picked">hatched</span>: the model picked without the test scores '
                 "(best score inside its own search); "
                 '<span class="gcr-key gcr-key-best">dark</span>: the best test score, which flatters itself, '
                 "since picking it by that score is a choice made on the test clips.</p>"]
        for protocol in self.protocols:
            ranked, failed = self.ranked(protocol), self.failed(protocol)
            picked = self.picked[protocol]
            shown = _capped(ranked, picked, self.max_bars)
            parts.append(f"<h3>{_e(_question(protocol))} <small>({_e(protocol)})</small></h3>")
            if failed:
                parts.append(f'<p class="gcr-note">{len(failed)} model(s) failed and have no bar: '
                             f"{_e(', '.join(self.name(r) for r in failed))} (the table below says why).</p>")
            if not ranked:
                continue
            parts.append(self.picture(self._draw_leaderboard, f"Leaderboard under {protocol}: "
                                      f"{self.metric} of {len(shown)} models", protocol, shown, picked,
                                      ranked[0]))
            if len(shown) < len(ranked):
                parts.append(f'<p class="gcr-note">{len(shown)} of {len(ranked)} rows drawn: the best by test score '
                             "and the picked model. Every row is in the table below.</p>")
            parts.append(f"<p>{self.gap(picked, ranked[0])}</p>")
        return "leaderboard", "Which model wins, and by how much?", "".join(parts)

    def gap(self, picked, best):
        if not picked:
            return ("No model was tuned (<code>tune=False</code>, or no parameter grid), so nothing was picked "
                    "without the test scores. The details below are those of the best test score, "
                    f"<strong>{_e(self.name(best))}</strong> ({self.score(best)}), which flatters it.")
        if any(r is best for r in picked):
            return (f"The pick, <strong>{_e(self.name(best))}</strong> ({self.score(best)}), is also the best "
                    "test score.")
        pick = picked[0]
        gap = best[f"{self.metric}_mean"] - pick[f"{self.metric}_mean"]
        gap = f"{abs(gap) * 100:.1f} points" if self.percent else f"{abs(gap):.3f}"
        return (f"Picked without the test scores: <strong>{_e(self.name(pick))}</strong> ({self.score(pick)}, "
                f"inner score {_score(pick.get('tune_accuracy'), None, True)}). Best test score: "
                f"<strong>{_e(self.name(best))}</strong> ({self.score(best)}), {gap} better on these test clips, "
                "a gap that choosing by test score would claim for itself.")

    def _draw_leaderboard(self, fig, protocol, shown, picked, best):
        import pandas as pd
        from matplotlib.container import BarContainer
        from matplotlib.patches import Patch

        from .plotting import plot_leaderboard

        scale = 100.0 if self.percent else 1.0
        table = pd.DataFrame({
            "model": [self.name(r) for r in shown], "protocol": protocol,
            f"{self.metric}_mean": [r[f"{self.metric}_mean"] * scale for r in shown],
            f"{self.metric}_std": [r[f"{self.metric}_std"] * scale for r in shown],
            "spread": [r.get("spread", "") for r in shown]})
        fig.set_size_inches(8, 0.36 * len(shown) + 2.4)
        ax = plot_leaderboard(table, metric=self.metric, values_format=".1f" if self.percent else ".3f",
                              ax=fig.subplots())
        marked = {id(r) for r in picked}
        bars = next(c for c in ax.containers if isinstance(c, BarContainer))
        for row, bar in zip(shown, bars.patches):
            if id(row) in marked:
                bar.set(facecolor=_PICKED, hatch="///", edgecolor="white")
            else:
                bar.set(facecolor=_TEST_BEST if row is best else _OTHER)
        if picked:
            ax.axvline(picked[0][f"{self.metric}_mean"] * scale, color=_PICKED, linestyle=":", linewidth=1.5)
        ax.set_title(f"{_question(protocol)}\n{protocol}", fontsize=10)
        spread = shown[0].get("spread") or "spread"
        ax.set_xlabel(f"{_metric_name(self.metric)}{', %' if self.percent else ''} (test; mean ± {spread})")
        handles = [Patch(facecolor=_PICKED, hatch="///", edgecolor="white", label="picked without test scores"),
                   Patch(facecolor=_TEST_BEST, label="best test score"), Patch(facecolor=_OTHER, label="other")]
        fig.legend(handles=handles if picked else handles[1:], loc="outside lower center", ncol=3, fontsize="small",
                   frameon=False)

    def picked_sections(self):
        """One section per protocol: its picked model's confusion matrix, per-genre scores and wrong clips."""
        sections = []
        for i, protocol in enumerate(self.protocols):
            rows = self.picked[protocol] or self.ranked(protocol)[:1]
            if not rows:
                continue  # every model failed: the table says why
            parts = []
            if len(rows) > 3:
                parts.append(f'<p class="gcr-note">{len(rows)} models tie on their inner score; the first 3 are '
                             "shown.</p>")
            for row in rows[:3]:
                parts.append(self.model_details(row, protocol))
            how = "picked without the test scores" if self.picked[protocol] else "best test score (none tuned)"
            names = ", ".join(self.name(r) for r in rows[:3])
            sections.append((f"picked-{i + 1}", f"What does {names} get wrong? {protocol}, {how}",
                             "".join(parts)))
        return sections

    def model_details(self, row, protocol):
        key = self.key(row)
        predictions = (self.attrs.get("predictions") or {}).get(key)
        per_class = (self.attrs.get("per_class") or {}).get(key)
        name = self.name(row)
        parts = [f"<h3>{_e(name)} <small>{self.score(row)} {_e(_metric_name(self.metric))}</small></h3>"]
        if predictions is None:
            return parts[0] + '<p class="gcr-note">This board keeps no predictions for this row.</p>'
        classes = list(self.attrs.get("classes") or sorted(set(predictions["y_true"])))
        parts.append("<h4>Which genres does it mistake for which?</h4>")
        parts.append(self.picture(self._draw_confusion, f"Confusion matrix of {name} under {protocol}",
                                  predictions, classes))
        parts.append("<h4>Which genres does it find (recall), and is it right when it names one (precision)?</h4>")
        worst = classes
        if len(classes) > self.max_bars // 2 and per_class is not None:
            worst = list(per_class.sort_values("recall").index[:self.max_bars // 2])
            parts.append(f'<p class="gcr-note">The {len(worst)} genres of lowest recall are drawn; all '
                         f"{len(classes)} are in the table.</p>")
        parts.append(self.picture(self._draw_per_class, f"Recall and precision per genre of {name} under {protocol}",
                                  predictions, worst))
        if per_class is not None:
            parts.append(_per_class_table(per_class, _test_unit(predictions, self.run)))
        parts.append(self.wrong_clips(predictions))
        return "".join(parts)

    def _draw_confusion(self, fig, predictions, classes):
        from .plotting import plot_confusion_matrix

        n = len(classes)
        fig.set_size_inches(min(3.4 + 0.36 * n, 11), min(2.9 + 0.32 * n, 10))
        extra = sorted(set(predictions["y_pred"]) - set(classes), key=str)  # e.g. a reject label
        ax = plot_confusion_matrix(predictions["y_true"].to_numpy(), predictions["y_pred"].to_numpy(),
                                   labels=classes + extra, ax=fig.subplots())
        ax.set_title("Which genres does it mistake for which? (test clips)")
        ax.set(xlabel="predicted genre", ylabel="true genre")

    def _draw_per_class(self, fig, predictions, classes):
        from .plotting import plot_per_class_scores

        fig.set_size_inches(max(6.0, 0.6 * len(classes) + 2.5), 4.2)
        keep = predictions["y_true"].isin(classes) | predictions["y_pred"].isin(classes)
        ax = plot_per_class_scores(predictions["y_true"][keep].to_numpy(), predictions["y_pred"][keep].to_numpy(),
                                   labels=classes, ax=fig.subplots())
        ax.set_title("Recall and precision per genre (test clips)")
        ax.set(xlabel="genre", ylabel="score (0 to 1, pooled test clips)")

    def wrong_clips(self, predictions):
        wrong = predictions[predictions["y_true"].astype(str) != predictions["y_pred"].astype(str)]
        total = len(predictions)
        if not len(wrong):
            return f"<h4>Which clips did it get wrong?</h4><p>None of the {total} test clips.</p>"
        unit = _test_unit(predictions, self.run)
        if "proba" in wrong:
            wrong = wrong.sort_values("proba", ascending=False, kind="stable", na_position="last")
        listed = wrong.iloc[:self.max_wrong]
        files, source = self.run.get("files"), self.run.get("source")
        header = "file" if files and "row" in listed else "track" if listed["group"].notna().any() else "row"
        rows = []
        for record in listed.to_dict("records"):
            if header == "file":
                clip = _relative(files[int(record["row"])], source)
            elif header == "track":
                clip = record["group"]
            else:
                clip = record.get("row", "")
            rows.append(f"<tr><td>{_e(clip)}</td><td>{_e(record['y_true'])}</td><td>{_e(record['y_pred'])}</td>"
                        f"<td class=\"gcr-num\">{_percent(record.get('proba'))}</td>"
                        f"<td class=\"gcr-num\">{_percent(record.get('proba_true'))}</td>"
                        f"<td class=\"gcr-num\">{_e(record['fold'])}</td></tr>")
        note = (f" The {len(listed)} most confident mistakes are listed." if len(listed) < len(wrong) else "")
        return (f"<h4>Which clips did it get wrong?</h4><details{' open' if len(listed) <= 30 else ''}>"
                f"<summary>{len(wrong)} of {total} test {unit} "
                f"({100 * len(wrong) / total:.1f} %), the most confident mistakes first.{note}</summary>"
                f'<div class="gcr-scroll"><table class="gcr-wrong"><thead><tr><th>{header}</th><th>true genre</th>'
                "<th>predicted genre</th><th>probability of the prediction</th><th>probability of the true genre"
                f"</th><th>fold</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></details>")

    def extraction_section(self):
        costs = self.run.get("extraction")
        if not costs:
            return None
        wall = self.run.get("wall_time") or math.nan
        rows = []
        for name, cost in costs.items():
            cached = cost.get("cached")
            extracted = cost["clips"] - cached if cached is not None else None
            per_clip = cost["seconds"] / extracted if extracted else math.nan
            share = cost["seconds"] / wall if wall > 0 else math.nan
            bar = f'<span class="gcr-bar" style="width:{100 * share:.1f}%"></span>' if _finite(share) else ""
            rows.append(f"<tr><td>{_e(name)}</td><td class=\"gcr-num\">{cost['clips']}</td>"
                        f"<td class=\"gcr-num\">{'?' if extracted is None else extracted}</td>"
                        f"<td class=\"gcr-num\">{'?' if cached is None else cached}</td>"
                        f"<td class=\"gcr-num\">{cost['seconds']:.1f} s</td>"
                        f"<td class=\"gcr-num\">{'n/a' if not _finite(per_clip) else f'{per_clip:.3f} s'}</td>"
                        f"<td class=\"gcr-share\">{bar}<span>{_percent(share)}</span></td></tr>")
        return ("features", "What did each feature set cost?",
                "<p>Each set is extracted once per clip for the whole benchmark; a clip found in the cache costs "
                "only its reading. Seconds are wall time on this machine (with the run's n_jobs); the cost per clip "
                "counts the clips extracted in this run.</p>"
                '<div class="gcr-scroll"><table class="gcr-small gcr-costs"><thead><tr><th>feature set</th>'
                "<th>clips</th><th>extracted</th><th>from the cache</th><th>wall time</th><th>per extracted clip</th>"
                f"<th>share of the run</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")

    def table_section(self):
        metrics = [m for m in ("accuracy", "f1_macro", "balanced_accuracy", "log_loss")
                   if f"{m}_mean" in self.rows]
        metrics += [c[:-5] for c in self.rows.columns if c.endswith("_mean") and "time" not in c
                    and c[:-5] not in metrics]
        tuned = "tune_accuracy" in self.rows and self.rows["tune_accuracy"].notna().any()
        # widths in em of the table's font: one line per score at a laptop's width
        columns = [("#", "2.2em")] + ([("features", "6.5em")] if self.sets else [])
        columns += [("model", "11em"), ("protocol", "10em")]
        columns += [(_metric_name(m) + ("" if "loss" in m else ", %"), "8em") for m in metrics]
        columns += ([("inner score, %", "6.5em")] if tuned else []) + [("fit, s", "8.5em"), ("predict, s", "7em"),
                                                                       ("best params", "minmax(10em, 1fr)")]
        errors = "error" in self.rows and self.rows["error"].notna().any()
        if errors:
            columns.append(("error", "minmax(12em, 1.5fr)"))
        orders = {"board": ("test score (by protocol)", list(range(1, len(self.records) + 1)))}
        if tuned:
            orders["tune"] = ("inner score", _ranks([(self.protocols.index(r["protocol"]),
                                                      -r["tune_accuracy"] if _finite(r["tune_accuracy"]) else math.inf)
                                                     for r in self.records]))
        orders["fit"] = ("fit time", _ranks([r["fit_time_mean"] if _finite(r["fit_time_mean"]) else math.inf
                                             for r in self.records]))
        orders["name"] = ("model", _ranks([(self.name(r), self.protocols.index(r["protocol"])) for r in self.records]))
        picked = {id(r) for rows in self.picked.values() for r in rows}
        numbers = range(4 if self.sets else 3, len(columns) - (2 if errors else 1))  # scores and times, right

        def cell(tag, j, content):
            return f'<{tag} class="gcr-num">{content}</{tag}>' if j in numbers else f"<{tag}>{content}</{tag}>"

        body = []
        for i, r in enumerate(self.records):
            style = ";".join(f"--o-{k}:{ranks[i]}" for k, (_, ranks) in orders.items())
            cells = [str(i + 1)] + ([_e(r["features"])] if self.sets else [])
            cells += [_e(r["model"]) + (' <span class="gcr-tag">picked</span>' if id(r) in picked else ""),
                      _e(r["protocol"])]
            cells += [self.score(r, m) for m in metrics]
            if tuned:
                cells.append(_score(r.get("tune_accuracy"), None, True))
            cells += [_seconds(r.get("fit_time_mean"), r.get("fit_time_std")),
                      _seconds(r.get("predict_time_mean"), None), _e(r.get("best_params") or "")]
            if errors:
                cells.append(_e(r["error"]) if isinstance(r.get("error"), str) else "")
            body.append(f'<tr class="gcr-row" style="{style}">' + "".join(cell("td", j, c) for j, c in enumerate(cells))
                        + "</tr>")
        head = "".join(cell("th", j, _e(c)) for j, (c, _) in enumerate(columns))
        template = " ".join(w for _, w in columns)  # for a browser without CSS subgrid
        auto = " ".join(w if w.startswith("minmax") else "auto" for _, w in columns)  # the cells' own widths
        radios = "".join(f'<input type="radio" class="gcr-sort-{k}" name="gcr-sort-{self.uid}" '
                         f'id="gcr-sort-{k}-{self.uid}"{" checked" if k == "board" else ""}>' for k in orders)
        labels = "".join(f'<label for="gcr-sort-{k}-{self.uid}" class="gcr-by-{k}">{_e(text)}</label>'
                         for k, (text, _) in orders.items())
        sort_css = "".join(f".gcr .gcr-sort-{k}:checked~.gcr-scroll .gcr-row{{order:var(--o-{k})}}"
                           f".gcr .gcr-sort-{k}:checked~.gcr-sortbar .gcr-by-{k}{{background:#0072B2;color:#fff}}"
                           for k in orders)
        return ("table", "The leaderboard",
                f"<style>{sort_css}</style><p>{len(self.records)} rows, one per "
                f"{'feature set × ' if self.sets else ''}model and protocol. Scores are test scores, mean ± spread; "
                "the inner score is the one the pick reads (best of the model's grid inside its training part). "
                "Times are seconds per split, the search included.</p>"
                f'<div class="gcr-sortable">{radios}<div class="gcr-sortbar">Sort by: {labels}</div>'
                f'<div class="gcr-scroll"><table class="gcr-board" data-rows="{len(self.records)}" '
                f'style="--gcr-cols:{template};--gcr-auto:{auto}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
                "</table></div></div>")


# ----------------------------------------------------------------------------------------------- formatting
def _e(value):
    """``value`` as HTML text: every ``<``, ``>``, ``&`` and quote escaped."""
    return html.escape(str(value), quote=True)


def _finite(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value)


def _score(mean, std, percent):
    """``76.1 ± 3.0 %`` (or ``0.912 ± 0.050`` for a loss); ``n/a`` when missing."""
    if not _finite(mean):
        return "n/a"
    scale, digits, unit = (100.0, 1, " %") if percent else (1.0, 3, "")
    spread = f" ± {std * scale:.{digits}f}" if _finite(std) else ""
    return f"{mean * scale:.{digits}f}{spread}{unit}"


def _percent(value):
    return f"{100 * value:.1f} %" if _finite(value) else "n/a"


def _seconds(mean, std):
    """``12.78 ± 1.81 s``; two significant digits below 0.01 s (``0.0018 s``)."""
    if not _finite(mean):
        return "n/a"
    fmt = ".2f" if mean >= 0.01 else ".2g"
    return f"{mean:{fmt}}" + (f" ± {std:{fmt}}" if _finite(std) else "") + " s"


def _duration(seconds):
    if not _finite(seconds):
        return "not recorded"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s ({seconds / 60:.1f} min)"


def _metric_name(metric):
    return {"accuracy": "accuracy", "f1_macro": "macro F1", "log_loss": "log loss",
            "balanced_accuracy": "balanced accuracy"}.get(metric, metric.replace("_", " "))


def _question(protocol):
    """What a protocol's leaderboard answers."""
    text = str(protocol)
    if "artist-filtered" in text:
        return "Which model generalizes to unseen artists?"
    if "track-level" in text:
        return "Which model labels unseen tracks best?"
    if "segment-level" in text:
        return "Which model labels unseen segments best?"
    return "Which model labels unseen clips best?"


def _capped(ranked, picked, n):
    """The first ``n`` of ``ranked``, with the picked rows in (in place of the last ones), in ranked order."""
    keep = {id(r) for r in picked[:n]}
    for r in ranked:
        if len(keep) >= n:
            break
        keep.add(id(r))
    return [r for r in ranked if id(r) in keep]


def _ranks(keys):
    """The rank (from 1) of each key in sorted order, ties in input order."""
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    ranks = [0] * len(keys)
    for rank, i in enumerate(order, 1):
        ranks[i] = rank
    return ranks


def _relative(path, source):
    if path is None:
        return "?"
    if source:
        try:
            return os.path.relpath(path, source)
        except ValueError:  # another drive on Windows
            pass
    return path


def _test_unit(predictions, run):
    """What one test prediction is: a clip, a segment (of a track), or a track (its segments' vote)."""
    if "row" not in predictions:
        return "tracks"
    return "segments" if run.get("unit") == "tracks" else "clips"


def _per_class_table(per_class, unit):
    rows = "".join(f"<tr><td>{_e(c)}</td><td class=\"gcr-num\">{_percent(r['recall'])}</td>"
                   f"<td class=\"gcr-num\">{_percent(r['precision'])}</td><td class=\"gcr-num\">{_percent(r['f1'])}"
                   f"</td><td class=\"gcr-num\">{int(r['support'])}</td></tr>"
                   for c, r in per_class.iterrows())
    return ('<div class="gcr-scroll"><table class="gcr-small gcr-perclass"><thead><tr><th>genre</th><th>recall</th>'
            f"<th>precision</th><th>F1</th><th>test {unit}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def _matplotlib_available():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _own_version():
    from . import __version__

    return __version__


def _document(fragment, title):
    """The standalone page: the fragment, with a policy that lets the browser load nothing but its own images."""
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title></head><body>{fragment}</body></html>\n")


# Scoped to .gcr, so that the report shown in a notebook leaves the notebook's own styles alone.
_CSS = """
.gcr{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1b1b1b;background:#fff;
max-width:72rem;margin:0 auto;padding:1rem 1.25rem 2rem;line-height:1.45;font-size:15px}
.gcr h1{font-size:1.6rem;margin:.2rem 0 .6rem}.gcr h2{font-size:1.3rem;margin:2rem 0 .6rem;padding-bottom:.2rem;
border-bottom:2px solid #0072B2}.gcr h3{font-size:1.1rem;margin:1.4rem 0 .4rem}.gcr h4{font-size:1rem;
margin:1.1rem 0 .3rem}.gcr small{font-weight:normal;color:#444}.gcr code{font-size:.9em;background:#f2f2f2;
padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}
.gcr nav ol{padding-left:1.6rem;margin:.4rem 0;columns:2 24rem}.gcr nav li{break-inside:avoid}
.gcr a{color:#0060a0}.gcr .gcr-headline{margin:.2rem 0;padding-left:1.2rem}
.gcr .gcr-run{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.35rem 1rem;margin:0}
.gcr .gcr-run dt{font-weight:600}.gcr .gcr-run dd{margin:0;min-width:0}.gcr .gcr-run ul{margin:0;padding-left:1.1rem}
.gcr figure{margin:.6rem 0}.gcr figure img{max-width:100%;height:auto;display:block}
.gcr .gcr-noplot{border:1px dashed #999;padding:.6rem .8rem;background:#fafafa;max-width:40rem}
.gcr .gcr-note{color:#444;font-style:italic}
.gcr .gcr-key{padding:0 .3em;color:#fff}.gcr .gcr-key-picked{background:repeating-linear-gradient(45deg,#D55E00 0 4px,
#e98a4f 4px 7px)}.gcr .gcr-key-best{background:#0072B2}
.gcr .gcr-scroll{overflow-x:auto;max-width:100%}
.gcr table{border-collapse:collapse;font-size:.9rem}.gcr th,.gcr td{padding:.2rem .5rem;text-align:left;
vertical-align:top;border-bottom:1px solid #ddd}.gcr th{background:#f2f6fa}.gcr .gcr-num{text-align:right;
font-variant-numeric:tabular-nums;white-space:nowrap}
.gcr .gcr-wrong td:first-child{overflow-wrap:anywhere;max-width:28rem}
.gcr details summary{cursor:pointer;margin:.3rem 0}
.gcr .gcr-share{min-width:9rem;position:relative}.gcr .gcr-bar{display:inline-block;height:.8em;background:#E69F00;
margin-right:.4rem;vertical-align:middle;max-width:6rem}
.gcr .gcr-sortable{position:relative}.gcr .gcr-sortable input{position:absolute;opacity:0;pointer-events:none}
.gcr .gcr-sortbar{margin:.4rem 0}.gcr .gcr-sortbar label{display:inline-block;border:1px solid #0072B2;
border-radius:1rem;padding:.05rem .7rem;margin:0 .2rem .2rem 0;cursor:pointer}
.gcr .gcr-sortable input:focus-visible~.gcr-sortbar{outline:2px solid #E69F00}
.gcr .gcr-board{display:grid;grid-template-columns:var(--gcr-auto);font-size:.85rem}
.gcr .gcr-board thead,.gcr .gcr-board tbody{display:contents}.gcr .gcr-board tr{display:grid;grid-column:1/-1;
grid-template-columns:var(--gcr-cols);grid-template-columns:subgrid;border-bottom:1px solid #ddd}
.gcr .gcr-board thead tr{background:#f2f6fa}.gcr .gcr-board th,.gcr .gcr-board td{border:0;padding:.2rem .4rem;
overflow-wrap:break-word}.gcr .gcr-board th.gcr-num{white-space:normal}
.gcr .gcr-tag{font-size:.75rem;background:#D55E00;color:#fff;border-radius:.6rem;padding:0 .4rem;white-space:nowrap}
.gcr footer{margin-top:2rem;color:#555;font-size:.85rem}
""".replace("\n", "")
