r"""Published sizes of language models, 2018–2024, and a figure of their growth.

The table ships with the package as ``llmbook/data/model_sizes.csv``. Each row
is one model as its paper describes it: parameters, training tokens and total
training compute where the paper (or the paper named in ``source``) gives them.
``source`` holds the keys in the book's ``references.bib`` of the papers the
numbers come from, separated by ``;``. Where a paper states its training schedule
but not the total, the token count is derived from the schedule (steps × sequences
per batch × tokens per sequence), with the arithmetic in ``note``: T5, BERT and
Megatron-LM. Empty cells mean "not published"; the table never fills a gap with an
estimate.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
from dataclasses import dataclass

import matplotlib.pyplot as plt

__all__ = ["ModelSize", "figure", "human_count", "load", "ratio_figure"]


@dataclass(frozen=True)
class ModelSize:
    """One model's published figures.

    Attributes:
        model: the model's name.
        year: the year it was first made public (paper or preprint).
        organization: who trained it.
        parameters: parameter count :math:`N`.
        tokens: training tokens :math:`D`, or ``None`` if not published.
        published_flops: total training compute in FLOPs, or ``None`` if not published.
        sources: the ``references.bib`` keys of the papers the figures come from.
        note: where in the paper, or what is special about the row.
    """

    model: str
    year: int
    organization: str
    parameters: float
    tokens: float | None
    published_flops: float | None
    sources: tuple[str, ...]
    note: str


def human_count(x) -> str:
    """A large count in words' units, to three significant digits: ``"117 M"``, ``"15.6 T"``.

    The units are K (thousand), M (million), B (billion), T (trillion); counts below
    1,000 are printed as they are.
    Raises ``ValueError`` for a negative, NaN or infinite count, ``TypeError`` for a non-number.
    """
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"x must be a number, got {type(x).__name__}")
    if not (x >= 0 and x != float("inf")):
        raise ValueError(f"x must be a finite count >= 0, got {x}")
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if x >= size * 0.9995:
            return f"{x / size:.3g} {unit}"
    return f"{x:.3g}"


def _optional_float(text: str, column: str, model: str) -> float | None:
    if text.strip() == "":
        return None
    value = float(text)
    if not value > 0:
        raise ValueError(f"{column} of {model!r} must be positive, got {text!r}")
    return value


def load(text: str | None = None) -> tuple[ModelSize, ...]:
    """The table of model sizes, in the order of the file (by year).

    Args:
        text: CSV text with the columns of ``model_sizes.csv`` (default: the shipped file).
    Returns:
        a tuple of :class:`ModelSize`.
    Raises:
        ValueError: a missing column, a non-positive number, or a row without a source.
    """
    if text is None:
        text = (
            importlib.resources.files("llmbook")
            .joinpath("data/model_sizes.csv")
            .read_text(encoding="utf-8")
        )
    reader = csv.DictReader(io.StringIO(text))
    needed = {"model", "year", "organization", "parameters", "tokens", "published_flops"}
    needed |= {"source", "note"}
    missing = needed - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"model-size table lacks the column(s) {sorted(missing)}")
    rows = []
    for r in reader:
        name = r["model"]
        params = _optional_float(r["parameters"], "parameters", name)
        if params is None:
            raise ValueError(f"parameters of {name!r} must be given")
        sources = tuple(k.strip() for k in r["source"].split(";") if k.strip())
        if not sources:
            raise ValueError(f"row {name!r} names no source")
        rows.append(
            ModelSize(
                model=name,
                year=int(r["year"]),
                organization=r["organization"],
                parameters=params,
                tokens=_optional_float(r["tokens"], "tokens", name),
                published_flops=_optional_float(r["published_flops"], "published_flops", name),
                sources=sources,
                note=r["note"],
            )
        )
    return tuple(rows)


def figure(rows: tuple[ModelSize, ...] | None = None):
    """Parameters and training tokens of each model against its year, on a log scale.

    Args:
        rows: the models to plot (default: :func:`load`).
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes; each model is labelled.
    """
    rows = load() if rows is None else rows
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    years = [r.year for r in rows]
    ax.scatter(years, [r.parameters for r in rows], color="C0", label="parameters $N$", zorder=3)
    with_tokens = [r for r in rows if r.tokens is not None]
    ax.scatter(
        [r.year for r in with_tokens],
        [r.tokens for r in with_tokens],
        color="C1",
        marker="s",
        label="training tokens $D$",
        zorder=3,
    )
    # Models of the same year are spread along x so that their labels do not overlap.
    seen: dict[int, int] = {}
    for r in rows:
        k = seen.get(r.year, 0)
        seen[r.year] = k + 1
        ax.annotate(
            r.model,
            (r.year, r.parameters),
            xytext=(6, -10 + 9 * k),
            textcoords="offset points",
            fontsize=7.5,
        )
    ax.set_yscale("log")
    ax.set_xlim(min(years) - 0.5, max(years) + 1.2)  # room for the labels on the right
    ax.set_xticks(range(min(years), max(years) + 1))
    ax.set_xlabel("year first published")
    ax.set_ylabel("count (log scale)")
    ax.set_title("Published language models: parameters and training tokens")
    ax.grid(True, which="major", axis="y", color="0.9")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def ratio_figure(rows: tuple[ModelSize, ...] | None = None, rule: float = 20.0):
    r"""Training tokens per parameter, :math:`D/N`, of each model against its year.

    Args:
        rows: the models (default: :func:`load`); those without published tokens are skipped.
        rule: the compute-optimal ratio drawn as a horizontal line (default 20).
    Returns:
        a :class:`matplotlib.figure.Figure` with one axes, log scale on y.
    Raises:
        ValueError: ``rule`` not positive, or no row with published tokens.
    """
    rows = load() if rows is None else rows
    if not rule > 0:
        raise ValueError(f"rule must be positive, got {rule}")
    known = [r for r in rows if r.tokens is not None]
    if not known:
        raise ValueError("rows must contain at least one model with published tokens")
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    ratios = [r.tokens / r.parameters for r in known]
    ax.scatter([r.year for r in known], ratios, color="C2", zorder=3)
    seen: dict[int, int] = {}
    for r, x in zip(known, ratios, strict=True):
        k = seen.get(r.year, 0)
        seen[r.year] = k + 1
        ax.annotate(
            r.model, (r.year, x), xytext=(6, -10 + 9 * k), textcoords="offset points", fontsize=7.5
        )
    ax.axhline(
        rule, color="C3", ls="--", lw=1, label=f"compute-optimal rule, {rule:g} tokens/parameter"
    )
    ax.set_yscale("log")
    years = [r.year for r in known]
    ax.set_xlim(min(years) - 0.5, max(years) + 1.2)  # room for the labels on the right
    ax.set_xticks(range(min(years), max(years) + 1))
    ax.set_xlabel("year first published")
    ax.set_ylabel("training tokens per parameter $D/N$")
    ax.set_title("How much data each parameter saw")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
