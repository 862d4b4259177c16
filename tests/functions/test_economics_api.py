"""Use-case economics, a deployment's callers, the showback and pushed outcomes through the app
(in process, httpx.ASGITransport), over a published November in memory.

The month (tests/builders.py `month_of_lines`, `month_of_usage`, plus an account of its own):

- account acc, 1..5 Nov, each day 10.00 of gpt-4o input and 10.00 of output tokens; chat-prod
  750 in / 100 out / 10 requests, chat-test 1500 / 200 / 10. Input splits 750 : 1500, output
  100 : 200, so chat-prod carries 10/3 + 10/3 = 6.666.. a day (33.333.. in all) and chat-test
  13.333.. a day (66.666..);
- account other, 1..3 Nov, 3.00 of input tokens, all to `solo` (9.00 in all);
- 3 Nov, 2.50 on a meter nobody knows: unallocated. Billed 100 + 9 + 2.50 = 111.50.
- Rounded as /api/unit-costs rounds it, toward the allocated 109.00: 33.33 + 66.66 + 9.00 =
  108.99, the cent left goes to the largest remainder (.00666.. of chat-test): 33.33, 66.67, 9.00.

APIM logs of chat-test, each day: subscription a 500 in / 50 out / 4 requests, b 300 / 100 / 3.
Input (6.666.. a day) splits by D = max(1500, 800) = 1500: a 500, b 300, rest 700; output
(6.666..) by D = max(200, 150) = 200: a 50, b 100, rest 50. A day: a 20/9 + 5/3 = 3.888..,
b 4/3 + 10/3 = 4.666.., rest 28/9 + 5/3 = 4.777..; five days: a 19.444.., b 23.333..,
rest 23.888.. (sum 66.666..).

Use cases (push outcomes): support-bot (owner support) takes chat-prod whole and chat-test's
subscription a; billing (owner finance) the slice of subscription zzz (no calls); both CC-1042.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.usage_table import UsageTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.callers import Caller, CallerKind, CallerUsage
from shared.core.inventory import InventorySnapshot
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.schemas.economics import (
    DeploymentCallers,
    Showback,
    UseCaseUnitCosts,
)
from shared.entrypoints.http.schemas.use_cases import PushedOutcomes
from shared.services.economics import EconomicsService
from shared.services.outcomes import OutcomeService
from shared.services.views import ViewService
from tests.asgi import read, send
from tests.builders import (
    DEPLOYMENTS,
    GUID,
    NOV,
    OTHER,
    OUTCOME_QUERY,
    days,
    dep,
    line,
    month_of_lines,
    month_of_usage,
    publication,
    use,
)
from tests.fakes import MemoryCallerUsage, MemoryOutcomes, MemoryTableGateway
from tests.functions.served import served_as
from tests.unit.catalogue_double import GPT4O_IN

TODAY = date(2026, 11, 20)
CHAT, TEST = DEPLOYMENTS
SOLO = dep("solo", account=OTHER)
SUB = CallerKind.APIM_SUBSCRIPTIONS
PERIOD = "period=2026-11&costType=actual"


def cents(value: object) -> Decimal:
    """A JSON number as the decimal it stands for (the API's floats are rounded decimals)."""
    return Decimal(str(value))


def entry(deployment: Any, *callers: str) -> DeploymentEntry:
    sliced = ((SUB, callers),) if callers else ()
    return DeploymentEntry(deployment.key, deployment.deployment_id, sliced)


def push_use_case(name: str, owner: str, *entries: DeploymentEntry) -> UseCase:
    outcome = Outcome("resolved query", OutcomeSource(SourceType.PUSH))
    return UseCase(name, owner, "CC-1042", outcome, entries)


class Api:
    """The app over one published November, its usage, caller telemetry and use cases."""

    def __init__(self) -> None:
        gateway = MemoryTableGateway()
        lines = [
            *month_of_lines(),  # acc, 1..5 Nov, 10.00 in + 10.00 out a day
            line("m-unknown", "2.50"),  # 3 Nov, unallocated
            *(line(GPT4O_IN.meter_id, "3.00", d, OTHER) for d in days(NOV, 3)),
        ]
        usage = [*month_of_usage(), *(use("solo", 100, 0, 1, d, OTHER) for d in days(NOV, 3))]
        snapshot = InventorySnapshot.on(date(2026, 10, 1), (CHAT, TEST, SOLO))
        self.results = AllocationTables(gateway)
        self.results.publish(publication(lines, usage, 1, (snapshot,)))
        self.usage = UsageTable(gateway)
        self.usage.replace_window(NOV.window, [CHAT.account_id, SOLO.account_id], usage)
        self.callers = MemoryCallerUsage()
        a, b = Caller(SUB, "a"), Caller(SUB, "b")
        self.callers.rows = {
            (day, TEST.deployment_id.lower(), c.caller): c
            for day in days(NOV, 5)
            for c in (
                CallerUsage(day, TEST.deployment_id, a, 500, 50, 4),
                CallerUsage(day, TEST.deployment_id, b, 300, 100, 3),
            )
        }
        self.outcomes = MemoryOutcomes()
        self.use_cases = UseCaseTable(MemoryTableGateway())
        self.use_cases.put(push_use_case("support-bot", "support", entry(CHAT), entry(TEST, "a")))
        self.use_cases.put(push_use_case("billing", "finance", entry(TEST, "zzz")))
        queried = OutcomeSource(SourceType.LOG_ANALYTICS, GUID, OUTCOME_QUERY)
        self.use_cases.put(UseCase("queried", "x", "CC-9", Outcome("y", queried), ()))
        views = ViewService(self.results, lambda: TODAY)
        economics = EconomicsService(
            self.results, self.usage, self.callers, self.outcomes, self.use_cases, lambda: TODAY
        )
        pushes = OutcomeService(self.outcomes, self.use_cases)
        self.app = create_api(
            ApiParts(views=lambda: views, outcomes=lambda: pushes, economics=lambda: economics)
        )

    def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return send(self.app, method, path, **kw)

    def get(self, path: str) -> Any:
        return read(self.app, path)

    def push(self, name: str, *events: tuple[str, str, object]) -> httpx.Response:
        body = {"outcomes": [{"id": i, "date": d, "count": n} for i, d, n in events]}
        return self.send("POST", f"/api/use-cases/{name}/outcomes", json=body)


@pytest.fixture
def api() -> Api:
    return Api()


def assert_problem(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["field"] == field, body
    return body


# --- GET /api/use-cases/{name}/unit-costs -----------------------------------------------------


def test_a_use_case_without_outcomes_has_its_cost_and_unit_costs_but_no_cost_per_outcome(
    api: Api,
) -> None:
    found = api.get(f"/api/use-cases/support-bot/unit-costs?{PERIOD}")
    # chat-prod 33.333.. + subscription a 19.444.. = 52.777..
    assert (found["useCase"], found["period"], found["costType"]) == (
        "support-bot", "2026-11", "actual",
    )  # fmt: skip
    assert (found["currency"], found["cost"], found["outcomeUnit"]) == (
        "USD", 52.78, "resolved query",
    )  # fmt: skip
    assert found["outcomes"] is None
    assert found["costPerOutcome"] is None
    assert found["reason"] == "no outcome data for the period"
    # tokens: 5 x (750 + 500) in, 5 x (100 + 50) out; requests 5 x (10 + 4)
    assert (found["inputTokens"], found["outputTokens"], found["requests"]) == (6250, 750, 70)
    assert cents(found["costPer1kTokens"]) == Decimal("7.53968254")  # 52.777.. / 7000 x 1000
    assert cents(found["costPerRequest"]) == Decimal("0.75396825")  # 52.777.. / 70
    # members toward 52.78: 33.33 + 19.44 = 52.77, the cent to the larger remainder (a's .0044)
    members = {(m["deployment"], m["attribution"]): cents(m["cost"]) for m in found["deployments"]}
    assert members == {
        (CHAT.key, "allocation"): Decimal("33.33"),
        (TEST.key, "callers"): Decimal("19.45"),
    }
    assert sum(members.values()) == cents(found["cost"])
    sliced = next(m for m in found["deployments"] if m["attribution"] == "callers")
    assert sliced["callers"] == {"apimSubscriptions": ["a"]}
    assert cents(sliced["unattributedCost"]) == Decimal("23.89")  # chat-test's rest 23.888..
    coverage = found["coverage"]
    assert (cents(coverage["allocatedCost"]), cents(coverage["callerSplitCost"])) == (
        Decimal("33.33"), Decimal("19.45"),
    )  # fmt: skip
    assert cents(coverage["allocatedPct"]) == Decimal("63.1579")  # 33.333.. / 52.777.. = 12/19
    assert (coverage["daysWithCost"], coverage["daysWithOutcomes"]) == (5, 0)
    # daily: 6.666.. + 3.888.. = 10.555.. each of 1..5 Nov, rounded toward 52.78 = 5 x 10.55 +
    # 3 cents: three days 10.56, two 10.55
    daily = found["daily"]
    assert [d["date"] for d in daily] == [str(d) for d in days(NOV, 5)]
    assert (
        sorted(cents(d["cost"]) for d in daily) == [Decimal("10.55")] * 2 + [Decimal("10.56")] * 3
    )
    assert sum(cents(d["cost"]) for d in daily) == cents(found["cost"])
    assert all(d["outcomes"] is None and d["costPerOutcome"] is None for d in daily)


def test_pushed_outcomes_give_a_cost_per_outcome_of_the_days_that_have_them(api: Api) -> None:
    accepted = api.push("support-bot", ("q-1", "2026-11-02", 10), ("q-2", "2026-11-04", 5))
    assert accepted.status_code == 200
    assert accepted.json() == {"useCase": "support-bot", "accepted": ["q-1", "q-2"],
                               "repeated": []}  # fmt: skip
    again = api.push("support-bot", ("q-1", "2026-11-02", 10), ("q-2", "2026-11-04", 5))
    assert again.status_code == 200
    assert again.json() == {"useCase": "support-bot", "accepted": [], "repeated": ["q-1", "q-2"]}

    found = api.get(f"/api/use-cases/support-bot/unit-costs?{PERIOD}")
    assert found["outcomes"] == 15  # 10 + 5, the re-sent events counted once
    assert found["reason"] is None
    # 2 and 4 Nov: 2 x 10.555.. = 21.111.., / 15 = 1.407407..
    assert cents(found["costPerOutcome"]) == Decimal("1.40740741")
    assert cents(found["tokensPerOutcome"]) == Decimal("186.67")  # 2 x 1400 tokens / 15
    by_day = {d["date"]: d for d in found["daily"]}
    assert by_day["2026-11-02"]["outcomes"] == 10 and by_day["2026-11-03"]["outcomes"] is None
    assert found["coverage"]["daysWithOutcomes"] == 2
    assert cents(found["coverage"]["outcomeDaysPct"]) == 40  # 2 of 5 days


def test_unknown_use_cases_and_periods_never_allocated_are_404_naming_the_field(
    api: Api,
) -> None:
    assert_problem(api.send("GET", f"/api/use-cases/nobody/unit-costs?{PERIOD}"), 404, "useCase")
    assert_problem(
        api.send("GET", f"/api/use-cases/Support-Bot/unit-costs?{PERIOD}"), 404, "useCase"
    )
    october = "period=2026-10&costType=actual"
    assert_problem(api.send("GET", f"/api/use-cases/support-bot/unit-costs?{october}"), 404,
                   "period")  # fmt: skip
    amortized = "period=2026-11&costType=amortized"  # only ActualCost was allocated
    assert_problem(api.send("GET", f"/api/use-cases/support-bot/unit-costs?{amortized}"), 404,
                   "period")  # fmt: skip
    assert_problem(api.send("GET", f"/api/deployments/{TEST.key}/callers?{october}"), 404,
                   "period")  # fmt: skip
    assert_problem(api.send("GET", f"/api/showback?{october}&by=owner"), 404, "period")


@pytest.mark.parametrize(
    "path",
    ["/api/use-cases/support-bot/unit-costs", f"/api/deployments/{TEST.key}/callers",
     "/api/showback"],
)  # fmt: skip
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "period"),
        ("period=2026-13", "period"),
        ("period=nov", "period"),
        ("period=2026-11&costType=retail", "costType"),
    ],
)
def test_a_bad_period_or_cost_type_is_a_400_naming_it(
    api: Api, path: str, query: str, field: str
) -> None:
    assert_problem(api.send("GET", f"{path}?{query}&by=owner"), 400, field)


