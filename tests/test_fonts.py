"""Chinese text in figures: real glyphs drawn from Noto Sans SC, Latin text left in DejaVu Sans.

A font without a character draws a "missing glyph" box (tofu), the same box for every such
character. So the tests draw text into pixels and compare: Chinese drawn with the book's
settings must differ from the same text in DejaVu Sans alone (which has no Chinese and draws
boxes), different characters must give different pictures, and Latin text must come out
pixel for pixel as in DejaVu Sans alone.
"""

from __future__ import annotations

import warnings

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.ft2font import FT2Font

import llmbook  # noqa: F401  (importing the package sets up the font)
from llmbook import fonts

MIXED = "人民日报 attention"


def _draw(text: str, **font) -> np.ndarray:
    """The pixels of ``text`` drawn alone at 40 pt, as a grey-level array."""
    fig = Figure(figsize=(6, 1.2), dpi=72)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.02, 0.3, text, fontsize=40, **font)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return rgba[..., :3].mean(axis=-1)


def _draw_strict(text: str, **font) -> np.ndarray:
    """:func:`_draw` with every warning (e.g. "Glyph ... missing from font") an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return _draw(text, **font)


def _tofu(text: str) -> np.ndarray:
    """``text`` in DejaVu Sans alone: boxes for the Chinese characters, with warnings."""
    with pytest.warns(UserWarning, match="missing from font"):
        return _draw(text, family="DejaVu Sans")


def test_the_font_file_is_installed_and_is_noto_sans_sc():
    path = fonts.cjk_font_path()
    assert path is not None and path.is_file(), "pip install pylopdf-fonts-zh-cn (requirements)"
    assert FT2Font(str(path)).family_name == fonts.CJK_FAMILY
    assert any(f.name == fonts.CJK_FAMILY for f in fontManager.ttflist)


def test_the_book_settings_keep_dejavu_first_and_noto_as_fallback():
    family = list(mpl.rcParams["font.family"])
    assert family[-1] == fonts.CJK_FAMILY
    assert family[0] == "sans-serif" and mpl.rcParams["font.sans-serif"][0] == "DejaVu Sans"
    paths = fontManager._find_fonts_by_props(mpl.font_manager.FontProperties())
    assert [p.rsplit("/", 1)[-1] for p in map(str, paths)] == [
        "DejaVuSans.ttf",
        fonts.FONT_FILE,
    ]


def test_importing_again_changes_nothing():
    before = (list(mpl.rcParams["font.family"]), len(fontManager.ttflist))
    assert fonts.use_chinese_font() == fonts.CJK_FAMILY
    assert (list(mpl.rcParams["font.family"]), len(fontManager.ttflist)) == before


def test_mixed_text_draws_real_chinese_glyphs_without_warnings():
    drawn = _draw_strict(MIXED)  # no "Glyph ... missing" warning
    assert (drawn < 128).sum() > 500, "nothing was drawn"
    assert not np.array_equal(drawn, _tofu(MIXED)), "the Chinese characters are boxes"


def test_each_chinese_character_has_its_own_glyph():
    # Tofu is one box for every missing character: four characters, four different pictures.
    pictures = [_draw_strict(c) for c in "人民日报"]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not np.array_equal(pictures[i], pictures[j]), f"{MIXED[i]} == {MIXED[j]}"
    boxes = [_tofu(c) for c in "人民"]
    assert np.array_equal(boxes[0], boxes[1]), "DejaVu Sans was expected to draw one box for all"


def test_chinese_comes_from_noto_and_latin_stays_in_dejavu_sans():
    assert np.array_equal(_draw_strict("人民日报"), _draw_strict("人民日报", family="Noto Sans SC"))
    latin = "attention 0.25 (x)"
    assert np.array_equal(_draw_strict(latin), _draw_strict(latin, family="DejaVu Sans"))
    assert not np.array_equal(_draw_strict(latin), _draw_strict(latin, family="Noto Sans SC"))
