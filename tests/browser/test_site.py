"""Every page of the built site, opened in headless Chromium, as a reader would.

Data-driven: the pages are the ``.html`` files in ``_build/html``; the explorers are found
in each page's saved widget state (a widget view holding a slider and a figure). New
chapters and explorers are picked up without editing this file.

Per page: no console errors, no failed or external requests, all math typeset, every
widget view rendered, every Mermaid diagram drawn as SVG, every image loaded. Per explorer:
pressing an arrow key on each slider changes the figure shown. Across the site: every
internal link and asset resolves (anchors included) and no page loads a script, style,
font or image from another host. Chapter screenshots go to ``_build/screenshots/``.
"""

from __future__ import annotations

import html.parser
import json
import pathlib
import re
import urllib.parse

import pytest

from .conftest import SCREENSHOTS, SITE

SLIDER_MODELS = {
    "IntSliderModel",
    "FloatSliderModel",
    "FloatLogSliderModel",
    "SelectionSliderModel",
}
FIGURE_MODELS = {"ImageModel", "OutputModel", "HTMLModel", "HTMLMathModel"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _pages() -> list[str]:
    """The pages of the current build: the documents in the search index, plus the site's
    own pages (a page left over from a document since removed is not part of the site)."""
    if not (SITE / "searchindex.js").is_file():
        return []
    index = (SITE / "searchindex.js").read_text(encoding="utf-8")
    m = re.search(r'"docnames":\s*(\[[^\]]*\])', index)
    docs = json.loads(m.group(1)) if m else []
    pages = {f"{d}.html" for d in docs}
    pages |= {p for p in ("index.html", "genindex.html", "search.html") if (SITE / p).is_file()}
    return sorted(p for p in pages if (SITE / p).is_file())


def _redirect(page: str) -> str | None:
    """The target of a page that only redirects (Jupyter Book's root index.html)."""
    text = (SITE / page).read_text(encoding="utf-8")[:2000]
    m = re.search(r'http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', text, re.IGNORECASE)
    return m.group(1) if m else None


ALL_PAGES = _pages()
REDIRECTS = {p: t for p in ALL_PAGES if (t := _redirect(p))}
PAGES = [p for p in ALL_PAGES if p not in REDIRECTS]


class _Scan(html.parser.HTMLParser):
    """Links, assets, ids and widget scripts of one built page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[str, str]] = []
        self._script_type: str | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("script", "img", "source", "iframe", "video", "audio") and a.get("src"):
            self.assets.append((tag, a["src"]))
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "preload", "icon", "modulepreload")):
                self.assets.append((tag, a["href"]))
        if tag == "script":
            self._script_type = a.get("type") or ""
            self._script_text = []

    def handle_data(self, data):
        if self._script_type is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script_type is not None:
            self.scripts.append((self._script_type, "".join(self._script_text)))
            self._script_type = None


@pytest.fixture(scope="module")
def scans() -> dict[str, _Scan]:
    out = {}
    for page in PAGES:
        scan = _Scan()
        scan.feed((SITE / page).read_text(encoding="utf-8"))
        out[page] = scan
    return out


def _explorers(page: str) -> list[int]:
    """Indices (in document order) of the page's widget views that are explorers."""
    scan = _Scan()
    scan.feed((SITE / page).read_text(encoding="utf-8"))
    states = [json.loads(t) for k, t in scan.scripts if k == WIDGET_STATE]
    models = {}
    for state in states:
        models.update(state.get("state", {}))
    found = []
    views = [json.loads(t) for k, t in scan.scripts if k == WIDGET_VIEW]
    for index, view in enumerate(views):
        kinds, todo, seen = set(), [view.get("model_id")], set()
        while todo:
            mid = todo.pop()
            if mid in seen or mid not in models:
                continue
            seen.add(mid)
            kinds.add(models[mid].get("model_name"))
            for value in models[mid].get("state", {}).values():
                refs = value if isinstance(value, list) else [value]
                todo += [
                    r[len("IPY_MODEL_") :]
                    for r in refs
                    if isinstance(r, str) and r.startswith("IPY_MODEL_")
                ]
        if kinds & SLIDER_MODELS and kinds & FIGURE_MODELS:
            found.append(index)
    return found


#: page -> indices of its explorers (widget views holding a slider and a figure).
EXPLORERS = {page: found for page in PAGES if (found := _explorers(page))}


# --- In the browser ---------------------------------------------------------------------

WAIT_JS = """async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const views = document.querySelectorAll('script[type="WIDGET_VIEW"]').length;
  const rendered = () => [...document.querySelectorAll('.widget-subarea')]
      .filter((e) => e.querySelector('.jupyter-widgets')).length;
  for (let i = 0; i < 150 && rendered() < views; i++) await sleep(100);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const diagrams = document.querySelectorAll('.mermaid').length;
  const drawn = () => document.querySelectorAll('.mermaid svg').length;
  for (let i = 0; i < 150 && drawn() < diagrams; i++) await sleep(100);
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map((img) => img.complete ? null :
      new Promise((r) => { img.onload = img.onerror = r; setTimeout(r, 10000); })));
  await sleep(300);
  if (window.MathJax && MathJax.typesetPromise) await MathJax.typesetPromise();
  const math = [...document.querySelectorAll('.math, .widget-label, .widget-htmlmath')];
  const raw = math.filter((e) => !e.querySelector('mjx-container') &&
      /\\\\\\(|\\\\\\[|\\$\\$|\\$[^$\\s][^$]*\\$/.test(e.textContent))
      .map((e) => e.textContent.slice(0, 80));
  return {
    views: views, rendered: rendered(),
    mathElements: document.querySelectorAll('.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    raw: raw,
    diagrams: diagrams, drawn: drawn(),
    // Widget images inside a folded part (e.g. the live explorer, empty until a kernel
    // runs it) are not shown; every other image must have loaded.
    brokenImages: [...document.images]
        .filter((i) => i.offsetParent !== null || !i.closest('.jupyter-widgets'))
        .filter((i) => !(i.complete && i.naturalWidth > 0))
        .map((i) => (i.currentSrc || i.src).slice(0, 120)),
    images: document.images.length,
  };
}""".replace("WIDGET_VIEW", WIDGET_VIEW)

SIGNATURE_JS = """(area) => {
  // What the explorer shows: the pixels of its visible images and the text of its outputs
  // (not the controls themselves, whose readouts change with every key press).
  let h = 2166136261;
  const mix = (s) => { for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i);
      h = Math.imul(h, 16777619) >>> 0; } };
  for (const img of area.querySelectorAll('img')) {
    if (img.offsetParent === null || !img.naturalWidth) continue;
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    c.getContext('2d').drawImage(img, 0, 0);
    mix(c.toDataURL());
  }
  for (const e of area.querySelectorAll('.widget-html-content, .jp-OutputArea-output, svg')) {
    if (e.offsetParent !== null && !e.closest('.widget-slider, .widget-play, button')) mix(e.textContent);
  }
  return h;
}"""


class PageVisit:
    """A page opened in the shared browser, with everything that went wrong on the way."""

    def __init__(self, context, url: str, fresh: bool = False):
        """``fresh``: bypass the browser's caches, so ``responses`` is all the page needs."""
        self.problems: list[str] = []
        self.responses: list = []  # every response, in order (e.g. the fonts a page fetched)
        self.page = context.new_page()
        if fresh:
            cdp = context.new_cdp_session(self.page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.page.on("response", lambda r: self.responses.append(r))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "requestfailed",
            lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"),
        )
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"),
        )
        self.page.route("**/*", self._route)
        self.page.goto(url, wait_until="load")
        self.report = self.page.evaluate(WAIT_JS)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"external request blocked: {url}")
            route.abort()

    def close(self):
        self.page.close()


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_completely(page, browser_context, base_url):
    visit = PageVisit(browser_context, base_url + page)
    try:
        r = visit.report
        assert r["rendered"] == r["views"], f"{r['rendered']} of {r['views']} widget views rendered"
        assert not r["raw"], f"math left as raw TeX: {r['raw']}"
        if r["mathElements"]:
            assert r["typeset"] >= r["mathElements"], (
                f"{r['typeset']} MathJax containers for {r['mathElements']} math elements"
            )
        assert r["drawn"] == r["diagrams"], f"{r['drawn']} of {r['diagrams']} diagrams drawn"
        assert not r["brokenImages"], f"images that did not load: {r['brokenImages']}"
        if page.startswith("chapters/"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = page.replace("/", "__").removesuffix(".html") + ".png"
            visit.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        if (SITE / "_sources" / page).with_suffix(".ipynb").is_file():
            note = visit.page.locator(".launch-note")
            assert note.count() == 1, "no 'run this chapter locally' note"
            assert "jupyter lab" in note.inner_text()
            download = visit.page.locator('a[href$=".ipynb"]')
            assert download.count() >= 1, "no download link for the notebook"
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.browser
@pytest.mark.parametrize("page", sorted(EXPLORERS))
def test_explorers_respond_to_their_sliders(page, browser_context, base_url):
    """Each explorer on the page: an arrow key on each visible slider, and a click on each
    row of toggle buttons, changes the figure."""
    visit = PageVisit(browser_context, base_url + page)
    try:
        failures = []
        for index in EXPLORERS[page]:
            area = visit.page.locator(".widget-subarea").nth(index)
            area.scroll_into_view_if_needed()
            # The sliders a reader can move on the page (a folded live part needs a kernel).
            handles = area.locator(
                '.noUi-handle[role="slider"]:visible, input[type="range"]:visible'
            )
            if handles.count() == 0:
                failures.append(f"explorer {index}: no visible slider")
            for k in range(handles.count()):
                handle = handles.nth(k)
                at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute(
                    "aria-valuemax"
                )
                before = area.evaluate(SIGNATURE_JS)
                handle.focus()
                visit.page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
                visit.page.wait_for_timeout(300)
                if area.evaluate(SIGNATURE_JS) == before:
                    failures.append(f"explorer {index}: slider {k} did not change the figure")
            failures += _check_toggles(visit.page, area, index)
            failures += _check_play(visit.page, area, index)
            if index == EXPLORERS[page][0]:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                name = page.replace("/", "__").removesuffix(".html") + "__explorer.png"
                visit.page.screenshot(path=str(SCREENSHOTS / name))
        assert not failures, "\n".join(failures)
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


def _check_toggles(page, area, index) -> list[str]:
    """Each visible row of toggle buttons: choosing another button changes what is shown."""
    problems = []
    rows = area.locator(".widget-toggle-buttons:visible")
    for r in range(rows.count()):
        buttons = rows.nth(r).locator("button")
        if buttons.count() < 2:
            continue
        active = next(
            (
                i
                for i in range(buttons.count())
                if "mod-active" in (buttons.nth(i).get_attribute("class") or "")
            ),
            0,
        )
        before = area.evaluate(SIGNATURE_JS)
        buttons.nth(1 if active == 0 else 0).click()
        page.wait_for_timeout(300)
        if area.evaluate(SIGNATURE_JS) == before:
            problems.append(f"explorer {index}: toggle row {r} did not change the figure")
        buttons.nth(active).click()
        page.wait_for_timeout(200)
        if area.evaluate(SIGNATURE_JS) != before:
            problems.append(f"explorer {index}: toggle row {r} did not come back to its figure")
    return problems


def _check_play(page, area, index) -> list[str]:
    """A Play button, if any: stop rewinds, play advances the figure and shows 'pause'."""
    play = area.locator(".widget-play:visible")
    if play.count() == 0:
        return []
    buttons = play.first.locator("button")
    buttons.nth(1).click()  # stop: back to the first frame
    page.wait_for_timeout(300)
    before = area.evaluate(SIGNATURE_JS)
    buttons.nth(0).click()  # play
    page.wait_for_timeout(200)
    problems = []
    if buttons.nth(0).locator("i.fa-pause").count() != 1:
        problems.append(f"explorer {index}: the Play button does not switch to 'pause'")
    changed = False
    for _ in range(30):  # the widget's interval is up to about a second
        page.wait_for_timeout(100)
        if area.evaluate(SIGNATURE_JS) != before:
            changed = True
            break
    buttons.nth(0).click()  # pause
    if not changed:
        problems.append(f"explorer {index}: playing did not change the figure")
    return problems


# --- Across the site (no browser needed) ---------------------------------------------------

EXTERNAL = re.compile(r"^(https?:)?//", re.IGNORECASE)


def _resolve(page: str, ref: str) -> tuple[pathlib.Path, str] | None:
    if not ref or ref.startswith(("mailto:", "data:", "blob:", "javascript:", "tel:")):
        return None
    if EXTERNAL.match(ref):
        return None
    parsed = urllib.parse.urlsplit(ref)
    target = (SITE / page).parent if parsed.path else SITE / page
    if parsed.path:
        target = (target / urllib.parse.unquote(parsed.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
    return target, urllib.parse.unquote(parsed.fragment)


def test_site_has_pages_and_redirects_resolve():
    assert PAGES, "no pages found in _build/html: run `make book`"
    assert "index.html" in ALL_PAGES
    for page, target in REDIRECTS.items():
        assert (SITE / page).parent.joinpath(target).resolve().is_file(), f"{page} -> {target}"


def test_every_internal_link_and_asset_resolves(scans):
    missing = []
    for page, scan in scans.items():
        for ref in scan.links + [src for _, src in scan.assets]:
            resolved = _resolve(page, ref)
            if resolved is None:
                continue
            target, fragment = resolved
            if not target.is_file():
                missing.append(f"{page}: {ref} (no file)")
            elif fragment and target.suffix == ".html":
                rel = target.relative_to(SITE).as_posix()
                ids = scans[rel].ids if rel in scans else set()
                if fragment not in ids:
                    missing.append(f"{page}: {ref} (no anchor)")
    assert not missing, f"{len(missing)} broken links:\n" + "\n".join(missing[:50])


def test_every_page_weighs_under_5_mb(scans):
    """A page's own weight: its HTML (with the widget state) and the images it shows."""
    heavy = []
    for page, scan in scans.items():
        size = (SITE / page).stat().st_size
        for tag, src in set(scan.assets):
            resolved = _resolve(page, src) if tag == "img" else None
            if resolved and resolved[0].is_file() and "_images" in resolved[0].parts:
                size += resolved[0].stat().st_size
        if size > 5_000_000:
            heavy.append(f"{page}: {size / 1e6:.1f} MB")
    assert not heavy, "pages over 5 MB: " + ", ".join(heavy)


def test_no_page_loads_anything_from_another_host(scans):
    external = [
        f"{page}: <{tag}> {src}"
        for page, scan in scans.items()
        for tag, src in scan.assets
        if EXTERNAL.match(src)
    ]
    inline = [
        f"{page}: inline script mentions {m.group(0)}"
        for page, scan in scans.items()
        for kind, text in scan.scripts
        if kind in ("", "text/javascript", "module")
        for m in [re.search(r"https?://[^\s\"'`]+\.(js|mjs|css)\b", text)]
        if m
    ]
    css = [
        f"{path.relative_to(SITE)}: {m.group(0)}"
        for path in (SITE / "_static").rglob("*.css")
        for m in re.finditer(
            r"@import\s+url\(\s*['\"]?https?://[^)]+\)|url\(\s*['\"]?https?://[^)]+\)",
            path.read_text(encoding="utf-8", errors="replace"),
        )
    ]
    problems = external + inline + css
    assert not problems, "\n".join(problems[:50])


def test_every_chapter_has_prev_next_and_the_book_has_search_glossary_and_bibliography(scans):
    chapters = [p for p in PAGES if p.startswith("chapters/") and p != "chapters/intro.html"]
    assert chapters
    for page in chapters:
        html_text = (SITE / page).read_text(encoding="utf-8")
        assert "prev-next-area" in html_text, f"{page} has no previous/next navigation"
    assert (SITE / "search.html").is_file() and (SITE / "searchindex.js").is_file()
    glossary_links = sum((SITE / p).read_text(encoding="utf-8").count("std-term") for p in PAGES)
    assert glossary_links > 0, "no glossary term links anywhere"
    cites = sum((SITE / p).read_text(encoding="utf-8").count("bibliography.html#") for p in PAGES)
    assert cites > 0, "no citation links to the bibliography"


@pytest.mark.browser
def test_a_page_works_opened_from_disk(browser_context):
    """file://: maths, widgets and diagrams render without a server (a reader on a train)."""
    candidates = [p for p in PAGES if p in EXPLORERS] or [p for p in PAGES if "chapters/" in p]
    page = candidates[0]
    visit = PageVisit(browser_context, (SITE / page).as_uri())
    try:
        r = visit.report
        assert r["views"] == 0 or r["rendered"] == r["views"], r
        assert not r["raw"], r["raw"]
        assert r["drawn"] == r["diagrams"], r
        assert r["mathElements"] == 0 or r["typeset"] >= r["mathElements"], r
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.browser
def test_search_finds_a_chapter(browser_context, base_url):
    visit = PageVisit(browser_context, base_url + "search.html?q=neuron")
    try:
        results = visit.page.locator("#search-results li")
        results.first.wait_for(timeout=15000)
        assert results.count() >= 1
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.browser
def test_dark_mode_switches_the_theme(browser_context, base_url):
    chapter = next((p for p in PAGES if p.startswith("chapters/04")), "index.html")
    visit = PageVisit(browser_context, base_url + chapter)
    try:
        page = visit.page
        page.evaluate("localStorage.clear()")
        start = page.evaluate("document.documentElement.dataset.theme")
        button = page.locator(".theme-switch-button").first
        for _ in range(3):
            if page.evaluate("document.documentElement.dataset.theme") == "dark":
                break
            button.click()
            page.wait_for_timeout(200)
        assert page.evaluate("document.documentElement.dataset.theme") == "dark", start
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
        assert sum(channels) / 3 < 100, f"dark mode background is {background}"
        page.evaluate("localStorage.clear()")
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()