# --- GET /api/deployments/{key}/callers -------------------------------------------------------


def test_a_deployments_callers_and_rest_sum_to_its_unit_costs_cost(api: Api) -> None:
    found = api.get(f"/api/deployments/{TEST.key}/callers?{PERIOD}")
    deployment = api.get(f"/api/deployments/{TEST.key}/unit-costs?{PERIOD}")
    assert deployment["cost"] == 66.67  # see the module docstring
    assert found["by"] == "apimSubscriptions"  # the kind the use cases slice it by
    assert (found["key"], found["deploymentId"]) == (TEST.key, TEST.deployment_id)
    assert cents(found["cost"]) == cents(deployment["cost"])
    # toward 66.67: 23.33 + 19.44 + 23.88 = 66.65; 2 cents to the largest remainders,
    # rest (.0088) and a (.0044): b 23.33, a 19.45, rest 23.89
    assert [(c["kind"], c["caller"], cents(c["cost"])) for c in found["callers"]] == [
        ("apimSubscriptions", "b", Decimal("23.33")),
        ("apimSubscriptions", "a", Decimal("19.45")),
    ]
    rest = found["unattributed"]
    assert cents(rest["cost"]) == Decimal("23.89")
    total = sum(cents(c["cost"]) for c in found["callers"]) + cents(rest["cost"])
    assert total == cents(deployment["cost"])
    b, a = found["callers"]
    assert (b["inputTokens"], b["outputTokens"], b["requests"], b["days"]) == (1500, 500, 15, 5)
    assert (a["inputTokens"], a["outputTokens"], a["requests"], a["days"]) == (2500, 250, 20, 5)
    # Azure Monitor beyond the callers: 5 x (1500 - 800) in, 5 x (200 - 150) out, 5 x (10 - 7)
    assert (rest["inputTokens"], rest["outputTokens"], rest["requests"]) == (3500, 250, 15)
    assert "kind" not in rest and "caller" not in rest


