r"""Published sizes of language models, 2018–2024 (figures: :mod:`llmbook.plots.scale`).

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
    """Parameters and training tokens of each model against its year: :func:`llmbook.plots.model_sizes_figure`."""
    from . import plots

    return plots.model_sizes_figure(load() if rows is None else rows)


def ratio_figure(rows: tuple[ModelSize, ...] | None = None, rule: float = 20.0):
    """Training tokens per parameter against the year: :func:`llmbook.plots.tokens_per_parameter_figure`."""
    from . import plots

    return plots.tokens_per_parameter_figure(load() if rows is None else rows, rule)
