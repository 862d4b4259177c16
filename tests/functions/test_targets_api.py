"""/api/targets through the app (in process, httpx.ASGITransport) over the real tables on the
in-memory gateway: create (201) then replace (200), get, list, delete (204), 404 naming
`targetId`; a bad body is one 400 problem naming the first bad field with every problem in
`errors`, and changes nothing; a threshold is read exactly from its text, as a JSON string or a
JSON number; and a target's status after its evaluations.

The months evaluated (tests/builders.py): account acc, each of 1..5 Oct and 1..5 Nov one line of
gpt-4o input and one of output tokens, chat-prod and chat-test with the same usage every day.
October's lines are 8.00 each: 5 x 16.00 = 80.00; November's 10.00: 5 x 20.00 = 100.00; then
November re-published at 12.00: 5 x 24.00 = 120.00. The tenant's periodCost target (threshold
120, warningRatio 0.8, at risk from 96) is ok in October (80 < 96) and at risk in November
(100 >= 96, then 120 >= 96 and not above 120)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.target_status_table import TargetStatusTable
from shared.adapters.storage.targets_table import TargetTable
from shared.adapters.storage.usage_table import UsageTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.target_views import evaluation_json, target_head_json, transition_json
from shared.core.targets import target_json
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.schemas.targets import Target, TargetList, TargetStatus
from shared.services.target_evaluation import TargetEvaluationService
from shared.services.targets import TargetService
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService
from tests.asgi import send
from tests.builders import (
    ACC,
    NOV,
    OTHER,
    dep,
    month_of_lines,
    month_of_usage,
    publication,
    use_case_body,
)
from tests.fakes import MemoryCallerUsage, MemoryOutcomes, MemoryTableGateway

OCT = BillingPeriod(2026, 10)
CHAT, TEST, EMBED = dep("chat-prod"), dep("chat-test"), dep("embed", account=OTHER)
START = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # both months are over: forecasts are observed
PROBLEM = "application/problem+json"
GHOST_ACCOUNT = ACC.replace("accounts/acc", "accounts/ghost")  # well-formed, in no inventory
CHAT_1K = {
    "scope": {"deployment": CHAT.key},
    "metric": "costPer1kTokens",
    "threshold": "0.04",
    "costType": "actual",
}
TENANT = {"scope": {"tenant": True}, "metric": "periodCost", "threshold": "120",
          "costType": "actual"}  # fmt: skip


def no_views() -> ViewService:
    raise AssertionError("the target routes read no allocation")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class Api:
    """The app over the tables of one gateway; `evaluation` evaluates its targets."""

    def __init__(self) -> None:
        self.gateway = MemoryTableGateway()
        self.clock = Clock()
        inventory = InventoryTable(self.gateway)
        inventory.save(InventorySnapshot.on(date(2026, 10, 1), (CHAT, TEST, EMBED)))
        use_cases = UseCaseTable(self.gateway)
        UseCaseService(use_cases, inventory).put(
            "support-bot", use_case_body("support-bot", {"deployment": CHAT.key})
        )
        self.targets = TargetTable(self.gateway)
        self.status = TargetStatusTable(self.gateway, self.clock)
        self.service = TargetService(self.targets, self.status, use_cases, inventory)
        self.results = AllocationTables(self.gateway)
        self.usage = UsageTable(self.gateway)
        self.evaluation = TargetEvaluationService(
            self.targets, self.status, self.results, self.usage, MemoryCallerUsage(),
            MemoryOutcomes(), use_cases, None, "https://finops.example", self.clock,
        )  # fmt: skip
        self.app = create_api(ApiParts(views=no_views, targets=lambda: self.service))
        self.sequence = 0

    def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return send(self.app, method, path, **kw)

    def publish(self, period: BillingPeriod, cost: str) -> None:
        """Allocate 1..5 of the month at `cost` a line (two lines a day) with its usage."""
        self.sequence += 1
        usage = month_of_usage(period)
        lines = month_of_lines(period, cost=cost)
        self.results.publish(publication(lines, usage, self.sequence, period=period))
        self.usage.replace_window(period.window, [ACC], usage)

    def stored(self) -> str:
        return repr(self.gateway.tables)


@pytest.fixture
def api() -> Api:
    return Api()


def assert_problem(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["field"] == field, body
    return body


# --- CRUD --------------------------------------------------------------------------------------


def test_put_creates_then_replaces_and_get_list_delete_serve_the_file_shape(api: Api) -> None:
    created = api.send("PUT", "/api/targets/chat-1k", json=CHAT_1K)
    assert created.status_code == 201, created.text
    served = {
        "id": "chat-1k",
        "scope": {"deployment": CHAT.key, "deploymentId": CHAT.deployment_id},
        "metric": "costPer1kTokens",
        "threshold": "0.04",
        "warningRatio": "0.8",  # the default
        "costType": "actual",
    }
    assert created.json() == served
    again = api.send("PUT", "/api/targets/chat-1k", json=served)  # sent back as served
    assert again.status_code == 200 and again.json() == served
    assert api.send("PUT", "/api/targets/all-month", json=TENANT).status_code == 201

    listed = api.send("GET", "/api/targets").json()["targets"]
    assert [t["id"] for t in listed] == ["all-month", "chat-1k"]
    assert api.send("GET", "/api/targets/chat-1k").json() == served

    deleted = api.send("DELETE", "/api/targets/chat-1k")
    assert deleted.status_code == 204 and deleted.content == b""
    assert [t["id"] for t in api.send("GET", "/api/targets").json()["targets"]] == ["all-month"]
    for method, path in [
        ("GET", "/api/targets/chat-1k"),
        ("DELETE", "/api/targets/chat-1k"),
        ("GET", "/api/targets/chat-1k/status"),
        ("GET", "/api/targets/Not_A_Slug"),
    ]:
        missing = assert_problem(api.send(method, path), 404, "targetId")
        assert "not found" in missing["detail"]


# --- bad bodies --------------------------------------------------------------------------------


def changed(**fields: object) -> dict[str, object]:
    return {**CHAT_1K, **fields}


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        pytest.param(changed(scope={"team": "x"}), "scope.team", "unknown field",
                     id="unknown-scope-kind"),
        pytest.param(changed(scope={"deployment": "acc~gone~0000000000"}), "scope.deployment",
                     "no deployment", id="unknown-deployment"),
        pytest.param(changed(scope={"account": GHOST_ACCOUNT}), "scope.account",
                     "no account of the inventory", id="unknown-account"),
        pytest.param(changed(scope={"useCase": "nobody"}), "scope.useCase", "no use case",
                     id="unknown-use-case"),
        pytest.param(changed(metric="costPerOutcome"), "metric",
                     "costPerOutcome needs a useCase scope", id="cost-per-outcome-on-deployment"),
        pytest.param(changed(threshold="-0.04"), "threshold", "must not be negative",
                     id="negative-threshold"),
        pytest.param(changed(threshold="4 cents"), "threshold", "must be a decimal number",
                     id="non-numeric-threshold"),
        pytest.param(changed(threshold=True), "threshold", "not a boolean", id="boolean"),
        pytest.param(changed(warningRatio=0), "warningRatio", "greater than 0 and at most 1",
                     id="warning-ratio-0"),
        pytest.param(changed(warningRatio=1.5), "warningRatio", "greater than 0 and at most 1",
                     id="warning-ratio-1.5"),
        pytest.param(changed(costType="list"), "costType", "must be one of actual, amortized",
                     id="unknown-cost-type"),
        pytest.param(changed(id="another"), "id", "must equal the id in the path",
                     id="id-mismatch"),
        pytest.param([CHAT_1K], "body", "must be a JSON object", id="body-a-list"),
        pytest.param(42, "body", "must be a JSON object", id="body-a-number"),
    ],
)  # fmt: skip
def test_a_bad_body_is_a_400_naming_the_field_and_changes_nothing(
    api: Api, body: object, field: str, detail: str
) -> None:
    assert api.send("PUT", "/api/targets/chat-1k", json=CHAT_1K).status_code == 201
    before = api.stored()

    problem = assert_problem(api.send("PUT", "/api/targets/chat-1k", json=body), 400, field)

    assert problem["errors"][0] == {"field": field, "detail": problem["detail"]}
    assert detail in problem["detail"]
    assert api.stored() == before
    assert api.send("GET", "/api/targets/chat-1k").json()["threshold"] == "0.04"


def test_every_problem_of_a_body_is_listed_and_a_body_that_is_no_json_named(api: Api) -> None:
    before = api.stored()
    bad = changed(scope={"useCase": "nobody"}, threshold="-1", warningRatio="2")
    problem = assert_problem(api.send("PUT", "/api/targets/t", json=bad), 400, "scope.useCase")
    assert [e["field"] for e in problem["errors"]] == ["scope.useCase", "threshold",
                                                      "warningRatio"]  # fmt: skip
    assert_problem(api.send("PUT", "/api/targets/t", content=b'{"scope": '), 400, "body")
    assert_problem(api.send("PUT", "/api/targets/t", content=b"\xff\xfe"), 400, "body")
    assert_problem(api.send("PUT", "/api/targets/Bad_Id", json=CHAT_1K), 400, "id")
    assert api.stored() == before
    assert api.send("GET", "/api/targets").json()["targets"] == []


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e16", "1e-29", "-0.5"])
def test_a_json_number_outside_the_rules_is_a_400_naming_the_threshold(api: Api, text: str) -> None:
    body = f'{{"scope": {{"tenant": true}}, "metric": "periodCost", "threshold": {text}}}'
    before = api.stored()
    response = api.send(
        "PUT", "/api/targets/t", content=body, headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "threshold")
    assert api.stored() == before


# --- thresholds read exactly ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ('"0.04"', "0.04"),
        ("0.04", "0.04"),  # a JSON number: the digits written, not the float's binary value
        ("4E-2", "0.04"),
        ("0.1000000000000000000001", "0.1000000000000000000001"),  # beyond a float's digits
        ("2", "2"),
    ],
)
def test_a_threshold_is_read_exactly_from_its_text(api: Api, text: str, stored: str) -> None:
    body = (
        '{"scope": {"tenant": true}, "metric": "periodCost", "costType": "actual", '
        f'"warningRatio": 0.75, "threshold": {text}}}'
    )
    response = api.send(
        "PUT", "/api/targets/exact", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 201, response.text
    assert (response.json()["threshold"], response.json()["warningRatio"]) == (stored, "0.75")
    target = api.targets.get("exact")
    assert target is not None and target.threshold == Decimal(stored)
    assert target.threshold.as_tuple() == Decimal(stored).as_tuple()  # the same digits
    definition = json.loads(str(api.gateway.tables["targets"][("target", "exact")]["Definition"]))
    assert definition["threshold"] == stored


# --- status -------------------------------------------------------------------------------------


def test_the_status_serves_each_period_s_evaluation_and_the_transitions(api: Api) -> None:
    assert api.send("PUT", "/api/targets/all-month", json=TENANT).status_code == 201
    empty = api.send("GET", "/api/targets/all-month/status")
    assert empty.status_code == 200 and (empty.json()["periods"], empty.json()["transitions"]) == (
        [], [],
    )  # fmt: skip
    api.publish(OCT, "8.00")
    api.publish(NOV, "10.00")
    api.evaluation.evaluate_period(OCT)
    api.evaluation.evaluate_period(NOV)

    status = api.send("GET", "/api/targets/all-month/status").json()

    assert {k: v for k, v in status.items() if k not in ("periods", "transitions")} == {
        "targetId": "all-month",
        "scope": {"tenant": True},
        "metric": "periodCost",
        "threshold": 120.0,
        "warningRatio": 0.8,
        "costType": "actual",
    }
    november, october = status["periods"]  # newest first
    assert (october["period"], october["state"], october["observed"]) == ("2026-10", "ok", 80.0)
    assert october["drivers"] == {"vsPreviousPeriod": None, "vsPreviousEvaluation": None}
    assert {k: v for k, v in november.items() if k not in ("drivers", "evaluatedAt")} == {
        "period": "2026-11",
        "costType": "actual",
        "currency": "USD",
        "state": "at-risk",
        "reason": "the observed value has reached warningRatio x threshold",
        "threshold": 120.0,
        "warningAt": 96.0,  # 0.8 x 120
        "observed": 100.0,
        "forecast": {"value": 100.0, "low": 100.0, "high": 100.0, "method": "observed"},
    }
    assert november["evaluatedAt"].endswith("Z")
    # 80.00 -> 100.00 with the same tokens and the same shares: all of it is price
    assert effects(november["drivers"]["vsPreviousPeriod"]) == (
        80.0, 100.0, 20.0, 25.0, {"volume": 0.0, "mix": 0.0, "price": 20.0, "rest": 0.0},
    )  # fmt: skip
    assert november["drivers"]["vsPreviousEvaluation"] is None  # its first evaluation
    assert [
        (t["period"], t["previousState"], t["state"], t["observed"], t["event"])
        for t in status["transitions"]
    ] == [
        ("2026-10", None, "ok", 80.0, None),
        ("2026-11", None, "at-risk", 100.0, "UnitCost.Target.AtRisk"),
    ]

    api.publish(NOV, "12.00")  # 120.00: still at risk (not above 120), new numbers
    api.evaluation.evaluate_period(NOV)
    november = api.send("GET", "/api/targets/all-month/status").json()["periods"][0]
    assert (november["state"], november["observed"]) == ("at-risk", 120.0)
    assert effects(november["drivers"]["vsPreviousEvaluation"]) == (
        100.0, 120.0, 20.0, 20.0, {"volume": 0.0, "mix": 0.0, "price": 20.0, "rest": 0.0},
    )  # fmt: skip
    assert effects(november["drivers"]["vsPreviousPeriod"])[:4] == (80.0, 120.0, 40.0, 50.0)

    replaced = api.send("PUT", "/api/targets/all-month", json={**TENANT, "threshold": "119.99"})
    assert replaced.status_code == 200
    api.evaluation.evaluate_period(NOV)  # 120.00 > 119.99: breached
    status = api.send("GET", "/api/targets/all-month/status").json()
    assert (status["threshold"], status["periods"][0]["state"]) == (119.99, "breached")
    transitions = status["transitions"]
    assert [(t["previousState"], t["state"], t["event"]) for t in transitions[1:]] == [
        (None, "at-risk", "UnitCost.Target.AtRisk"),
        ("at-risk", "breached", "UnitCost.Target.Breached"),
    ]
    assert all(t["at"].endswith("Z") for t in transitions)
    assert [t["at"] for t in transitions] == sorted(t["at"] for t in transitions)


def effects(drivers: dict[str, Any] | None) -> tuple[object, ...]:
    assert drivers is not None
    return (
        drivers["previous"],
        drivers["current"],
        drivers["change"],
        drivers["changePct"],
        {e["kind"]: e["effect"] for e in drivers["effects"]},
    )


# --- response models, one source of truth with the events and the table --------------------------


def test_every_answer_validates_against_its_model_and_says_what_the_events_say(api: Api) -> None:
    bodies = {
        "chat-1k": CHAT_1K,
        "embed-1k": {**CHAT_1K, "scope": {"deployment": EMBED.deployment_id.upper()}},
        "acc-month": {**TENANT, "scope": {"account": ACC}},
        "bot-month": {**TENANT, "scope": {"useCase": "support-bot"}},
        "all-month": TENANT,
    }
    for target_id, body in bodies.items():
        assert api.send("PUT", f"/api/targets/{target_id}", json=body).status_code == 201
    api.publish(OCT, "8.00")
    api.publish(NOV, "10.00")
    api.evaluation.evaluate_period(OCT)
    api.evaluation.evaluate_period(NOV)

    listed = api.send("GET", "/api/targets").json()
    assert TargetList.model_validate(listed).model_dump(mode="json", by_alias=True) == listed
    for target_id in bodies:
        stored = api.targets.get(target_id)
        assert stored is not None
        served = api.send("GET", f"/api/targets/{target_id}").json()
        assert served == target_json(stored)  # the file's shape, as the table keeps it
        assert Target.model_validate(served).model_dump(mode="json", by_alias=True) == served
        status = api.send("GET", f"/api/targets/{target_id}/status").json()
        assert TargetStatus.model_validate(status).model_dump(mode="json", by_alias=True) == status
        found = api.service.status(target_id)
        head = {k: v for k, v in status.items() if k not in ("periods", "transitions")}
        assert head == target_head_json(found.target)
        newest_first = sorted(found.evaluations, key=lambda s: s.evaluation.period, reverse=True)
        assert [{k: v for k, v in p.items() if k != "evaluatedAt"} for p in status["periods"]] == [
            evaluation_json(s.evaluation) for s in newest_first
        ]
        assert status["transitions"] == [transition_json(t) for t in found.history]
    assert api.send("GET", "/api/targets/all-month/status").json()["periods"]  # evaluated


# --- pages and filters ----------------------------------------------------------------------------


def put_scoped_targets(api: Api) -> None:
    """chat-1k (a deployment of acc), embed-1k (a deployment of other), acc-month (the account
    acc), bot-month (the use case support-bot) and all-month (the tenant)."""
    bodies = {
        "chat-1k": CHAT_1K,
        "embed-1k": {**CHAT_1K, "scope": {"deployment": EMBED.key}},
        "acc-month": {**TENANT, "scope": {"account": ACC}},
        "bot-month": {**TENANT, "scope": {"useCase": "support-bot"}},
        "all-month": TENANT,
    }
    for target_id, body in bodies.items():
        assert api.send("PUT", f"/api/targets/{target_id}", json=body).status_code == 201


def ids(body: dict[str, Any]) -> list[str]:
    return [t["id"] for t in body["targets"]]


def test_the_list_comes_in_pages_that_neither_repeat_nor_skip(api: Api) -> None:
    put_scoped_targets(api)
    first = api.send("GET", "/api/targets", params={"limit": "2"}).json()
    assert ids(first) == ["acc-month", "all-month"] and first["totalItems"] == 5
    token = first["continuationToken"]
    assert (
        token and first["nextLink"] == f"http://api/api/targets?limit=2&continuationToken={token}"
    )
    # one served already goes: the next page neither repeats nor skips one (keys, not offsets)
    assert api.send("DELETE", "/api/targets/acc-month").status_code == 204
    second = api.send("GET", first["nextLink"]).json()
    assert ids(second) == ["bot-month", "chat-1k"] and second["totalItems"] == 4
    third = api.send("GET", second["nextLink"]).json()
    assert ids(third) == ["embed-1k"] and (third["continuationToken"], third["nextLink"]) == (
        None, None,
    )  # fmt: skip
    whole = api.send("GET", "/api/targets").json()
    assert ids(whole) == ["all-month", "bot-month", "chat-1k", "embed-1k"]
    assert (whole["continuationToken"], whole["nextLink"]) == (None, None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("continuationToken=not-a-token", "continuationToken"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=two", "limit"),
        ("account=", "account"),
        ("useCase=%20", "useCase"),
        ("owner=" + "x" * 201, "owner"),
    ],
)
def test_a_bad_page_or_filter_is_a_400_naming_it(api: Api, query: str, field: str) -> None:
    assert_problem(api.send("GET", f"/api/targets?{query}"), 400, field)


def test_a_token_of_another_query_is_a_400_naming_the_token(api: Api) -> None:
    put_scoped_targets(api)
    token = api.send("GET", "/api/targets?limit=1").json()["continuationToken"]
    other = api.send("GET", "/api/targets", params={"limit": "1", "account": "acc",
                                                    "continuationToken": token})  # fmt: skip
    assert "another query" in assert_problem(other, 400, "continuationToken")["detail"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"account": "acc"}, ["acc-month", "chat-1k"]),  # its name: its scope and a deployment's
        ({"account": OTHER}, ["embed-1k"]),  # its ARM id
        ({"useCase": "SUPPORT-BOT"}, ["bot-month"]),
        ({"owner": "support-platform"}, ["bot-month"]),
        ({"owner": "nobody"}, []),
        ({"useCase": "support-bot", "account": "acc"}, []),  # one scope names one thing
    ],
)
def test_the_filters_keep_the_targets_whose_scope_names_them(
    api: Api, query: dict[str, str], expected: list[str]
) -> None:
    put_scoped_targets(api)
    body = api.send("GET", "/api/targets", params=query).json()
    assert ids(body) == expected and body["totalItems"] == len(expected)