def test_callers_by_another_kind_or_of_a_deployment_without_telemetry_are_all_unattributed(
    api: Api,
) -> None:
    roles = api.get(f"/api/deployments/{TEST.key}/callers?{PERIOD}&by=appRoles")
    assert roles["by"] == "appRoles" and roles["callers"] == []
    assert roles["unattributed"]["cost"] == roles["cost"] == 66.67
    for key, cost in ((CHAT.key, 33.33), (SOLO.key, 9.0)):
        found = api.get(f"/api/deployments/{key}/callers?{PERIOD}")
        unit = api.get(f"/api/deployments/{key}/unit-costs?{PERIOD}")
        assert found["by"] is None and found["callers"] == []
        assert found["cost"] == found["unattributed"]["cost"] == unit["cost"] == cost


def test_callers_of_an_unknown_kind_or_deployment_are_refused_naming_the_field(
    api: Api,
) -> None:
    body = assert_problem(
        api.send("GET", f"/api/deployments/{TEST.key}/callers?{PERIOD}&by=owner"), 400, "by"
    )
    assert "apimSubscriptions" in body["detail"]
    missing = "acc~nope~0000000000"
    assert_problem(api.send("GET", f"/api/deployments/{missing}/callers?{PERIOD}"), 404,
                   "deployment")  # fmt: skip


