"""The pages the app serves from its own files (shared/entrypoints/http/static_files.py): the API
docs at /api/docs (Swagger UI vendored, never FastAPI's CDN page) and, with the dashboard
(tests/functions/test_portal_api.py has the rest of its), every file a page loads is one the app
serves, under the page's own path and with the key it was opened with."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from shared.entrypoints.http.app import create_app
from shared.entrypoints.http.routes import api_docs, dashboard
from shared.entrypoints.http.static_files import STATIC, Asset
from tests.asgi import send
from tests.builders import TableStores
from tests.fakes import MemoryTableGateway

PAGES: dict[str, Mapping[str, Asset]] = {
    "/api/dashboard": dashboard.ASSETS,
    "/api/docs": api_docs.ASSETS,
}
LOADED = re.compile(r'(?:src|href)="([^"]+)"')


def app() -> object:
    return create_app(lambda: TableStores(MemoryTableGateway()).results)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_loads_only_files_the_app_serves_each_with_the_key(path: str) -> None:
    api = app()
    page = send(api, "GET", path, params={"code": 'k&"<x>'})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe" not in policy and page.headers["referrer-policy"] == "no-referrer"
    loaded = [url for url in LOADED.findall(page.text) if url != "data:,"]
    assert loaded and "http" not in page.text.replace("http-equiv", "")  # no CDN
    name = path.rsplit("/", 1)[-1]
    for url in loaded:
        assert url.endswith("?code=k%26%22%3Cx%3E"), url
        asset = url.split("?")[0].removeprefix(f"{name}/")
        assert asset in PAGES[path], f"{path} loads {url}, which it does not serve"
        found = send(api, "GET", f"{path}/{asset}", params={"code": "k"})
        assert found.status_code == 200, url
        assert found.headers["content-type"] == PAGES[path][asset].media_type
    assert set(PAGES[path]) == {u.split("?")[0].removeprefix(f"{name}/") for u in loaded}


def test_the_docs_serve_swagger_ui_vendored_with_its_licence() -> None:
    api = app()
    bundle = send(api, "GET", f"/api/docs/{api_docs.SWAGGER_UI_JS}")
    assert "SwaggerUIBundle" in bundle.text[:1000]
    assert bundle.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert bundle.headers["x-content-type-options"] == "nosniff"
    assert "Apache License" in (STATIC / "vendor" / "swagger-ui.LICENSE").read_text()
    assert "docs/docs.js" in send(api, "GET", "/api/docs").text


@pytest.mark.parametrize(
    "path",
    ["/api/docs/vendor/swagger-ui.LICENSE", "/api/docs/..%2Fdashboard.js", "/api/docs/docs.html",
     "/api/docs/vendor/swagger-ui-bundle-5.35.0.js.map"],
)  # fmt: skip
def test_any_other_file_under_the_docs_is_a_404_naming_the_asset(path: str) -> None:
    response = send(app(), "GET", path)
    assert response.status_code == 404 and response.json()["field"] == "asset"


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/api/redoc", "/api/docs/oauth2-redirect"])
def test_fastapi_s_own_docs_pages_are_not_served(path: str) -> None:
    assert send(app(), "GET", path).status_code == 404
