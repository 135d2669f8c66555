"""Links from the errata appendix to the boxes in the chapters."""

import pathlib

import pytest

from llmbook import errata, errata_index
from llmbook.display import erratum

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_anchor_is_the_id_of_the_box_in_the_chapter():
    for e in errata.ERRATA:
        assert f'id="{errata_index.anchor(e.key)}"' in erratum(e.key)._repr_html_()
    with pytest.raises(KeyError):
        errata_index.anchor("no-such-erratum")


def test_pages_of_the_real_book():
    pages = errata_index.pages(ROOT / "chapters")
    assert set(pages) == set(range(1, 11))
    assert pages[7] == "07_tools_and_resources.html"
    for section, page in pages.items():
        assert page.startswith(f"{section:02d}_") and page.endswith(".html")


def test_pages_of_a_made_up_folder(tmp_path):
    (tmp_path / "03_x.ipynb").write_text("{}")
    (tmp_path / "notes.ipynb").write_text("{}")
    assert errata_index.pages(tmp_path) == {3: "03_x.html"}
    (tmp_path / "03_y.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="several notebooks"):
        errata_index.pages(tmp_path)
    with pytest.raises(ValueError, match="chapters_dir"):
        errata_index.pages(tmp_path / "missing")


def test_index_links_each_erratum_to_its_chapter():
    idx = errata_index.index(ROOT / "chapters")
    page = idx._repr_html_()
    for e in errata.ERRATA:
        href = idx.href(e)
        assert href.startswith(f"{e.section:02d}_") and href.endswith(f"#erratum-{e.key}")
        assert f'href="{href}"' in page
    one = errata_index.index(ROOT / "chapters", section=4)
    assert all(e.section == 4 for e in one.items)


def test_index_without_chapters_shows_keys_unlinked(tmp_path):
    idx = errata_index.index(tmp_path)
    assert "<a " not in idx._repr_html_()
    assert "(no chapter)" in repr(idx)