# --- GET /api/showback ------------------------------------------------------------------------


def group_costs(found: dict[str, Any]) -> list[tuple[str, Decimal, list[str]]]:
    return [(g["name"], cents(g["cost"]), g["useCases"]) for g in found["groups"]]


def test_the_showback_by_use_case_places_every_cent_of_the_bill_once(api: Api) -> None:
    found = api.get(f"/api/showback?{PERIOD}&by=useCase")
    billed = api.get(f"/api/unit-costs?{PERIOD}")["billedCost"]
    assert billed == 111.5 and found["billedCost"] == billed
    assert found["by"] == "useCase"
    # toward the allocated 109.00: support-bot 52.777.., billing 0, solo (no use case) 9.00,
    # b (claimed by nobody) 23.333.., chat-test's rest 23.888..; floors 108.98, the 2 cents to
    # the rest (.0088) and support-bot (.0077)
    assert group_costs(found) == [
        ("support-bot", Decimal("52.78"), ["support-bot"]),
        ("billing", Decimal("0"), ["billing"]),  # then by name: every use case has its group
        ("queried", Decimal("0"), ["queried"]),
    ]
    u = found["unassigned"]
    assert (cents(u["noUseCase"]), cents(u["unclaimedCallers"])) == (Decimal("9"), Decimal("23.33"))
    assert (cents(u["unattributed"]), cents(u["unallocated"])) == (Decimal("23.89"), Decimal("2.5"))
    assert cents(u["cost"]) == Decimal("58.72")  # 9.00 + 23.33 + 23.89 + 2.50
    assert sum(g for _n, g, _u in group_costs(found)) + cents(u["cost"]) == cents(billed)


