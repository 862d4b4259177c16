"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) held to loopback, for the
browser tests (tests/e2e/test_dashboard.py, tests/e2e/test_api_docs.py): every request a page
makes goes through a route that aborts any other host (the tests fail if one was tried), and
what went wrong on a page (console errors, uncaught exceptions) is kept. `make setup` installs
Chromium where it is missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"  # ignored by git
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
         "--disable-background-networking", "--disable-component-update"]  # fmt: skip
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
LOOPBACK = ("127.0.0.1", "localhost")
TIMEOUT_MS = 60_000


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")


class Browser:
    """One headless Chromium with a fresh profile, held to loopback; what the pages said."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.context, self.base = context, base
        self.blocked: list[str] = []
        self.requests: list[str] = []
        self.problems: list[str] = []  # console errors and uncaught exceptions
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", self._only_loopback)

    def _only_loopback(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK or url.startswith("data:"):
            self.requests.append(url)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, message: ConsoleMessage) -> None:
        # Chromium asks for /favicon.ico whatever the page says; it is not the page's.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            self.problems.append(f"console: {message.text} ({message.location['url']})")

    def open(self, path: str) -> Page:
        """A new page at `path` of the app (its URL's path and query)."""
        page = self.context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.goto(f"{self.base}{path}")
        return page


@contextmanager
def chromium(profile: Path, base: str) -> Iterator[Browser]:
    """Chromium with the fresh profile folder `profile` (its --user-data-dir), for the app at
    `base` (http://127.0.0.1:PORT)."""
    require_chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS, viewport=LAPTOP,
            timeout=TIMEOUT_MS,
        )  # fmt: skip
        try:
            yield Browser(context, base)
        finally:
            context.close()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """The page (the whole of it, or what the window shows) as tests/artifacts/`name`.png (its
    path is printed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=shot, full_page=full_page)
    print(f"\nscreenshot: {shot}")
    return shot
