"""references.bib: it parses, its keys are unique, and everything that names a key finds it:
the chapters' {cite} roles, the citation errata and the sources of the model-size table."""

import json
import pathlib
import re

import pytest
from pybtex.database import parse_string

from llmbook import errata, model_sizes

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIB_TEXT = (ROOT / "references.bib").read_text(encoding="utf-8")


def _keys_in_file() -> list[str]:
    return re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", BIB_TEXT, flags=re.MULTILINE)


KEYS = set(_keys_in_file())


def test_bibliography_parses_and_keys_are_unique():
    keys = _keys_in_file()
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"duplicate keys in references.bib: {duplicates}"
    db = parse_string(BIB_TEXT, "bibtex")
    assert set(db.entries.keys()) == set(keys)


def test_every_entry_has_author_title_and_year():
    db = parse_string(BIB_TEXT, "bibtex")
    for key, entry in db.entries.items():
        assert entry.persons.get("author"), f"{key} has no author"
        assert entry.fields.get("title"), f"{key} has no title"
        assert re.fullmatch(r"\d{4}", entry.fields.get("year", "")), f"{key} has no year"


CITATION_ERRATA = [e for e in errata.ERRATA if e.kind == "citation"]


@pytest.mark.parametrize("e", CITATION_ERRATA, ids=lambda e: e.key)
def test_each_citation_erratum_names_works_in_the_bibliography(e):
    assert e.cite_keys, f"citation erratum {e.key} names no bib key (cite_keys)"
    missing = [k for k in e.cite_keys if k not in KEYS]
    assert not missing, f"{e.key} cites {missing}, not in references.bib"


def test_every_cite_keys_field_is_in_the_bibliography():
    for e in errata.ERRATA:
        assert all(k in KEYS for k in e.cite_keys), e.key


def test_model_size_sources_are_in_the_bibliography():
    for row in model_sizes.load():
        missing = [k for k in row.sources if k not in KEYS]
        assert not missing, f"{row.model}: {missing} not in references.bib"


def _cited_keys() -> set[str]:
    """Keys of every {cite}, {cite:p}, {cite:t} ... role in the chapters (prefixes removed)."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "chapters").glob("*.md")]
    for nb in (ROOT / "chapters").glob("*.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        texts += ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    keys = set()
    for text in texts:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            keys |= {k.strip() for k in group.split(",")}
    return keys


def test_every_cited_key_exists():
    prefixes = ("fr-",)  # the key prefix of chapter 10's local bibliography
    cited = set()
    for key in _cited_keys():
        for p in prefixes:
            if key.startswith(p):
                key = key[len(p) :]
        cited.add(key)
    assert not sorted(cited - KEYS)