def test_the_showback_by_owner_and_cost_center_groups_their_use_cases(api: Api) -> None:
    owners = api.get(f"/api/showback?{PERIOD}&by=owner")
    assert group_costs(owners) == [
        ("support", Decimal("52.78"), ["support-bot"]),
        ("finance", Decimal("0"), ["billing"]),
        ("x", Decimal("0"), ["queried"]),
    ]
    centers = api.get(f"/api/showback?{PERIOD}&by=costCenter")
    assert group_costs(centers) == [
        ("CC-1042", Decimal("52.78"), ["billing", "support-bot"]),
        ("CC-9", Decimal("0"), ["queried"]),
    ]
    for found in (owners, centers):
        groups = sum(g for _n, g, _u in group_costs(found))
        assert groups + cents(found["unassigned"]["cost"]) == Decimal("111.50")


@pytest.mark.parametrize("by", ["", "by=", "by=team", "by=useCases"])
def test_the_showback_without_a_known_by_is_a_400_naming_by(api: Api, by: str) -> None:
    assert_problem(api.send("GET", f"/api/showback?{PERIOD}&{by}"), 400, "by")


# --- POST /api/use-cases/{name}/outcomes ------------------------------------------------------


def test_a_refused_push_is_a_problem_naming_the_field_and_stores_nothing(api: Api) -> None:
    assert api.push("support-bot", ("q-1", "2026-11-02", 10)).status_code == 200
    before = copy.deepcopy(api.outcomes.events)

    conflict = api.push("support-bot", ("q-new", "2026-11-03", 1), ("q-1", "2026-11-02", 11))
    body = assert_problem(conflict, 409, "outcomes[1].id")
    assert "'q-1'" in body["detail"]
    negative = assert_problem(api.push("support-bot", ("q-3", "2026-11-03", -1)), 400,
                              "outcomes[0].count")  # fmt: skip
    assert negative["errors"] == [
        {"field": "outcomes[0].count", "detail": "must not be negative, got -1"}
    ]
    assert_problem(api.push("nobody", ("q-4", "2026-11-03", 1)), 404, "useCase")
    assert_problem(api.push("queried", ("q-5", "2026-11-03", 1)), 400, "outcomes")
    not_json = api.send("POST", "/api/use-cases/support-bot/outcomes", content=b"{")
    assert_problem(not_json, 400, "body")
    empty = api.send("POST", "/api/use-cases/support-bot/outcomes", json={"outcomes": []})
    assert_problem(empty, 400, "outcomes")

    assert api.outcomes.events == before
    found = api.get(f"/api/use-cases/support-bot/unit-costs?{PERIOD}")
    assert found["outcomes"] == 10  # q-1 once; nothing of the refused pushes


def test_a_push_whose_body_is_no_object_is_a_400_naming_the_body(api: Api) -> None:
    response = api.send("POST", "/api/use-cases/support-bot/outcomes", json=[{"id": "q"}])
    assert response.status_code == 400
    assert response.json().get("field") == "body"


def test_an_outcome_pushed_after_the_period_closed_shows_at_once(api: Api) -> None:
    """Economics are computed on read: an outcome of an earlier day counts at the next read."""
    before = api.get(f"/api/use-cases/support-bot/unit-costs?{PERIOD}")
    assert before["outcomes"] is None
    last = (NOV.start + timedelta(days=4)).isoformat()  # 5 Nov
    assert api.push("support-bot", ("late", last, 19)).status_code == 200
    after = api.get(f"/api/use-cases/support-bot/unit-costs?{PERIOD}")
    assert after["outcomes"] == 19
    # 5 Nov alone: 10.555.. / 19 = 0.5555..
    assert cents(after["costPerOutcome"]) == Decimal("0.55555556")
    assert after["cost"] == before["cost"]


# --- declared models, pages and filters -------------------------------------------------------


