"""GET /api/dashboard: the dashboard page, and its assets under /api/dashboard/ (docs/dashboard.md).

The page and its scripts are files of the repo (`../static`: plain JavaScript, and Chart.js
vendored with its licence), served as shared/entrypoints/http/static_files.py says: a page
opened with `?code=...` passes the function key on to its assets and to every API call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from shared.entrypoints.http.static_files import CSS, IMMUTABLE, JS, Asset, page, serve_assets
from shared.services.views import ViewService

CHART_JS = "vendor/chart-4.6.1.umd.min.js"
ASSETS: Mapping[str, Asset] = {
    "dashboard.js": Asset(JS),
    "dashboard.css": Asset(CSS),
    CHART_JS: Asset(JS, IMMUTABLE),
}


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    del views  # the page reads the API from the browser

    @app.get("/api/dashboard", response_class=HTMLResponse, tags=["Dashboard"])
    def dashboard(code: str | None = None) -> HTMLResponse:
        """The dashboard: a period's costs, unit costs, unallocated lines, PTU use, targets and
        savings findings as charts, from this API (open it with the function key's `?code=`)."""
        return page("dashboard.html", code)

    serve_assets(app, "/api/dashboard", ASSETS)
