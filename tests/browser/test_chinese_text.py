"""Chinese text is drawn with real glyphs on every page, served or opened from disk.

The machines the book is built and read on may have no Chinese font at all (Debian without
``fonts-noto-cjk``): the browser then draws every Chinese character as the same empty box
("tofu"), and nothing else fails. The site serves Noto Sans SC itself (``_vendor/``, split by
unicode-range), after the theme's fonts. On every page with Chinese characters:

- a face of the family "Noto Sans SC" has loaded once ``document.fonts.ready`` resolves;
- the page's own Chinese characters, drawn on a canvas in the font stack of the element that
  shows them (prose, code, widget), give a different picture for each character and none
  like the picture of unassigned code points (U+0378...), which every font draws as its
  missing-glyph box. Drawn as tofu, four characters would give one picture, the box's.

The bytes of woff2 each page fetched are written to ``_build/screenshots/fonts/``.
"""

from __future__ import annotations

import collections
import json
import re

import pytest

from .conftest import SCREENSHOTS, SITE
from .test_site import PAGES, PageVisit

FAMILY = "Noto Sans SC"
#: Chinese characters, raw or as JSON escapes in a page's saved widget state.
CHINESE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff]|\\u(?:3[4-9a-f]|4[0-9a-d]|[4-9][0-9a-f])[0-9a-f]{2}"
)
#: Unassigned code points (Greek block): every font draws them as its missing-glyph box.
UNASSIGNED = "\u0378\u0379\u0380\u0381"
FALLBACK_SAMPLE = "人民日报"


def _has_chinese(page: str) -> bool:
    return bool(CHINESE.search((SITE / page).read_text(encoding="utf-8")))


CHINESE_PAGES = [p for p in PAGES if _has_chinese(p)]

FACES_JS = """async (family) => {
  await document.fonts.ready;
  return [...document.fonts]
      .filter((f) => f.family.replace(/["']/g, '') === family)
      .map((f) => `${f.weight} ${f.status}`);
}"""

GLYPHS_JS = """async ([unassigned, fallback]) => {
  // One element per kind of text (prose, code, widget) that shows Chinese characters.
  const han = /[\\u3400-\\u4dbf\\u4e00-\\u9fff]/g;
  const samples = {};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.data.match(han) || el.closest('script, style, noscript, mjx-container')) continue;
    if (!el.getClientRects().length) continue;  // not shown (a folded part, another frame)
    const kind = el.closest('.jupyter-widgets') ? 'widget'
        : el.closest('pre, code, kbd, samp') ? 'code' : 'prose';
    if (!samples[kind]) samples[kind] = el;
  }
  const picture = (text, font) => {
    const c = document.createElement('canvas');
    c.width = 80 * text.length; c.height = 80;
    const ctx = c.getContext('2d');
    ctx.font = font; ctx.textBaseline = 'middle'; ctx.fillStyle = '#000';
    ctx.fillText(text, 8, 40);
    return {png: c.toDataURL(), width: ctx.measureText(text).width};
  };
  const out = {};
  for (const [kind, el] of Object.entries(samples)) {
    const style = getComputedStyle(el);
    let chars = [...new Set(el.textContent.match(han))].slice(0, 4);
    if (chars.length < 2) chars = [...fallback];
    const font = `${style.fontStyle} ${style.fontWeight} 48px ${style.fontFamily}`;
    await document.fonts.load(font, chars.join('') + unassigned);
    out[kind] = {
      family: style.fontFamily, chars: chars.join(''),
      han: chars.map((c) => picture(c, font).png),
      tofu: [...unassigned].map((c) => picture(c, font).png),
      hanWidth: picture(chars.join(''), font).width,
      tofuWidth: picture(unassigned.slice(0, chars.length), font).width,
    };
  }
  return out;
}"""


def chinese_text_problems(visit: PageVisit, checked: list[str] | None = None) -> list[str]:
    """What is wrong with the page's Chinese text: no web font loaded, or boxes drawn.

    ``checked`` (if given) receives the kinds of text checked: prose, code, widget."""
    faces = visit.page.evaluate(FACES_JS, FAMILY)
    problems = []
    if not any(face.endswith(" loaded") for face in faces):
        counts = dict(collections.Counter(faces))
        problems.append(f'no "{FAMILY}" face loaded (weight and status of its faces: {counts})')
    for kind, r in visit.page.evaluate(GLYPHS_JS, [UNASSIGNED, FALLBACK_SAMPLE]).items():
        if checked is not None:
            checked.append(kind)
        distinct = len(set(r["han"]))
        boxes = sum(png in r["tofu"] for png in r["han"])
        if distinct < len(r["han"]) or boxes:
            problems.append(
                f"{kind} text {r['chars']!r} is drawn as missing-glyph boxes (tofu) in "
                f"font-family {r['family']}: {distinct} different picture(s) for "
                f"{len(r['han'])} characters, {boxes} identical to an unassigned code point's; "
                f"width {r['hanWidth']:.1f} px against {r['tofuWidth']:.1f} px for as many "
                "unassigned code points"
            )
    return problems


def _font_bytes(visit: PageVisit) -> dict[str, int]:
    """The woff2 files of Noto Sans SC the page fetched, and their sizes in bytes."""
    return {
        r.url.rsplit("/", 1)[-1]: len(r.body())
        for r in visit.responses
        if r.url.endswith(".woff2") and "noto-sans-sc" in r.url and r.ok
    }


@pytest.mark.browser
def test_some_pages_have_chinese_text():
    assert CHINESE_PAGES, "no page with Chinese characters: the detection is broken"


@pytest.mark.browser
@pytest.mark.parametrize("page", CHINESE_PAGES)
def test_chinese_text_is_drawn_with_a_web_font(page, browser_context, base_url):
    visit = PageVisit(browser_context, base_url + page, fresh=True)
    try:
        checked: list[str] = []
        problems = chinese_text_problems(visit, checked)
        fetched = _font_bytes(visit)
        out = SCREENSHOTS / "fonts"
        out.mkdir(parents=True, exist_ok=True)
        name = page.replace("/", "__").removesuffix(".html") + ".json"
        (out / name).write_text(
            json.dumps(
                {
                    "page": page,
                    "checked": checked,
                    "bytes": sum(fetched.values()),
                    "files": fetched,
                },
                indent=1,
            )
        )
        assert not problems, "\n".join(problems)
        total = sum(f.stat().st_size for f in (SITE / "_static").rglob("noto-sans-sc-*.woff2"))
        # Split by unicode-range: a page fetches the slices its characters need, not the font.
        assert 0 < sum(fetched.values()) < total / 2, (
            f"fetched {len(fetched)} woff2 files, {sum(fetched.values())} of {total} bytes"
        )
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.browser
def test_chinese_text_is_drawn_when_opened_from_disk(browser_context):
    """file://: Chromium loads the site's fonts from disk too (no server needed)."""
    page = next((p for p in CHINESE_PAGES if p.startswith("chapters/13")), CHINESE_PAGES[0])
    visit = PageVisit(browser_context, (SITE / page).as_uri())
    try:
        problems = chinese_text_problems(visit)
        assert not problems, "\n".join(problems)
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()
