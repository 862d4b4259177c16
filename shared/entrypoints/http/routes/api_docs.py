"""GET /api/docs: the OpenAPI document (/api/openapi.json) as interactive docs, and their assets
under /api/docs/ (docs/api.md#conventions).

Swagger UI is vendored (`../static/vendor`, with its licence) and served with the page and its
script (`../static/docs.js`) as shared/entrypoints/http/static_files.py says: nothing comes from
a CDN. A page opened with `?code=...` reads the document with that key and authorizes "Try it
out" with it. Out of the document, as the document itself is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from shared.entrypoints.http.static_files import CSS, IMMUTABLE, JS, Asset, page, serve_assets
from shared.services.views import ViewService

SWAGGER_UI_JS = "vendor/swagger-ui-bundle-5.35.0.js"
SWAGGER_UI_CSS = "vendor/swagger-ui-5.35.0.css"
ASSETS: Mapping[str, Asset] = {
    "docs.js": Asset(JS),
    SWAGGER_UI_JS: Asset(JS, IMMUTABLE),
    SWAGGER_UI_CSS: Asset(CSS, IMMUTABLE),
}


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    del views  # the page reads the document from the browser

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(code: str | None = None) -> HTMLResponse:
        return page("docs.html", code)

    serve_assets(app, "/api/docs", ASSETS)
