"""/api/use-cases through the app: list, get, put (201 then 200), delete; a bad body is one 400
naming the first bad field and listing every problem; a refused change stores nothing."""

from __future__ import annotations

from typing import Any

from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService
from tests.asgi import send
from tests.builders import dep, use_case_body
from tests.fakes import MemoryTableGateway

CHAT, TEST = dep("chat-prod"), dep("chat-test")


class Inventory:
    def known_deployments(self) -> list[Any]:
        return [CHAT, TEST]


def no_views() -> ViewService:
    raise AssertionError("the use-case routes read no allocation")


def api() -> tuple[object, MemoryTableGateway]:
    gateway = MemoryTableGateway()
    service = UseCaseService(UseCaseTable(gateway), Inventory())
    return create_api(ApiParts(views=no_views, use_cases=lambda: service)), gateway


def test_put_creates_then_replaces_and_get_list_delete_serve_the_input_shape() -> None:
    app, _ = api()
    body = use_case_body("support-bot", {"deployment": CHAT.key})
    created = send(app, "PUT", "/api/use-cases/support-bot", json=body)
    assert created.status_code == 201
    served = {**body, "deployments": [{"deployment": CHAT.key, "deploymentId": CHAT.deployment_id}]}
    assert created.json() == served
    again = send(app, "PUT", "/api/use-cases/support-bot", json=served)  # deploymentId accepted
    assert again.status_code == 200 and again.json() == served
    send(
        app,
        "PUT",
        "/api/use-cases/billing",
        json=use_case_body("billing", {"deployment": TEST.key}),
    )
    listed = send(app, "GET", "/api/use-cases").json()["useCases"]
    assert [u["name"] for u in listed] == ["billing", "support-bot"]
    assert send(app, "GET", "/api/use-cases/support-bot").json() == served
    assert send(app, "DELETE", "/api/use-cases/support-bot").status_code == 204
    missing = send(app, "GET", "/api/use-cases/support-bot")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert send(app, "DELETE", "/api/use-cases/support-bot").status_code == 404


def test_a_bad_body_is_a_400_listing_every_problem_and_changes_nothing() -> None:
    app, gateway = api()
    send(app, "PUT", "/api/use-cases/a", json=use_case_body("a", {"deployment": CHAT.key}))
    before = repr(gateway.tables)
    bad = use_case_body(
        "b", {"deployment": CHAT.deployment_id.upper()}, {"deployment": "x"}, owner=""
    )
    response = send(app, "PUT", "/api/use-cases/b", json=bad)
    assert response.status_code == 400
    problem = response.json()
    assert problem["field"] == "owner"
    assert [e["field"] for e in problem["errors"]] == [
        "owner", "deployments[1].deployment", "deployments[0].deployment",
    ]  # fmt: skip
    assert "stored use case 'a'" in problem["errors"][2]["detail"]
    renamed = send(
        app, "PUT", "/api/use-cases/b", json=use_case_body("c", {"deployment": TEST.key})
    )
    assert renamed.status_code == 400 and renamed.json()["field"] == "name"
    not_json = send(app, "PUT", "/api/use-cases/b", content=b"{")
    assert not_json.status_code == 400 and not_json.json()["field"] == "body"
    bad_name = send(
        app, "PUT", "/api/use-cases/B_1", json=use_case_body("B_1", {"deployment": TEST.key})
    )
    assert bad_name.status_code == 400 and bad_name.json()["field"] == "name"
    assert send(app, "DELETE", "/api/use-cases/zzz").status_code == 404
    assert repr(gateway.tables) == before
