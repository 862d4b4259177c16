"""The interactive docs (/api/docs) in headless Chromium (tests/e2e/browser.py: Debian's
Chromium, held to loopback) over the whole app as Azure serves it, RequireCredential around it
(function_app.py: a request without a key is a 401), on 127.0.0.1 with no storage (the document
needs none; "Try it out" calls GET /api/health): Swagger UI renders from the app's own files,
lists every operation of /api/openapi.json, offers the function key under "Authorize", and with
`?code=` every request the page made, "Try it out"'s too, carried the key. Screenshots:
tests/artifacts/api-docs.png (the head of the page), api-docs-try-it-out.png."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page

from shared.bootstrap import Container
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.authentication import RequireCredential
from shared.entrypoints.http.parts import from_container
from tests.asgi import served
from tests.e2e.browser import Browser, chromium, screenshot

KEY = "a-function-key"  # RequireCredential takes any; the page must pass it on to every request


def no_container() -> Container:
    raise AssertionError("the docs read no storage")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    # Every part but health's, which reads the run records: "try it out" calls /api/health.
    parts = dataclasses.replace(from_container(no_container), health=None)
    with served(RequireCredential(create_api(parts))) as found:
        yield found


@pytest.fixture(scope="module")
def browser(base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with chromium(tmp_path_factory.mktemp("chromium-profile"), base) as found:
        yield found


@pytest.fixture(scope="module")
def document(base: str) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{base}/api/openapi.json", params={"code": KEY}).json()
    return found


def open_docs(browser: Browser) -> Page:
    """The docs opened with the key, once Swagger UI drew the document's operations."""
    page = browser.open(f"/api/docs?code={KEY}")
    page.locator(".opblock").first.wait_for()
    return page


def test_the_docs_list_every_operation_from_the_app_alone(
    browser: Browser, document: dict[str, Any]
) -> None:
    page = open_docs(browser)
    screenshot(page, "api-docs", full_page=False)  # the head: title, conventions, Authorize
    operations = [(m, p) for p, item in document["paths"].items() for m in item]
    assert page.locator(".opblock").count() == len(operations)
    assert page.locator(".info .title").inner_text().startswith(document["info"]["title"])
    assert KEY not in page.locator(".info").inner_text(), "the key shown in the document's link"
    for method, path in operations:
        tag = document["paths"][path][method]["tags"][0].replace(" ", "_")
        op_id = document["paths"][path][method]["operationId"]
        assert page.locator(f"#operations-{tag}-{op_id}").count() == 1, (method, path)
    assert browser.problems == [] and browser.blocked == []
    page.close()


def test_authorize_offers_the_function_key_and_try_it_out_sends_it(browser: Browser) -> None:
    browser.requests.clear()
    page = open_docs(browser)
    page.locator(".btn.authorize").click()
    dialog = page.locator(".dialog-ux")
    for scheme in ("functionKey", "functionKeyQuery", "entraId"):
        assert dialog.get_by_text(scheme, exact=False).count() >= 1, scheme
    # the page opened with ?code= is authorized with it (the value itself is not shown)
    keyed = dialog.locator(".auth-container", has_text="functionKeyQuery")
    assert keyed.locator("h6").inner_text() == "Authorized"
    assert KEY not in dialog.inner_text()
    dialog.locator(".close-modal").click()

    health = page.locator("#operations-Health-health")
    health.locator(".opblock-summary").click()
    health.locator(".try-out__btn").click()
    health.locator(".btn.execute").click()
    status = health.locator(".live-responses-table tr.response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    screenshot(page, "api-docs-try-it-out", full_page=False)

    assert browser.problems == [] and browser.blocked == []
    made = [urlsplit(u) for u in browser.requests]
    assert {u.path for u in made} >= {"/api/docs", "/api/openapi.json", "/api/health"}, made
    unkeyed = [u.geturl() for u in made if parse_qs(u.query).get("code") != [KEY]]
    assert unkeyed == [], "requests without the key (a 401 in Azure)"
    page.close()
