"""Griffe extension for the API reference: render the Sphinx/RST bits of our numpydoc docstrings.

The docstrings are numpydoc, written to read well in a terminal and in Sphinx. Two RST constructs have no
Markdown equivalent and mkdocstrings would print them verbatim, so this extension (loaded by ``mkdocs.yml``)
rewrites them in the loaded docstrings — no source file changes:

- cross-reference roles such as ``:class:`~genreclf.features.GTZANFeatures``` become an inline code span of
  the target (``~`` keeps only the last name, as in Sphinx);
- RST "simple tables" (columns delimited by lines of ``=``) become Markdown tables.
"""
import re

from griffe import Extension

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|obj|exc|const|term|ref):`(~?)([^`]+)`")
_BORDER = re.compile(r"^\s*=+(\s+=+)+\s*$")


def _code(match):
    short, target = match.group(1), match.group(2).strip()
    if short:
        target = target.split(".")[-1]
    return f"`{target}`"


def _cells(line, starts):
    bounds = list(starts[1:]) + [None]
    return [line[a:b].strip() if b is not None else line[a:].strip() for a, b in zip(starts, bounds)]


def _table(lines):
    """An RST simple table (its lines, borders included) as Markdown lines."""
    indent = len(lines[0]) - len(lines[0].lstrip())
    starts = [m.start() for m in re.finditer(r"=+", lines[0])]
    borders = [i for i, line in enumerate(lines) if _BORDER.match(line)]
    header = None
    body = lines[1:-1]
    if len(borders) == 3:
        header = [_cells(line, starts) for line in lines[1:borders[1]]]
        header = [" ".join(col).strip() for col in zip(*header)]
        body = lines[borders[1] + 1:-1]
    rows = []
    for line in body:
        if not line.strip():
            continue
        cells = _cells(line, starts)
        if rows and not cells[0]:  # continuation line: extend the previous row
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    header = header or [""] * len(starts)
    pad = " " * indent
    out = [pad + "| " + " | ".join(header) + " |", pad + "|" + "---|" * len(starts)]
    out += [pad + "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def _tables(text):
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        if _BORDER.match(lines[i]):
            ends = [j for j in range(i + 1, len(lines)) if _BORDER.match(lines[j])]
            # a table is 2 borders (no header) or 3 (header), ending at a border followed by a blank/end
            closing = [j for j in ends if j + 1 == len(lines) or not lines[j + 1].strip()]
            if closing:
                end = closing[0]
                out.extend([""] + _table(lines[i:end + 1]))
                i = end + 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


class RSTRoles(Extension):
    """Rewrite RST roles as code spans and RST simple tables as Markdown tables in every docstring."""

    def on_object(self, *, obj, **kwargs):
        doc = obj.docstring
        if doc is None:
            return
        value = doc.value
        if ":`" in value:
            value = _ROLE.sub(_code, value)
        if "==" in value:
            value = _tables(value)
        doc.value = value
