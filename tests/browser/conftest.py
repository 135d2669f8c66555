"""Fixtures for the browser tests: the built site served on 127.0.0.1, and headless Chromium.

The suite drives Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``) through
Playwright's Python package with ``executable_path``; it never downloads a browser. Without
Chromium, or without a built site (``make book``), every test is skipped with a message.
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import shutil
import tempfile
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium, or the one named by $CHROMIUM."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    reason = None
    if chromium_path() is None:
        reason = (
            "no Chromium at /usr/bin/chromium (or $CHROMIUM): the browser tests are skipped. "
            "Install Debian's chromium (apt-get install chromium) to run them."
        )
    elif not (SITE / "index.html").is_file():
        reason = "the site is not built: run `make book` first"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright's Python package is not installed (see requirements.txt)"
    if reason:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if "tests/browser" in item.nodeid.replace("\\", "/") or item.fspath.dirname.endswith(
                "browser"
            ):
                item.add_marker(skip)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url():
    """The built site, served by a local HTTP server on 127.0.0.1 (a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser_context():
    """One headless Chromium per test worker, with a fresh profile, blocking other hosts."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="llmbook-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)