def test_the_economics_routes_serve_their_declared_models(api: Api) -> None:
    found = served_as(
        api.send("GET", f"/api/use-cases/support-bot/unit-costs?{PERIOD}"),
        UseCaseUnitCosts,
        "GET",
        "/api/use-cases/{name}/unit-costs",
    )
    assert (found.use_case, found.status, found.closes_on) == ("support-bot", "open", "2026-12-06")
    callers = served_as(
        api.send("GET", f"/api/deployments/{TEST.key}/callers?{PERIOD}"),
        DeploymentCallers,
        "GET",
        "/api/deployments/{key}/callers",
    )
    assert (callers.total_items, callers.continuation_token) == (2, None)
    groups = served_as(
        api.send("GET", f"/api/showback?{PERIOD}&by=owner"), Showback, "GET", "/api/showback"
    )
    assert (groups.total_items, groups.next_link) == (3, None)
    pushed = served_as(
        api.push("support-bot", ("q-1", "2026-11-02", 10)),
        PushedOutcomes,
        "POST",
        "/api/use-cases/{name}/outcomes",
    )
    assert pushed.accepted == ["q-1"]


def test_callers_a_page_at_a_time_keep_their_order_and_the_deployments_cost(api: Api) -> None:
    first = api.get(f"/api/deployments/{TEST.key}/callers?{PERIOD}&limit=1")
    assert [c["caller"] for c in first["callers"]] == ["b"]  # the largest cost first
    assert (first["totalItems"], first["cost"], first["unattributed"]["cost"]) == (2, 66.67, 23.89)
    second = api.get(first["nextLink"].removeprefix("http://api"))
    assert [c["caller"] for c in second["callers"]] == ["a"]
    assert (second["continuationToken"], second["nextLink"]) == (None, None)
    assert (second["cost"], second["unattributed"]) == (first["cost"], first["unattributed"])
    token = first["continuationToken"]
    chat = f"/api/deployments/{CHAT.key}/callers?{PERIOD}"
    other = api.send("GET", f"{chat}&continuationToken={token}")
    assert_problem(other, 400, "continuationToken")  # a token of another deployment
    assert_problem(
        api.send("GET", f"/api/deployments/{TEST.key}/callers?{PERIOD}&limit=0"), 400, "limit"
    )


def test_showback_groups_a_page_at_a_time_sum_with_the_unassigned_to_the_bill(api: Api) -> None:
    whole = api.get(f"/api/showback?{PERIOD}&by=useCase")
    served: list[tuple[str, Decimal, list[str]]] = []
    url: str | None = f"/api/showback?{PERIOD}&by=useCase&limit=2"
    while url is not None:
        page = api.get(url.removeprefix("http://api"))
        assert page["billedCost"] == whole["billedCost"]
        assert page["unassigned"] == whole["unassigned"]
        assert page["totalItems"] == 3
        served += group_costs(page)
        url = page["nextLink"]
    assert served == group_costs(whole)  # the same groups, in the same order, each once
    total = sum(g for _n, g, _u in served) + cents(whole["unassigned"]["cost"])
    assert total == cents(whole["billedCost"])
    token = api.get(f"/api/showback?{PERIOD}&by=useCase&limit=1")["continuationToken"]
    by_owner = api.send("GET", f"/api/showback?{PERIOD}&by=owner&continuationToken={token}")
    assert_problem(by_owner, 400, "continuationToken")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("by=owner&owner=SUPPORT", ["support"]),
        ("by=costCenter&owner=finance", ["CC-1042"]),  # the center holding finance's billing
        ("by=useCase&useCase=Billing", ["billing"]),
        ("by=useCase&owner=support", ["support-bot"]),
        ("by=owner&owner=nobody", []),
        ("by=useCase&useCase=support-bot&owner=finance", []),
    ],
)
def test_showback_filters_keep_exactly_their_groups_and_the_bill_stays_whole(
    api: Api, query: str, expected: list[str]
) -> None:
    found = api.get(f"/api/showback?{PERIOD}&{query}")
    assert [g["name"] for g in found["groups"]] == expected
    assert found["totalItems"] == len(expected)
    assert found["billedCost"] == 111.5
    assert cents(found["unassigned"]["cost"]) == Decimal("58.72")  # the period's, as unfiltered
    Showback.model_validate(found)


@pytest.mark.parametrize(
    ("query", "field"),
    [("by=owner&useCase=billing", "useCase"), ("by=owner&owner=", "owner"),
     ("by=costCenter&useCase=billing", "useCase")],
)  # fmt: skip
def test_a_showback_filter_that_does_not_apply_or_is_empty_is_a_400_naming_it(
    api: Api, query: str, field: str
) -> None:
    assert_problem(api.send("GET", f"/api/showback?{PERIOD}&{query}"), 400, field)
