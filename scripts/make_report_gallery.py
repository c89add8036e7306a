"""Screenshots of real benchmark reports for the docs gallery: ``docs/gallery/report_*.png``.

Make the reports first, then photograph them in headless Chromium (``apt-get install -y chromium``)::

    genreclf benchmark --report table.html
    genreclf benchmark --data ../shared/data/gtzan_dev --features gtzan,musicnn --protocol cv --cv 4 --report dev.html
    python scripts/make_report_gallery.py table.html dev.html

Each picture is one part of a page at a laptop's width (1366 px), cut at the edges of its sections.
"""
import argparse
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the test suite's Chromium driver

from headless_chromium import LAPTOP, open_page  # noqa: E402
from PIL import Image  # noqa: E402  (a dependency of matplotlib)

GALLERY = REPO / "docs" / "gallery"
# where each part of a page starts and ends: CSS selectors (the end's top edge; None: the page's end)
BOXES = """(() => {
  const top = s => { const e = document.querySelector(s); return e ? e.getBoundingClientRect().top + scrollY : null; };
  return JSON.stringify({
    height: document.documentElement.scrollHeight,
    run: top('section[data-section="run"]'), leaderboard: top('section[data-section="leaderboard"]'),
    picked: top('section[data-section="picked-1"]'), features: top('section[data-section="features"]'),
    table: top('section[data-section="table"]'),
    wrong: top('section[data-section="picked-1"] h4:nth-of-type(3)'),
  });
})()"""


def photograph(page, parts, margin=12):
    """Save ``{name: (top key, bottom key or None, at most px)}`` parts of the report ``page``."""
    boxes = open_page(page, expression=BOXES).facts
    shot = Image.open(io.BytesIO(open_page(page, size=(LAPTOP[0], boxes["height"])).screenshot))
    for name, (start, end, most) in parts.items():
        top = max(0, int(boxes[start] if start != "page" else 0) - margin)
        bottom = int(boxes[end]) - margin if end else shot.height
        bottom = min(bottom, top + most, shot.height)
        out = GALLERY / f"{name}.png"
        # a palette of 256 colours: a page of flat colours and text loses nothing visible, and weighs a third
        shot.crop((0, top, shot.width, bottom)).convert("RGB").quantize(256).save(out, optimize=True)
        print(f"wrote {out.relative_to(REPO)} ({shot.width} x {bottom - top} px, {out.stat().st_size // 1024} kB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", help="the report of the bundled table (genreclf benchmark --report table.html)")
    parser.add_argument("audio", help="the report of the development clips (--features gtzan,musicnn)")
    args = parser.parse_args()
    photograph(args.audio, {"report_audio_run": ("page", "picked", 1700),
                            "report_audio_mistakes": ("picked", "wrong", 1700),
                            "report_audio_wrong": ("wrong", "features", 900),
                            "report_audio_costs": ("features", None, 1200)})
    photograph(args.table, {"report_table_leaderboard": ("leaderboard", "picked", 1900)})


if __name__ == "__main__":
    main()
