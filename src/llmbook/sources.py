r"""Which source files of the package a piece of code depends on, and a hash of them.

Two caches of the book are keyed by code: the website's execution cache re-executes a
notebook when a module it imports changes (``_ext/book_site.py``), and the trained model
of chapter 15 is trained again when the model's code changes (:mod:`llmbook.tiny_gpt`).
Both ask this module, so both follow the code wherever it moves.

A module's dependencies are found by reading its source (nothing is imported): every
``import llmbook.a.b``, ``from llmbook.a import b``, ``from llmbook import a``, relative
``from .core import x`` / ``from ..gpt import y`` inside the package, and attribute use
``llmbook.a.b`` in a notebook, followed transitively. A module ``a.b`` is the file
``a/b.py`` or ``a/b/__init__.py``; importing it also runs its parents' ``__init__.py``,
which count as dependencies too.

Module names are dotted and relative to the package: ``""`` is the package itself
(``__init__.py``), ``"widgets.core"`` is ``widgets/core.py``.

This module uses the standard library only, so that the book's Sphinx extension can load
it from the source tree being built (``importlib``, by file path) rather than from
whichever copy of the package is installed.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["PACKAGE", "dependencies", "fingerprint", "imported_modules", "module_file"]

#: The name of the package whose modules are followed.
PACKAGE = "llmbook"


def _root(package) -> Path:
    return Path(__file__).resolve().parent if package is None else Path(package)


def module_file(name: str, package=None) -> Path | None:
    """The file of module ``name`` (dotted, relative to the package), or None if there is none.

    ``""`` is the package's ``__init__.py``; ``"a.b"`` is ``a/b.py``, else ``a/b/__init__.py``.
    """
    root = _root(package)
    parts = [p for p in name.split(".") if p]
    if parts:
        single = root.joinpath(*parts[:-1], parts[-1] + ".py")
        if single.is_file():
            return single
    init = root.joinpath(*parts, "__init__.py")
    return init if init.is_file() else None


def _with_parents(name: str, root: Path) -> set[str]:
    """``name`` and every package above it (importing ``a.b`` runs ``a/__init__.py`` too)."""
    parts = name.split(".") if name else []
    prefixes = (".".join(parts[:i]) for i in range(len(parts) + 1))
    return {m for m in prefixes if module_file(m, root) is not None}


def imported_modules(source: str, package=None, current: str | None = None) -> set[str]:
    """The package's modules that ``source`` imports or uses, directly (not transitively).

    Args:
        source: Python code (lines starting with ``%`` or ``!``, notebook magics, are skipped).
        package: the package's folder (default: the folder of this module).
        current: the module ``source`` is, dotted, when it is inside the package: relative
            imports are resolved against it (``"widgets.core"``; ``"widgets"`` for
            ``widgets/__init__.py``). None for code outside the package.
    Returns:
        dotted module names (``""`` for the package itself), each with its parent packages.
        Code that does not parse depends on every module.
    """
    root = _root(package)
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return {_module_name(p, root) for p in root.rglob("*.py")}
    found: set[str] = set()
    if current is not None:
        here = current.split(".") if current else []
        # The package a relative import starts from: the module's own folder.
        is_package = module_file(current, root) == root.joinpath(*here, "__init__.py")
        context = here if is_package else here[:-1]

    def add(dotted: str) -> bool:
        """Add the module ``dotted`` (absolute, ``llmbook.…``) if it is one; True if it is."""
        parts = dotted.split(".")
        if parts[0] != PACKAGE:
            return False
        name = ".".join(parts[1:])
        if module_file(name, root) is None:
            return False
        found.update(_with_parents(name, root))
        return True

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                _add_longest(alias.name, add)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if current is None or node.level - 1 > len(context):
                    continue
                base_parts = [PACKAGE, *context[: len(context) - (node.level - 1)]]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if _add_longest(base, add):
                for alias in node.names:  # ``from a import b`` where b is a module
                    add(f"{base}.{alias.name}")
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                _add_longest(dotted, add)
    return found


def _add_longest(dotted: str, add) -> bool:
    """Add the longest prefix of ``dotted`` that is a module (``llmbook.a.f`` adds ``a``)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        if add(".".join(parts[:i])):
            return True
    return False


def _dotted(node: ast.Attribute) -> str | None:
    """``llmbook.a.b`` for an attribute chain rooted at the name ``llmbook``, else None."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == PACKAGE:
        return ".".join([PACKAGE, *reversed(names)])
    return None


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("").parts
    return ".".join(rel[:-1] if rel[-1] == "__init__" else rel)


def dependencies(source: str, package=None, current: str | None = None) -> list[Path]:
    """Every package file ``source`` depends on: its imports, followed transitively.

    Args:
        source, package, current: as for :func:`imported_modules`.
    Returns:
        the files, sorted; empty when ``source`` uses nothing from the package.
    """
    root = _root(package)
    todo = set(imported_modules(source, root, current))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name, root)
        if path is not None:
            todo |= imported_modules(path.read_text(encoding="utf-8"), root, name) - seen
    return sorted(p for p in (module_file(n, root) for n in seen) if p is not None)


def fingerprint(
    source: str, package=None, current: str | None = None, data: Iterable[str] = ("data",)
) -> str:
    """A hash of the package files ``source`` depends on (:func:`dependencies`).

    Each file's path (relative to the package) and bytes enter a SHA-256, so a change to
    any module the code imports, however indirectly, changes the hash, and a change to a
    module it does not import does not.

    Args:
        source, package, current: as for :func:`imported_modules`.
        data: folders of the package whose every file is also hashed (its data files),
            when ``source`` uses the package at all.
    Returns:
        16 hexadecimal digits, or ``""`` when ``source`` uses nothing from the package.
    """
    root = _root(package)
    files = dependencies(source, root, current)
    if not files:
        return ""
    for folder in data:
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
