"""The pages the app serves from its own files (`static/`: the dashboard, the API docs), with
their assets from an allowlist; nothing is fetched from anywhere else, files are read once on
first use.

In Azure every request needs a function key: a page opened with `?code=...` gets the same `code`
on its asset URLs (written where the page says `{{key}}`, quoted for the URL and for HTML), and
its script passes it on to the API, so one link opens it (App Service Authentication, when on,
adds its sign-in and session cookie on top: the key is still needed).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse

from shared.entrypoints.http.authentication import KEY_PARAMETER
from shared.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
KEY_SLOT = "{{key}}"
REVALIDATE = "private, no-cache"
IMMUTABLE = "private, max-age=31536000, immutable"  # a vendored file's name has its version
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
# Only this app's own files and API: no inline script or style, nothing from another origin
# (Swagger UI sets its styles through the DOM, which style-src does not restrict).
SECURITY = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",  # the page's URL may hold the function key
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Asset:
    """A file of `static/` a page loads: its media type and how long a browser may keep it."""

    media_type: str
    cache: str = REVALIDATE


def page(name: str, code: str | None) -> HTMLResponse:
    """The page `name` of `static/`, its asset URLs carrying `code`, held to its own origin."""
    key = f"?{urlencode({KEY_PARAMETER: code})}" if code else ""
    text = _read(name).decode("utf-8").replace(KEY_SLOT, html.escape(key, quote=True))
    return HTMLResponse(text, headers=SECURITY)


def serve_assets(app: FastAPI, prefix: str, assets: Mapping[str, Asset]) -> None:
    """GET `{prefix}/{name}` for each name of `assets` (a path under `static/`), out of the
    OpenAPI document; any other name is a 404 naming `asset`."""

    def serve(asset: str) -> Response:
        found = assets.get(asset)
        if found is None:
            raise NotFound("asset", asset)
        headers = {"Cache-Control": found.cache, "X-Content-Type-Options": "nosniff"}
        return Response(_read(asset), media_type=found.media_type, headers=headers)

    name = prefix.rsplit("/", 1)[-1] + "_asset"
    app.get(f"{prefix}/{{asset:path}}", include_in_schema=False, name=name)(serve)


@functools.cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()
