"""Chinese text in figures: Noto Sans SC registered with matplotlib, DejaVu Sans kept for Latin.

matplotlib's default font, DejaVu Sans, has no Chinese characters: without help it draws each
one as an empty box and warns "Glyph ... missing from font(s) DejaVu Sans". The book's figures
label tokens of a Chinese text, so the package registers **Noto Sans SC** (Google's Simplified
Chinese sans-serif, SIL Open Font License 1.1), which the ``pylopdf-fonts-zh-cn`` package ships
as a plain file. Its Python code is never imported: the file is found with
:func:`importlib.util.find_spec`.

:func:`use_chinese_font` (run when this module is imported, i.e. on ``import llmbook``) adds the file to matplotlib's font manager
and sets ``font.family`` to ``["sans-serif", "Noto Sans SC"]``. matplotlib (>= 3.6) then picks a
font **per glyph** along that list: Latin letters, digits and symbols stay in DejaVu Sans (the
first ``font.sans-serif`` font), and only the characters DejaVu Sans lacks come from Noto Sans SC.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["CJK_FAMILY", "FONT_FILE", "FONT_PACKAGE", "cjk_font_path", "use_chinese_font"]

#: The package that ships the font file, and the file inside it.
FONT_PACKAGE = "pylopdf_fonts_zh_cn"
FONT_FILE = "NotoSansSC-Regular.otf"
#: The family name inside that file.
CJK_FAMILY = "Noto Sans SC"


def cjk_font_path() -> Path | None:
    """The installed Noto Sans SC file, or ``None`` when its package is not installed."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / FONT_FILE
        if path.is_file():
            return path
    return None


def use_chinese_font() -> str | None:
    """Register Noto Sans SC with matplotlib and put it after the sans-serif fonts.

    Returns the family name, or ``None`` (changing nothing) when matplotlib or the font
    package is missing. Calling it again changes nothing more.
    """
    path = cjk_font_path()
    if path is None or importlib.util.find_spec("matplotlib") is None:
        return None
    import matplotlib as mpl
    from matplotlib import font_manager

    if not any(Path(f.fname) == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    family = mpl.rcParams["font.family"]
    family = [family] if isinstance(family, str) else list(family)
    if CJK_FAMILY not in family:
        mpl.rcParams["font.family"] = [*family, CJK_FAMILY]
    if CJK_FAMILY not in mpl.rcParams["font.sans-serif"]:
        mpl.rcParams["font.sans-serif"] = [*mpl.rcParams["font.sans-serif"], CJK_FAMILY]
    return CJK_FAMILY


use_chinese_font()
