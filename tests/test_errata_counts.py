"""errata.counts and errata.count_rows, on hand-made errata with known counts."""

import pytest

from llmbook import errata
from llmbook.errata import Erratum


def _e(key, section, kind):
    return Erratum(
        key=key, section=section, kind=kind, topic="t", article="a", correct="c", reason="r"
    )


ITEMS = (_e("a", 7, "citation"), _e("b", 7, "citation"), _e("c", 8, "claim"), _e("d", 4, "number"))


def test_counts_by_hand():
    c = errata.counts(ITEMS)
    assert set(c) == set(range(1, 11))
    assert c[7]["citation"] == 2 and c[8]["claim"] == 1 and c[4]["number"] == 1
    assert sum(sum(k.values()) for k in c.values()) == 4
    assert c[1] == dict.fromkeys(errata.KINDS, 0)


def test_count_rows_has_a_total_row():
    rows = errata.count_rows(ITEMS)
    assert [r["section"] for r in rows] == [*range(1, 11), "all"]
    assert rows[6]["total"] == 2  # section 7
    assert rows[-1] == {
        "section": "all",
        "number": 1,
        "formula": 0,
        "code": 0,
        "citation": 2,
        "claim": 1,
        "total": 4,
    }


def test_counts_of_the_real_table_add_up():
    rows = errata.count_rows()
    assert rows[-1]["total"] == len(errata.ERRATA)
    for r in rows[:-1]:
        assert r["total"] == len(errata.by_section(r["section"]))


def test_bad_errata_are_rejected():
    with pytest.raises(ValueError, match="kind"):
        errata.counts((_e("x", 1, "typo"),))
    with pytest.raises(ValueError, match="section"):
        errata.counts((_e("x", 11, "claim"),))
