"""The errata table: each correct value recomputed by the package, each flagged in its chapter."""

import json
import pathlib

import pytest

from llmbook import errata

ROOT = pathlib.Path(__file__).resolve().parents[1]
NUMERIC = [e for e in errata.ERRATA if e.value is not None]


def test_keys_are_unique_and_fields_valid():
    keys = [e.key for e in errata.ERRATA]
    assert len(keys) == len(set(keys))
    for e in errata.ERRATA:
        assert e.kind in errata.KINDS, e.key
        assert 1 <= e.section <= 10, e.key
        assert e.article and e.correct and e.reason, e.key
        assert (e.value is None) == (e.recompute is None) == (e.article_value is None), e.key


@pytest.mark.parametrize("e", NUMERIC, ids=lambda e: e.key)
def test_correct_value_is_what_the_package_computes(e):
    """The stated correct value (derived by hand in each erratum's reason) matches the package."""
    assert e.recompute() == pytest.approx(e.value, abs=0.5 * 10**-e.digits)


@pytest.mark.parametrize("e", NUMERIC, ids=lambda e: e.key)
def test_the_article_value_really_is_wrong(e):
    """An erratum only counts if the article's number differs at the precision it states."""
    assert abs(e.article_value - e.recompute()) > 0.5 * 10**-e.digits


def _chapter_text(section: int) -> str:
    (path,) = sorted((ROOT / "chapters").glob(f"{section:02d}_*.ipynb"))
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"])


@pytest.mark.parametrize("e", errata.ERRATA, ids=lambda e: e.key)
def test_each_erratum_is_flagged_in_its_chapter(e):
    assert e.key in _chapter_text(e.section), (
        f"chapter {e.section} does not mention erratum {e.key}"
    )


def test_lookup_helpers():
    assert errata.get("s4-mse").section == 4
    assert all(e.section == 4 for e in errata.by_section(4))
    with pytest.raises(KeyError, match="no erratum"):
        errata.get("nope")
    with pytest.raises(ValueError, match="section"):
        errata.by_section(11)
    rows = errata.table(4)
    assert {r["section"] for r in rows} == {"4"}
    assert rows[0].keys() >= {"topic", "article", "correct", "reason", "computed"}
