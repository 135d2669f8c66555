"""Small display objects for the chapters: tables and erratum boxes.

Each object renders as HTML in Jupyter and on the website (styled by the book's
theme) and as Markdown or plain text elsewhere, so a chapter shows a computed
table with one call instead of building strings in a notebook cell.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from . import errata

__all__ = ["ErratumBox", "Table", "errata_table", "erratum", "fmt", "trace_table"]


def fmt(value, digits: int = 4) -> str:
    """Format a number for a table: ``digits`` significant decimals, integers as is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return (
            f"{value:.{digits}g}"
            if abs(value) >= 1e5 or 0 < abs(value) < 1e-4
            else f"{value:.{digits}f}"
        )
    return str(value)


class Table:
    """A table of rows (mappings or sequences) under ``columns`` headers.

    Args:
        rows: a sequence of mappings (keyed by column name) or of sequences.
        columns: the column headers; for mappings, also the keys to show, in order.
        digits: decimals for float cells (see :func:`fmt`).
        caption: optional caption shown above the table.
    Raises:
        ValueError: ``columns`` empty, or a sequence row of the wrong length.
    """

    def __init__(self, rows: Sequence, columns: Sequence[str], digits: int = 4, caption: str = ""):
        if not columns:
            raise ValueError("columns must name at least one column")
        self.columns = list(columns)
        self.caption = caption
        self.cells: list[list[str]] = []
        for i, row in enumerate(rows):
            if isinstance(row, Mapping):
                values = [row.get(c, "") for c in self.columns]
            else:
                values = list(row)
                if len(values) != len(self.columns):
                    raise ValueError(
                        f"row {i} has {len(values)} cells; columns has {len(self.columns)}"
                    )
            self.cells.append([fmt(v, digits) for v in values])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
            for row in self.cells
        )
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f'<table class="table llmbook-table">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def _repr_markdown_(self) -> str:
        def line(cells):
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        out = [line(self.columns), line(["---"] * len(self.columns))]
        out += [line(row) for row in self.cells]
        return ("**" + self.caption + "**\n\n" if self.caption else "") + "\n".join(out)

    def __repr__(self) -> str:
        widths = [max(len(c), *(len(r[i]) for r in self.cells)) for i, c in enumerate(self.columns)]
        rows = [self.columns, *self.cells]
        return "\n".join(
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows
        )


class ErratumBox:
    """An erratum shown where it occurs: what the article says, the correct value, why."""

    def __init__(self, e: errata.Erratum):
        self.e = e

    def _computed(self) -> str:
        if self.e.recompute is None:
            return ""
        return f" The package computes {self.e.recompute():.{self.e.digits}f}."

    def _repr_html_(self) -> str:
        e = self.e
        return (
            f'<div class="admonition warning llmbook-erratum" id="erratum-{html.escape(e.key)}">'
            f'<p class="admonition-title">Erratum ({html.escape(e.key)}): {html.escape(e.topic)}</p>'
            f"<p><strong>The article:</strong> {html.escape(e.article)}</p>"
            f"<p><strong>Correct:</strong> {html.escape(e.correct)}{html.escape(self._computed())}</p>"
            f"<p><strong>Why:</strong> {html.escape(e.reason)}</p></div>"
        )

    def __repr__(self) -> str:
        e = self.e
        return (
            f"Erratum ({e.key}): {e.topic}\n  The article: {e.article}\n"
            f"  Correct: {e.correct}{self._computed()}\n  Why: {e.reason}"
        )


def erratum(key: str) -> ErratumBox:
    """The box for erratum ``key`` of :mod:`llmbook.errata`, for display in a chapter."""
    return ErratumBox(errata.get(key))


def errata_table(section: int | None = None) -> Table:
    """All errata (or one section's) as a :class:`Table` with the package's computed values."""
    rows = errata.table(section)
    columns = ["section", "topic", "article", "correct", "computed", "reason"]
    if section is not None:
        columns.remove("section")
    return Table(rows, columns)


def trace_table(step) -> Table:
    """The values of a :class:`llmbook.backprop.NeuronStep`, one row each, in computation order."""
    names = [
        ("z", "z = w·x + b"),
        ("y", "y = f(z)"),
        ("loss", "L"),
        ("dloss_dy", "∂L/∂y"),
        ("dy_dz", "∂y/∂z = f'(z)"),
        ("dloss_dz", "∂L/∂z"),
        ("grad_w", "∂L/∂w"),
        ("grad_b", "∂L/∂b"),
        ("w_new", "w - α ∂L/∂w"),
        ("b_new", "b - α ∂L/∂b"),
    ]
    rows = []
    for field, meaning in names:
        value = getattr(step, field)
        shown = ", ".join(fmt(float(v), 6) for v in value) if hasattr(value, "__len__") else value
        rows.append((field, meaning, shown))
    return Table(rows, ["field", "meaning", "value"], digits=6)
