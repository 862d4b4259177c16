"""GET /api/dashboard: the dashboard page, and its assets under /api/dashboard/ (docs/dashboard.md).

The page and its scripts are files of the repo (`../static`: plain JavaScript, and Chart.js
vendored with its licence), read once on first use; nothing is fetched from anywhere else. In
Azure every request needs a function key: a page opened with `?code=...` gets the same `code` on
its asset URLs (here) and on every API call (its script), so one link opens it; with App Service
Authentication the session cookie does it and no code is added.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse

from shared.entrypoints.http.authentication import KEY_PARAMETER
from shared.errors import NotFound
from shared.services.views import ViewService

STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE = "dashboard.html"

KEY_SLOT = "{{key}}"  # where the page's asset URLs take `?code=...` (or nothing)
CHART_JS = "vendor/chart-4.6.1.umd.min.js"
REVALIDATE = "private, no-cache"
IMMUTABLE = "private, max-age=31536000, immutable"  # a vendored file's name has its version
JS = "text/javascript; charset=utf-8"
ASSETS: Mapping[str, tuple[str, str]] = {
    "dashboard.js": (JS, REVALIDATE),
    "dashboard.css": ("text/css; charset=utf-8", REVALIDATE),
    CHART_JS: (JS, IMMUTABLE),
}
# Only this app's own files and API: no inline script or style, nothing from another origin.
SECURITY = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",  # the page's URL may hold the function key
    "X-Content-Type-Options": "nosniff",
}


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    del views  # the page reads the API from the browser

    @app.get("/api/dashboard", response_class=HTMLResponse)
    def dashboard(code: str | None = None) -> HTMLResponse:
        """The dashboard: a period's costs, unit costs, unallocated lines, PTU use, targets and
        savings findings as charts, from this API (open it with the function key's `?code=`)."""
        return HTMLResponse(page(code), headers=SECURITY)

    @app.get("/api/dashboard/{asset:path}", include_in_schema=False)
    def dashboard_asset(asset: str) -> Response:
        found = ASSETS.get(asset)
        if found is None:
            raise NotFound("asset", asset)
        media_type, cache = found
        headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
        return Response(_read(asset), media_type=media_type, headers=headers)


def page(code: str | None) -> str:
    """The page, its asset URLs carrying `code` (quoted for the URL and for HTML)."""
    key = f"?{urlencode({KEY_PARAMETER: code})}" if code else ""
    return _read(PAGE).decode("utf-8").replace(KEY_SLOT, html.escape(key, quote=True))


@functools.cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()
