"""An index of the errata that links each one to the place in the book where it is flagged.

Every chapter shows an erratum with :func:`llmbook.display.erratum`, whose box
carries the HTML id ``erratum-<key>``. The chapter of article section ``s`` is the
notebook ``chapters/NN_*.ipynb`` with ``NN`` the two-digit section number, built to
``NN_*.html`` beside the errata appendix. :func:`index` puts the two together.
"""

from __future__ import annotations

import html
import pathlib

from . import errata

__all__ = ["ErrataIndex", "anchor", "index", "pages"]


def anchor(key: str) -> str:
    """The HTML id of erratum ``key``'s box in its chapter: ``"erratum-" + key``."""
    errata.get(key)  # KeyError for an unknown key
    return f"erratum-{key}"


def pages(chapters_dir: str | pathlib.Path = ".") -> dict[int, str]:
    """The web page of each article section's chapter, e.g. ``{7: "07_tools_and_resources.html"}``.

    Args:
        chapters_dir: the folder holding the chapter notebooks ``NN_*.ipynb``.
    Returns:
        a mapping from section (1 to 10) to the page's file name, for the sections found.
    Raises:
        ValueError: the folder does not exist, or a section has more than one notebook.
    """
    folder = pathlib.Path(chapters_dir)
    if not folder.is_dir():
        raise ValueError(f"chapters_dir {str(folder)!r} is not a folder")
    out: dict[int, str] = {}
    for section in range(1, 11):
        found = sorted(folder.glob(f"{section:02d}_*.ipynb"))
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise ValueError(f"chapters_dir has several notebooks for section {section}: {names}")
        if found:
            out[section] = found[0].with_suffix(".html").name
    return out


class ErrataIndex:
    """A table of errata (section, key, kind, topic) whose keys link to their boxes."""

    def __init__(self, items: tuple[errata.Erratum, ...], page_of: dict[int, str]):
        self.items = items
        self.page_of = page_of

    def href(self, e: errata.Erratum) -> str | None:
        """The link to erratum ``e``'s box, or ``None`` if its chapter is unknown."""
        page = self.page_of.get(e.section)
        return None if page is None else f"{page}#{anchor(e.key)}"

    def _repr_html_(self) -> str:
        rows = []
        for e in self.items:
            link = self.href(e)
            key = html.escape(e.key)
            cell = key if link is None else f'<a href="{html.escape(link)}">{key}</a>'
            rows.append(
                f"<tr><td>{e.section}</td><td>{cell}</td><td>{html.escape(e.kind)}</td>"
                f"<td>{html.escape(e.topic)}</td></tr>"
            )
        head = "<tr><th>section</th><th>erratum</th><th>kind</th><th>topic</th></tr>"
        return (
            '<table class="table llmbook-table llmbook-errata-index">'
            f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def __repr__(self) -> str:
        return "\n".join(
            f"{e.section:>2}  {e.key:<24} {self.href(e) or '(no chapter)'}" for e in self.items
        )


def index(chapters_dir: str | pathlib.Path = ".", section: int | None = None) -> ErrataIndex:
    """The errata (all, or one section's) with links into the chapters found in ``chapters_dir``."""
    items = errata.ERRATA if section is None else errata.by_section(section)
    return ErrataIndex(tuple(items), pages(chapters_dir))
