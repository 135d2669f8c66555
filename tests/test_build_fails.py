"""`make test` fails when a notebook cell fails or a page warns.

The strict build is the book's notebook test: it executes every chapter (or takes it from
the execution cache) and fails on a cell error (``execute.raise_on_error``) and on any
warning (``-W``). These tests build a two-page copy of the book in a temporary folder with
the book's own configuration, extension and build flags: once as it is (it must pass, so
that the failures below are not failures of the set-up), once with a cell that raises, and
once with a cell that writes a warning. No chapter is edited.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def _strict_flags() -> list[str]:
    """The flags of the Makefile's strict build, read from the Makefile itself."""
    match = re.search(r"^STRICT_FLAGS := (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile defines STRICT_FLAGS"
    return match.group(1).split()


def _notebook(source: str) -> dict:
    cell = {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}}
    return {
        "cells": [
            {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# A chapter"},
            {**cell, "outputs": [], "source": source},
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _build(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    book = tmp_path / "book"
    book.mkdir()
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, book / name)
    shutil.copytree(ROOT / "_ext", book / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (book / "chapters").mkdir()
    (book / "chapters" / "intro.md").write_text("# A book\n\nTwo pages.\n", encoding="utf-8")
    nb = json.dumps(_notebook(source))
    (book / "chapters" / "a_chapter.ipynb").write_text(nb, encoding="utf-8")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/intro\nchapters:\n  - file: chapters/a_chapter\n",
        encoding="utf-8",
    )
    cmd = [str(JUPYTER_BOOK), "build", str(book), "--path-output", str(book), *_strict_flags()]
    return subprocess.run(cmd, cwd=book, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_copy_builds_when_nothing_is_wrong(tmp_path):
    result = _build(tmp_path, "print(6 * 7)")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
def test_a_failing_cell_fails_the_build(tmp_path):
    result = _build(tmp_path, "raise RuntimeError('a deliberately broken cell')")
    assert result.returncode != 0
    assert "a deliberately broken cell" in result.stdout + result.stderr


@pytest.mark.slow
def test_a_warning_fails_the_build(tmp_path):
    result = _build(tmp_path, "import warnings\nwarnings.warn('a deliberate warning')")
    assert result.returncode != 0
    assert "stderr was found in the cell outputs" in result.stdout + result.stderr


def test_no_chapter_opts_out_of_failing():
    """No notebook lets a cell fail: no raises-exception tag, no allow_errors, no skipping."""
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        meta = nb.get("metadata", {})
        assert not meta.get("execution", {}).get("allow_errors"), path.name
        assert meta.get("mystnb", {}).get("execution_mode") not in ("off",), path.name
        for cell in nb["cells"]:
            tags = set(cell.get("metadata", {}).get("tags", []))
            assert not tags & {"raises-exception", "skip-execution"}, (path.name, tags)
