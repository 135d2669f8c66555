r"""Where the source article is wrong: its claim, the correct value, and why.

Each :class:`Erratum` records one error of the source article
("大规模语言模型从理论到实践：模型架构"). Numeric errata carry the correct value
(``value``, derived by hand in the test suite) and a ``recompute`` function
that obtains it from this package, so the table the book prints is checked
against the code that the chapters run. The chapters flag each erratum where
it occurs; the errata appendix prints them all with :func:`table`. The entries
themselves are data, in ``data/errata.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import yaml

from . import activations, backprop, losses

__all__ = ["ERRATA", "KINDS", "Erratum", "by_section", "count_rows", "counts", "get", "table"]

#: The kinds of error: a wrong number, a wrong formula, code that does not run
#: or does not do what it says, a wrong citation, or a wrong statement of fact.
KINDS = ("number", "formula", "code", "citation", "claim")


@dataclass(frozen=True)
class Erratum:
    """One error of the source article.

    Attributes:
        key: a short unique identifier, e.g. ``"s4-sigmoid"``.
        section: the article's section number, 1 to 10.
        kind: one of :data:`KINDS`.
        topic: what the claim is about, a few words.
        article: what the article says (its number, formula or claim).
        correct: the correct number, formula or statement, as the book prints it.
        reason: why, in one or two sentences.
        article_value: the article's number, for numeric errata.
        value: the correct number, for numeric errata.
        recompute: returns the correct number computed by this package.
        digits: the decimals to which ``value`` is stated.
        cite_keys: for citation errata, the keys in ``references.bib`` of the
            works the article meant (the test suite checks each key exists).
    """

    key: str
    section: int
    kind: str
    topic: str
    article: str
    correct: str
    reason: str
    article_value: float | None = None
    value: float | None = None
    recompute: Callable[[], float] | None = None
    digits: int = 4
    cite_keys: tuple[str, ...] = ()


def _article_step():
    """The article's single-neuron example: x=1, w=0.5, b=0.2, target 0.8, lr 0.1."""
    return backprop.single_neuron_step(x=1.0, w=0.5, b=0.2, y_true=0.8, lr=0.1)


#: The functions that recompute the correct value of each numeric erratum with this package.
RECOMPUTE: dict[str, Callable[[], float]] = {
    "s4-sigmoid": lambda: float(activations.sigmoid(1.3)),
    "s4-tanh": lambda: float(activations.tanh(1.3)),
    "s4-mse": lambda: losses.mse([2.0, 4.0], [2.5, 4.2]),
    "s4-cross-entropy": lambda: losses.cross_entropy([1.0, 0.0], [0.8, 0.2]),
    "s4-sigmoid-0.7": lambda: _article_step().y,
    "s4-loss": lambda: _article_step().loss,
    "s4-dloss-dz": lambda: _article_step().dloss_dz,
    "s4-w-update": lambda: float(_article_step().w_new[0]),
    "s4-b-update": lambda: _article_step().b_new,
}


def _load() -> tuple[Erratum, ...]:
    """The entries of ``data/errata.yaml``, each with its recompute function, by section."""
    text = resources.files("llmbook").joinpath("data/errata.yaml").read_text(encoding="utf-8")
    items = []
    for entry in yaml.safe_load(text):
        entry["cite_keys"] = tuple(entry.get("cite_keys", ()))
        items.append(Erratum(**entry, recompute=RECOMPUTE.get(entry["key"])))
    missing = set(RECOMPUTE) - {e.key for e in items}
    if missing:
        raise ValueError(f"RECOMPUTE names errata that data/errata.yaml lacks: {sorted(missing)}")
    return tuple(sorted(items, key=lambda e: e.section))


#: Every erratum, ordered by section (stable: in file order within a section).
ERRATA: tuple[Erratum, ...] = _load()


def get(key: str) -> Erratum:
    """The erratum with this ``key``; ``KeyError`` listing the keys if there is none."""
    for e in ERRATA:
        if e.key == key:
            return e
    raise KeyError(f"no erratum {key!r}; known keys: {', '.join(e.key for e in ERRATA)}")


def by_section(section: int) -> tuple[Erratum, ...]:
    """The errata of one article section (1 to 10), in the order they occur."""
    if not 1 <= int(section) <= 10:
        raise ValueError(f"section must be 1..10, got {section}")
    return tuple(e for e in ERRATA if e.section == section)


def table(section: int | None = None, computed: bool = True) -> list[dict[str, str]]:
    """Rows for a table of errata (all, or one section), ready for display.

    Each row has ``section``, ``topic``, ``kind``, ``article``, ``correct``,
    ``reason`` and, when ``computed`` and the erratum is numeric, ``computed``:
    the value as this package computes it now.
    """
    rows = []
    for e in ERRATA if section is None else by_section(section):
        row = {
            "section": str(e.section),
            "topic": e.topic,
            "kind": e.kind,
            "article": e.article,
            "correct": e.correct,
            "reason": e.reason,
        }
        if computed:
            row["computed"] = "" if e.recompute is None else f"{e.recompute():.{e.digits}f}"
        rows.append(row)
    return rows


def counts(items: tuple[Erratum, ...] | None = None) -> dict[int, dict[str, int]]:
    """How many errata each article section has, by kind.

    Args:
        items: the errata to count (default: all of :data:`ERRATA`).
    Returns:
        ``{section: {kind: n}}`` for every section 1 to 10 and every kind of
        :data:`KINDS`, zeros included, so that the counts of a section sum to its
        number of errata and all the counts sum to ``len(items)``.
    Raises:
        ValueError: an erratum with a section outside 1..10 or a kind not in :data:`KINDS`.
    """
    items = ERRATA if items is None else tuple(items)
    out = {s: dict.fromkeys(KINDS, 0) for s in range(1, 11)}
    for e in items:
        if e.section not in out:
            raise ValueError(f"erratum {e.key!r} has section {e.section}; expected 1..10")
        if e.kind not in KINDS:
            raise ValueError(f"erratum {e.key!r} has kind {e.kind!r}; expected one of {KINDS}")
        out[e.section][e.kind] += 1
    return out


def count_rows(items: tuple[Erratum, ...] | None = None) -> list[dict[str, int | str]]:
    """Rows of a table of :func:`counts`: one per section, then a row of totals.

    Each row maps ``"section"`` (``1`` … ``10``, then ``"all"``), each kind of
    :data:`KINDS` and ``"total"`` to a count.
    """
    table_counts = counts(items)
    rows: list[dict[str, int | str]] = []
    for section, by_kind in table_counts.items():
        rows.append({"section": section, **by_kind, "total": sum(by_kind.values())})
    totals = {k: sum(c[k] for c in table_counts.values()) for k in KINDS}
    rows.append({"section": "all", **totals, "total": sum(totals.values())})
    return rows
