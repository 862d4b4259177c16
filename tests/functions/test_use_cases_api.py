"""/api/use-cases through the app: list, get, put (201 then 200), delete; a bad body is one 400
naming the first bad field and listing every problem; a refused change stores nothing."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest

from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.use_cases import (
    CANDIDATE_KEYS,
    ENTRY_KEYS,
    PLAN_KEYS,
    USE_CASE_KEYS,
    stored_use_case,
    use_case_json,
)
from shared.demo.sample_use_cases import use_cases_document
from shared.entrypoints.http import use_cases_presenter as present
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.schemas.use_cases import UseCase, UseCaseList
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService
from tests.asgi import send
from tests.builders import OTHER, dep, use_case_body
from tests.fakes import MemoryTableGateway
from tests.functions.served import document, served_as

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


# --- declared models, the body's schema, pages and filters ------------------------------------

MINI = dep("mini", model="gpt-4o-mini", version="2024-07-18")
PTU = dep("ptu", sku="GlobalProvisionedManaged", account=OTHER)
PLANNED = {
    "status": "planned",
    "outcome": {"unit": "reviewed contract", "source": {"type": "push"}},
    "deployments": [],
    "plan": {
        "region": "eastus2", "outcomesPerDay": 400, "requestsPerOutcome": "2.5",
        "inputTokensPerRequest": 6000, "outputTokensPerRequest": 900.5,
        "weekdayShape": ["1.2", "1.2", "1.2", "1.2", "1.2", "0.5", 0.5],
        "candidates": [
            {"model": "gpt-4o", "sku": "GlobalProvisionedManaged", "ptu": 15,
             "reservation": "1M"},
            {"model": "gpt-4o-mini", "version": "2024-07-18", "sku": "GlobalStandard"},
        ],
    },
}  # fmt: skip


class WiderInventory:
    def known_deployments(self) -> list[Any]:
        return [CHAT, TEST, MINI, PTU]


def listed() -> object:
    """Four use cases: support-bot (owner support) on chat-prod whole and chat-test's slice,
    summarizer (content) on mini, batch (content) on ptu, review (legal) planned."""
    service = UseCaseService(UseCaseTable(MemoryTableGateway()), WiderInventory())
    app = create_api(ApiParts(views=no_views, use_cases=lambda: service))
    sliced: dict[str, object] = {"deployment": TEST.key, "callers": {"apimSubscriptions": ["bot"]}}
    bodies = {
        "support-bot": use_case_body("support-bot", {"deployment": CHAT.key}, sliced,
                                     owner="support"),
        "summarizer": use_case_body("summarizer", {"deployment": MINI.key}, owner="content"),
        "batch": use_case_body("batch", {"deployment": PTU.deployment_id}, owner="content"),
        "review": use_case_body("review", owner="legal", **PLANNED),
    }  # fmt: skip
    for name, body in bodies.items():
        assert send(app, "PUT", f"/api/use-cases/{name}", json=body).status_code == 201
    return app


@pytest.fixture(scope="module")
def lists() -> object:
    return listed()


def names(app: object, query: str) -> list[str]:
    response = send(app, "GET", f"/api/use-cases?{query}")
    assert response.status_code == 200, response.text
    body = UseCaseList.model_validate(response.json())
    assert body.total_items == len(body.use_cases) and body.next_link is None
    return [u.name for u in body.use_cases]


def test_the_use_case_routes_serve_their_declared_models_in_the_files_shape(
    lists: object,
) -> None:
    listed_ = served_as(send(lists, "GET", "/api/use-cases"), UseCaseList, "GET", "/api/use-cases")
    assert [u.name for u in listed_.use_cases] == ["batch", "review", "summarizer", "support-bot"]
    route = "/api/use-cases/{name}"
    review = send(lists, "GET", "/api/use-cases/review")
    served_as(review, UseCase, "GET", route)
    body = review.json()
    assert "deployments" not in body and body["status"] == "planned"  # absent, never null
    plan = body["plan"]
    assert "cachedInputTokensPerRequest" in plan and plan["cachedInputTokensPerRequest"] == 0
    assert (plan["requestsPerOutcome"], plan["outputTokensPerRequest"]) == ("2.5", "900.5")
    assert plan["candidates"] == [
        {"model": "gpt-4o", "sku": "GlobalProvisionedManaged", "ptu": 15, "reservation": "1m"},
        {"model": "gpt-4o-mini", "version": "2024-07-18", "sku": "GlobalStandard"},
    ]
    bot = send(lists, "GET", "/api/use-cases/support-bot").json()
    assert "status" not in bot and "plan" not in bot and "callers" not in bot["deployments"][0]
    again = send(lists, "PUT", "/api/use-cases/summarizer", json={"owner": "content",
                 **{k: v for k, v in use_case_body("summarizer", {"deployment": MINI.key}).items()
                    if k not in ("name", "owner")}})  # fmt: skip
    assert served_as(again, UseCase, "PUT", route).owner == "content"
    created = send(lists, "PUT", "/api/use-cases/probe", json=use_case_body("probe", **PLANNED))
    served_as(created, UseCase, "PUT", route)
    assert send(lists, "DELETE", "/api/use-cases/probe").status_code == 204


def test_a_served_use_case_is_its_stored_json(lists: object) -> None:
    """The API's model and the table's JSON (shared/core/use_cases.py use_case_json) are two
    builders of one shape: they must agree on every use case."""
    for name in ("batch", "review", "summarizer", "support-bot"):
        served = send(lists, "GET", f"/api/use-cases/{name}").json()
        found = stored_use_case(served)
        assert use_case_json(found) == served
        assert present.use_case(found).model_dump(by_alias=True, mode="json") == served


def test_the_put_bodys_schema_accepts_the_files_use_cases_and_names_the_parsers_keys() -> None:
    put = document()["paths"]["/api/use-cases/{name}"]["put"]
    schema = put["requestBody"]["content"]["application/json"]["schema"]
    assert "$ref" not in json.dumps(schema)  # self-contained
    assert set(schema["properties"]) == set(USE_CASE_KEYS)
    assert set(schema["properties"]["plan"]["properties"]) == set(PLAN_KEYS)
    entry = schema["properties"]["deployments"]["items"]
    assert set(entry["properties"]) == set(ENTRY_KEYS)
    candidate = schema["properties"]["plan"]["properties"]["candidates"]["items"]
    assert set(candidate["properties"]) == set(CANDIDATE_KEYS)
    validator = jsonschema_rs.validator_for(schema)
    for body in (*use_cases_document()["useCases"], *schema["examples"],
                 use_case_body("x", {"deployment": CHAT.key}), PLANNED | {"owner": "o",
                 "costCenter": "c"}):  # fmt: skip
        errors = [e.message for e in validator.iter_errors(body)]
        assert not errors, errors
    assert not validator.is_valid({**use_case_body("x"), "colour": "red"})  # unknown field
    outcomes = document()["paths"]["/api/use-cases/{name}/outcomes"]["post"]
    body = outcomes["requestBody"]["content"]["application/json"]["schema"]
    assert jsonschema_rs.validator_for(body).is_valid(
        {"outcomes": [{"id": "e", "date": "2026-10-03", "count": 1}]}
    )


def test_use_cases_a_page_at_a_time_by_name(lists: object) -> None:
    first = send(lists, "GET", "/api/use-cases?limit=3").json()
    assert [u["name"] for u in first["useCases"]] == ["batch", "review", "summarizer"]
    assert first["totalItems"] == 4
    rest = send(lists, "GET", first["nextLink"].removeprefix("http://api")).json()
    assert [u["name"] for u in rest["useCases"]] == ["support-bot"]
    assert (rest["continuationToken"], rest["nextLink"]) == (None, None)
    token = first["continuationToken"]
    other = send(lists, "GET", f"/api/use-cases?owner=content&continuationToken={token}")
    assert other.status_code == 400 and other.json()["field"] == "continuationToken"
    tampered = send(lists, "GET", f"/api/use-cases?continuationToken={token[:-2]}")
    assert tampered.status_code == 400 and tampered.json()["field"] == "continuationToken"
    for limit in ("0", "1001", "x"):
        bad = send(lists, "GET", f"/api/use-cases?limit={limit}")
        assert bad.status_code == 400 and bad.json()["field"] == "limit"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner=CONTENT", ["batch", "summarizer"]),
        ("useCase=Review", ["review"]),  # planned: kept by its own name
        ("owner=legal", ["review"]),
        ("account=acc", ["summarizer", "support-bot"]),
        (f"account={OTHER}", ["batch"]),
        ("model=gpt-4o-mini", ["summarizer"]),
        ("sku=GlobalProvisionedManaged", ["batch"]),
        ("model=gpt-4o&sku=GlobalStandard", ["support-bot"]),
        ("owner=content&account=acc", ["summarizer"]),
        ("owner=legal&model=gpt-4o", []),  # a planned use case has no deployment to match
        ("useCase=nobody", []),
    ],
)
def test_use_case_filters_keep_exactly_their_use_cases(
    lists: object, query: str, expected: list[str]
) -> None:
    assert names(lists, query) == expected


def test_a_bad_use_case_filter_is_a_400_naming_it(lists: object) -> None:
    for query, field in (("owner=", "owner"), (f"model={'m' * 201}", "model")):
        bad = send(lists, "GET", f"/api/use-cases?{query}")
        assert bad.status_code == 400 and bad.json()["field"] == field
