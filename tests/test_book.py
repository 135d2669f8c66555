"""The book's structure: every chapter in the table of contents exists and has no stored outputs."""

import json
import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _toc_files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        if "root" in node:
            yield node["root"]
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


def _toc():
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def test_every_toc_entry_exists():
    files = list(_toc_files(_toc()))
    assert files, "the table of contents lists no files"
    for f in files:
        candidates = [ROOT / f"{f}{ext}" for ext in ("", ".md", ".ipynb")]
        assert any(c.is_file() for c in candidates), f"{f} is in _toc.yml but does not exist"


def test_part_one_has_the_ten_chapters_of_the_article():
    part_one = _toc()["parts"][0]["chapters"]
    names = [pathlib.Path(c["file"]).name for c in part_one]
    prefixes = [n[:3] for n in names if n[:2].isdigit()]
    assert prefixes == [f"{i:02d}_" for i in range(1, 11)]


def test_every_notebook_is_in_the_toc():
    listed = {pathlib.Path(f).with_suffix("").as_posix() for f in _toc_files(_toc())}
    for nb in NOTEBOOKS:
        assert nb.relative_to(ROOT).with_suffix("").as_posix() in listed, (
            f"{nb.name} is not in _toc.yml"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} has outputs"
            assert cell.get("execution_count") is None, (
                f"{path.name} cell {i} has an execution count"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_tensorflow_is_silenced_before_it_is_imported(path):
    """A notebook that imports TensorFlow imports llmbook (which sets the log level) first."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for marker in ("import tensorflow", "import keras", "from tensorflow", "from keras"):
        if marker in code:
            before = code[: code.index(marker)]
            assert "llmbook" in before or "TF_CPP_MIN_LOG_LEVEL" in before, (
                f"{path.name} imports TensorFlow before silencing its logs"
            )
