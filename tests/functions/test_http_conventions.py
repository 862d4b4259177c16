"""What every route does alike: problem bodies for unknown routes and methods, ETags, 304s."""

from __future__ import annotations

from shared.entrypoints.http.app import create_app
from shared.entrypoints.http.caching import entity_tag, matches
from tests.asgi import send
from tests.builders import TableStores
from tests.fakes import MemoryTableGateway


def app() -> object:
    return create_app(lambda: TableStores(MemoryTableGateway()).results)


def test_an_unknown_route_is_a_404_problem_naming_the_path() -> None:
    response = send(app(), "GET", "/api/no-such-route")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert "/api/no-such-route" in body["detail"] and "/api/docs" in body["detail"]


def test_a_method_a_route_does_not_take_is_a_405_problem_with_allow() -> None:
    response = send(app(), "DELETE", "/api/unit-costs")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "GET"
    assert response.json()["detail"] == "DELETE is not allowed on /api/unit-costs (allowed: GET)"


def test_a_read_has_an_etag_and_cache_control_and_the_same_read_revalidates_to_304() -> None:
    api = app()
    first = send(api, "GET", "/api/openapi.json")
    tag = first.headers["etag"]
    assert first.status_code == 200 and tag == entity_tag(first.content)
    assert first.headers["cache-control"] == "private, no-cache"
    for asked in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = send(api, "GET", "/api/openapi.json", headers={"If-None-Match": asked})
        assert again.status_code == 304, asked
        assert again.content == b"" and again.headers["etag"] == tag
        assert "content-type" not in again.headers
    stale = send(api, "GET", "/api/openapi.json", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_errors_carry_no_etag_and_are_never_304() -> None:
    response = send(app(), "GET", "/api/unit-costs", headers={"If-None-Match": "*"})
    assert response.status_code == 400  # no period: the error is answered, not revalidated
    assert "etag" not in response.headers


def test_if_none_match_compares_weakly() -> None:
    assert matches('W/"a"', '"a"') and matches(' "b" , "a"', '"a"') and matches("*", '"a"')
    assert not matches('"ab"', '"a"') and not matches("", '"a"')
