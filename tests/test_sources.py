"""Which package files a notebook or module depends on: the keys of the book's caches."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from llmbook import sources

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "llmbook"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def toy(tmp_path):
    """A package ``llmbook`` with a subpackage, relative imports and an unrelated module."""
    return _write(
        tmp_path / "llmbook",
        {
            "__init__.py": "",
            "gpt.py": "from . import attention\n",
            "attention.py": "import numpy as np\n",
            "unrelated.py": "x = 1\n",
            "widgets/__init__.py": "from .core import figure_png\nfrom .attention import explorer\n",
            "widgets/core.py": "def figure_png():\n    return 1\n",
            "widgets/attention.py": "from ..gpt import forward\nfrom .core import figure_png\n",
            "plots/__init__.py": "from .maps import heat\n",
            "plots/maps.py": "def heat():\n    return 0\n",
        },
    )


def test_module_files_are_modules_or_packages(toy):
    assert sources.module_file("", toy) == toy / "__init__.py"
    assert sources.module_file("gpt", toy) == toy / "gpt.py"
    assert sources.module_file("widgets", toy) == toy / "widgets" / "__init__.py"
    assert sources.module_file("widgets.core", toy) == toy / "widgets" / "core.py"
    assert sources.module_file("widgets.nothing", toy) is None


def test_imports_resolve_relative_and_absolute_forms(toy):
    # ``from ..gpt`` in widgets/attention.py climbs to the package; ``.core`` stays beside it.
    found = sources.imported_modules(
        (toy / "widgets" / "attention.py").read_text(), toy, "widgets.attention"
    )
    assert found == {"", "gpt", "widgets", "widgets.core"}
    # in a package's __init__.py, ``.core`` is inside that package
    assert sources.imported_modules("from .core import x", toy, "widgets") >= {"widgets.core"}
    # a notebook: import forms and attribute use; names that are not modules are ignored
    assert sources.imported_modules("import llmbook.plots.maps", toy) == {"", "plots", "plots.maps"}
    assert sources.imported_modules("from llmbook.widgets import core, figure_png", toy) == {
        "",
        "widgets",
        "widgets.core",
    }
    assert sources.imported_modules("import llmbook\nllmbook.gpt.forward(1)", toy) == {"", "gpt"}
    assert sources.imported_modules("import numpy\n%matplotlib inline", toy) == set()


def test_dependencies_follow_imports_transitively(toy):
    files = sources.dependencies("from llmbook.widgets import explorer", toy)
    rel = [p.relative_to(toy).as_posix() for p in files]
    assert rel == [
        "__init__.py",
        "attention.py",  # through widgets/attention.py -> ..gpt -> .attention
        "gpt.py",
        "widgets/__init__.py",
        "widgets/attention.py",
        "widgets/core.py",
    ]
    assert sources.fingerprint("import numpy", toy) == ""


def test_unparsable_code_depends_on_everything(toy):
    assert sources.imported_modules("def (", toy) >= {"unrelated", "widgets.core", "plots.maps"}


def _book_site():
    spec = importlib.util.spec_from_file_location("book_site", ROOT / "_ext" / "book_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_notebook_is_executed_again_when_a_subpackage_module_changes(tmp_path):
    """The website's cache key (``_ext/book_site.py``) of a notebook using the attention explorer."""
    package = tmp_path / "src" / "llmbook"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    notebook = tmp_path / "chapter.ipynb"
    cell = "from llmbook import widgets\nwidgets.attention_explorer"
    notebook.write_text(
        json.dumps({"cells": [{"cell_type": "code", "source": cell}]}), encoding="utf-8"
    )
    site = _book_site()
    before = site._llmbook_fingerprint(notebook, package)
    assert len(before) == 16

    # an unrelated module (not imported by the widgets, directly or not) changes: same key
    assert "naive_bayes.py" not in {p.name for p in sources.dependencies(cell, package)}
    with (package / "naive_bayes.py").open("a") as f:
        f.write("\n\ndef added():\n    return 1\n")
    assert site._llmbook_fingerprint(notebook, package) == before

    # a function in a subpackage module changes: a new key, so the notebook runs again
    module = package / "widgets" / "attention.py"
    text = module.read_text(encoding="utf-8")
    assert "def _attention_title(" in text
    module.write_text(text.replace("block {r['block']}", "layer {r['block']}"), encoding="utf-8")
    assert site._llmbook_fingerprint(notebook, package) != before


def test_the_trained_model_key_follows_the_models_code():
    """``tiny_gpt``'s cache key covers the modules it imports, also through other modules."""
    from llmbook import tiny_gpt

    names = {p.name for p in sources.dependencies("import llmbook.tiny_gpt")}
    assert {"tiny_gpt.py", "gpt.py", "block.py", "attention.py", "kernels.py", "text.py"} <= names
    assert "widgets" not in {p.parent.name for p in sources.dependencies("import llmbook.tiny_gpt")}
    assert tiny_gpt._source_hash() == sources.fingerprint("import llmbook.tiny_gpt", data=())


def test_the_trained_model_key_is_the_same_when_run_as_a_script(monkeypatch):
    """`python -m llmbook.tiny_gpt` (module name ``__main__``) and the chapters share a key."""
    from llmbook import tiny_gpt

    key = tiny_gpt._source_hash()
    monkeypatch.setattr(tiny_gpt, "__name__", "__main__")
    assert tiny_gpt._source_hash() == key
