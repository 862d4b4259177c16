"""TargetService (PUT/GET/DELETE one target, the list, a target's status) and UseCaseService.apply
with `targets`, over the real tables on the in-memory gateway: scopes resolve against the stored
inventory and the stored use cases, every documented bad input is refused naming its field and
stores nothing, and a file's targets are stored (or kept, or refused) with its use cases.

Expectations are written out here (ids as the inventory spells them, thresholds as their text),
never taken from the code under test."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.target_status_table import TargetStatusTable
from shared.adapters.storage.targets_table import TargetTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.costs import CostType
from shared.core.inventory import InventorySnapshot
from shared.core.target_evaluation import evaluate, transition
from shared.core.target_records import (
    Component,
    Metric,
    ScopeDay,
    ScopeKind,
    ScopeSeries,
    Target,
    TargetScope,
    TargetState,
)
from shared.errors import Conflict, InvalidDefinitions, InvalidInput, NotFound
from shared.services.targets import TargetService
from shared.services.use_cases import UseCaseService
from tests.builders import ACC, NOV, OTHER, dep, use_case_body
from tests.fakes import MemoryTableGateway

CHAT, TEST, EMBED = dep("chat-prod"), dep("chat-test"), dep("embed", account=OTHER)
GHOST_ACCOUNT = ACC.replace("accounts/acc", "accounts/ghost")  # a well-formed id nobody has
BOT = {
    "scope": {"useCase": "support-bot"},
    "metric": "costPerOutcome",
    "threshold": "0.04",
    "warningRatio": "0.8",
    "costType": "actual",
}


class World:
    """The real target, status, use-case and inventory tables over one in-memory gateway."""

    def __init__(self) -> None:
        self.gateway = MemoryTableGateway()
        self.inventory = InventoryTable(self.gateway)
        self.inventory.save(InventorySnapshot.on(date(2026, 10, 1), (CHAT, TEST, EMBED)))
        self.use_case_table = UseCaseTable(self.gateway)
        self.target_table = TargetTable(self.gateway)
        self.status_table = TargetStatusTable(self.gateway)
        self.targets = TargetService(
            self.target_table, self.status_table, self.use_case_table, self.inventory
        )
        self.use_cases = UseCaseService(self.use_case_table, self.inventory, self.target_table)

    def stored(self) -> tuple[str, int]:
        """Everything stored, and how many writes it took (what "nothing stored" compares)."""
        return repr(self.gateway.tables), self.gateway.writes

    def definitions(self) -> dict[str, str]:
        """The `targets` table's Definition column by id: what is stored, as text."""
        rows = self.gateway.tables.get("targets", {})
        return {rk: str(e["Definition"]) for (_pk, rk), e in rows.items()}


@pytest.fixture
def world() -> World:
    found = World()
    found.use_cases.apply({"useCases": [use_case_body("support-bot", {"deployment": CHAT.key})]})
    return found


# --- CRUD --------------------------------------------------------------------------------------


def test_put_creates_then_replaces_and_get_list_delete_answer_what_was_stored(
    world: World,
) -> None:
    stored, created = world.targets.put("bot-cpo", BOT)
    assert created is True
    assert stored == Target(
        "bot-cpo",
        TargetScope(ScopeKind.USE_CASE, "support-bot"),
        Metric.COST_PER_OUTCOME,
        Decimal("0.04"),
        Decimal("0.8"),
        CostType.ACTUAL,
        "support-bot",
    )
    assert world.targets.get("bot-cpo") == stored
    assert json.loads(world.definitions()["bot-cpo"])["threshold"] == "0.04"  # the text, exact

    replaced, created = world.targets.put("bot-cpo", {**BOT, "threshold": "0.05"})
    assert created is False and replaced.threshold == Decimal("0.05")
    assert world.targets.get("bot-cpo").threshold == Decimal("0.05")

    world.targets.put("all-month", {"scope": {"tenant": True}, "metric": "periodCost",
                                    "threshold": "10000"})  # fmt: skip
    assert [t.id for t in world.targets.list()] == ["all-month", "bot-cpo"]
    month = world.targets.get("all-month")
    # the defaults: amortized, at risk from 80 %
    assert (month.cost_type, month.warning_ratio) == (CostType.AMORTIZED, Decimal("0.8"))

    world.targets.delete("bot-cpo")
    assert [t.id for t in world.targets.list()] == ["all-month"]
    for call in (world.targets.get, world.targets.delete, world.targets.status):
        with pytest.raises(NotFound) as missing:
            call("bot-cpo")
        assert missing.value.what == "targetId" and missing.value.key == "bot-cpo"
    with pytest.raises(NotFound):
        world.targets.get("Not/A/Slug")  # never reaches the table as a key


@pytest.mark.parametrize(
    "written",
    [CHAT.key, CHAT.key.upper(), CHAT.deployment_id, CHAT.deployment_id.lower()],
)
def test_a_deployment_scope_resolves_against_the_stored_inventory(
    world: World, written: str
) -> None:
    stored, _ = world.targets.put(
        "chat-1k", {"scope": {"deployment": written}, "metric": "costPer1kTokens", "threshold": 1}
    )
    # the ARM id as the inventory spells it, whatever case or form was written
    expected_id = (
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acc"
        "/deployments/chat-prod"
    )
    assert stored.scope == TargetScope(ScopeKind.DEPLOYMENT, expected_id)
    assert stored.scope_written == written
    assert world.targets.get("chat-1k") == stored  # read back exactly, as written
    # served back (with its resolved deploymentId), it is accepted as is and changes nothing
    again, created = world.targets.put(
        "chat-1k",
        {"scope": {"deployment": written, "deploymentId": expected_id},
         "metric": "costPer1kTokens", "threshold": "1"},
    )  # fmt: skip
    assert created is False and again == stored


def test_an_account_scope_resolves_to_the_inventory_s_account_id(world: World) -> None:
    stored, _ = world.targets.put(
        "other-month", {"scope": {"account": OTHER.upper()}, "metric": "periodCost",
                        "threshold": "500", "costType": "amortized"},
    )  # fmt: skip
    assert stored.scope == TargetScope(ScopeKind.ACCOUNT, OTHER)
    assert stored.scope_written == OTHER.upper()


def test_a_use_case_scope_takes_a_use_case_stored_since(world: World) -> None:
    with pytest.raises(InvalidDefinitions):
        world.targets.put("later", {**BOT, "scope": {"useCase": "summarizer"}})
    world.use_cases.put("summarizer", use_case_body("summarizer", {"deployment": TEST.key}))
    stored, created = world.targets.put("later", {**BOT, "scope": {"useCase": "summarizer"}})
    assert created and stored.scope == TargetScope(ScopeKind.USE_CASE, "summarizer")


# --- bad input: named, nothing stored ----------------------------------------------------------


def with_(**changes: object) -> dict[str, object]:
    return {**BOT, **changes}


BAD_BODIES = [
    pytest.param(with_(scope={"team": "support"}), "scope.team", "unknown field",
                 id="unknown-scope-kind"),  # and `scope`: it names no kind
    pytest.param(with_(scope={"deployment": "acc~nope~0000000000"}, metric="periodCost"),
                 "scope.deployment", "no deployment", id="unknown-deployment"),
    pytest.param(with_(scope={"account": GHOST_ACCOUNT}, metric="periodCost"),
                 "scope.account", "no account of the inventory", id="unknown-account"),
    pytest.param(with_(scope={"account": CHAT.key}, metric="periodCost"),
                 "scope.account", "must be the ARM id", id="not-an-account-id"),
    pytest.param(with_(scope={"useCase": "nobody"}), "scope.useCase", "no use case",
                 id="unknown-use-case"),
    pytest.param(with_(scope={"deployment": CHAT.key}), "metric",
                 "costPerOutcome needs a useCase scope", id="cost-per-outcome-on-a-deployment"),
    pytest.param(with_(metric="costPerToken"), "metric", "must be one of", id="unknown-metric"),
    pytest.param(with_(threshold="-0.04"), "threshold", "must not be negative",
                 id="negative-threshold"),
    pytest.param(with_(threshold=-1), "threshold", "must not be negative",
                 id="negative-integer-threshold"),
    pytest.param(with_(threshold="four cents"), "threshold", "must be a decimal number",
                 id="non-numeric-threshold"),
    pytest.param(with_(threshold=0.04), "threshold", "must be read exactly from its text",
                 id="float-threshold"),
    pytest.param(with_(threshold=None), "threshold", "required", id="no-threshold"),
    pytest.param(with_(warningRatio="0"), "warningRatio", "greater than 0 and at most 1",
                 id="warning-ratio-0"),
    pytest.param(with_(warningRatio="1.5"), "warningRatio", "greater than 0 and at most 1",
                 id="warning-ratio-1.5"),
    pytest.param(with_(warningRatio=Decimal("1.5")), "warningRatio",
                 "greater than 0 and at most 1", id="warning-ratio-1.5-decimal"),
    pytest.param(with_(costType="list"), "costType", "must be one of actual, amortized",
                 id="unknown-cost-type"),
    pytest.param(with_(id="other-id"), "id", "must equal the id in the path",
                 id="id-mismatch"),
    pytest.param(with_(owner="me"), "owner", "unknown field", id="unknown-field"),
    pytest.param([BOT], "body", "must be a JSON object", id="body-a-list"),
    pytest.param("bot", "body", "must be a JSON object", id="body-a-string"),
    pytest.param(None, "body", "must be a JSON object", id="body-null"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field", "detail"), BAD_BODIES)
def test_each_bad_body_is_refused_naming_its_field_and_stores_nothing(
    world: World, body: object, field: str, detail: str
) -> None:
    original, _ = world.targets.put("bot-cpo", BOT)
    before = world.stored()

    with pytest.raises(InvalidDefinitions) as refused:
        world.targets.put("bot-cpo", body)  # a refused replacement
    with pytest.raises(InvalidDefinitions):
        world.targets.put("new-one", body)  # nor a new one

    fields = [f for f, _ in refused.value.problems]
    also = ["scope"] if field == "scope.team" else []  # no kind named: the scope itself too
    assert refused.value.field == field and fields == [field, *also], refused.value.problems
    assert detail in refused.value.problems[0][1]
    assert world.stored() == before
    assert world.targets.list() == [original]


def test_the_first_problem_is_named_and_every_other_listed(world: World) -> None:
    bad = with_(scope={"useCase": "nobody"}, threshold="-1", warningRatio="2", costType="x")
    with pytest.raises(InvalidDefinitions) as refused:
        world.targets.put("bot-cpo", bad)
    assert [f for f, _ in refused.value.problems] == [
        "scope.useCase", "threshold", "warningRatio", "costType",
    ]  # fmt: skip
    assert world.targets.list() == []


@pytest.mark.parametrize("path_id", ["Bot-CPO", "bot_cpo", "bot/cpo", ""])
def test_a_path_id_that_is_no_slug_is_refused_as_id(world: World, path_id: str) -> None:
    before = world.stored()
    with pytest.raises(InvalidInput) as refused:
        world.targets.put(path_id, BOT)
    assert refused.value.field == "id"
    assert world.stored() == before


# --- status ------------------------------------------------------------------------------------


def test_status_lists_each_period_s_latest_evaluation_and_the_transitions(world: World) -> None:
    target, _ = world.targets.put(
        "all-month", {"scope": {"tenant": True}, "metric": "periodCost", "threshold": "10",
                      "costType": "actual"},
    )  # fmt: skip
    empty = world.targets.status("all-month")
    assert (empty.target, empty.evaluations, empty.history) == (target, (), ())

    # 9.00 on 2 Nov: 9.00 >= 0.8 x 10 = 8.00 and not above 10: at risk
    day = ScopeDay(date(2026, 11, 2), (Component("k", Decimal("9.00"), Decimal("9.00"),
                                                 Decimal(0), 100, 0, 1),))  # fmt: skip
    series = ScopeSeries(NOV, CostType.ACTUAL, "USD", (day,), complete=True)
    found = evaluate(target, series, None, None)
    at = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    step = transition(None, found, at)
    assert step is not None
    assert world.status_table.record(found, step, None, None)

    status = world.targets.status("all-month")
    assert status.target == target
    periods = [(s.evaluation.period, s.evaluation.state, s.evaluation.observed)
               for s in status.evaluations]  # fmt: skip
    assert periods == [(NOV, TargetState.AT_RISK, Decimal("9.00"))]
    assert [(t.previous, t.state, t.at) for t in status.history] == [
        (None, TargetState.AT_RISK, at)
    ]


# --- apply: use cases and targets from one file ------------------------------------------------


def document(*targets: dict[str, object], use_cases: tuple[str, ...] = ("support-bot",),
             with_targets: bool = True) -> dict[str, Any]:  # fmt: skip
    deployments = {"support-bot": CHAT, "summarizer": TEST}
    doc: dict[str, Any] = {
        "useCases": [use_case_body(n, {"deployment": deployments[n].key}) for n in use_cases]
    }
    if with_targets:
        doc["targets"] = list(targets)
    return doc


def test_apply_stores_a_file_s_use_cases_and_its_targets_naming_them(world: World) -> None:
    doc = document(
        {"id": "bot-cpo", **BOT},
        {"id": "summary-cpo", **BOT, "scope": {"useCase": "summarizer"}},  # new in this file
        {"id": "chat-1k", "scope": {"deployment": CHAT.key}, "metric": "costPer1kTokens",
         "threshold": "0.01"},
        use_cases=("support-bot", "summarizer"),
    )  # fmt: skip

    report = world.use_cases.apply(doc)

    assert report.created == ("summarizer",) and report.unchanged == ("support-bot",)
    assert report.targets is not None
    assert report.targets.created == ("bot-cpo", "chat-1k", "summary-cpo")
    assert [t.id for t in world.targets.list()] == ["bot-cpo", "chat-1k", "summary-cpo"]
    assert world.targets.get("summary-cpo").scope == TargetScope(ScopeKind.USE_CASE, "summarizer")
    assert world.targets.get("chat-1k").scope.value == CHAT.deployment_id

    writes = world.gateway.writes
    again = world.use_cases.apply(doc)
    assert not again.changed and world.gateway.writes == writes  # the same file writes nothing
    assert again.targets is not None
    assert again.targets.unchanged == ("bot-cpo", "chat-1k", "summary-cpo")

    changed = world.use_cases.apply(
        document({"id": "bot-cpo", **BOT, "threshold": "0.03"}, use_cases=("support-bot",))
    )
    assert changed.deleted == ("summarizer",)
    assert changed.targets is not None
    assert (changed.targets.updated, changed.targets.deleted) == (
        ("bot-cpo",), ("chat-1k", "summary-cpo"),
    )  # fmt: skip
    assert [(t.id, t.threshold) for t in world.targets.list()] == [("bot-cpo", Decimal("0.03"))]


def test_a_file_without_targets_keeps_the_stored_ones(world: World) -> None:
    world.use_cases.apply(document({"id": "bot-cpo", **BOT}))
    kept = world.targets.list()

    report = world.use_cases.apply(
        document(use_cases=("support-bot", "summarizer"), with_targets=False)
    )

    assert report.created == ("summarizer",) and report.targets is None
    assert world.targets.list() == kept and [t.id for t in kept] == ["bot-cpo"]


def test_a_file_without_targets_dropping_a_watched_use_case_is_refused(world: World) -> None:
    world.use_cases.apply(document({"id": "bot-cpo", **BOT}, use_cases=("support-bot",)))
    before = world.stored()

    with pytest.raises(InvalidDefinitions) as refused:
        world.use_cases.apply(document(use_cases=("summarizer",), with_targets=False))

    assert refused.value.field == "useCases"
    assert "'bot-cpo'" in refused.value.problem and "'support-bot'" in refused.value.problem
    assert world.stored() == before
    assert [u.name for u in world.use_cases.list()] == ["support-bot"]


def test_a_file_s_target_naming_a_use_case_outside_the_file_is_refused(world: World) -> None:
    world.use_cases.put("summarizer", use_case_body("summarizer", {"deployment": TEST.key}))
    before = world.stored()
    doc = document(
        {"id": "ok-one", **BOT},
        {"id": "summary-cpo", **BOT, "scope": {"useCase": "summarizer"}},  # stored, not in file
        {"id": "ok-one", **BOT},  # and a duplicate id
        use_cases=("support-bot",),
    )

    with pytest.raises(InvalidDefinitions) as refused:
        world.use_cases.apply(doc)

    assert [f for f, _ in refused.value.problems] == ["targets[1].scope.useCase", "targets[2].id"]
    assert world.stored() == before  # neither the use cases nor the targets changed


def test_a_bad_target_refuses_the_whole_file(world: World) -> None:
    before = world.stored()
    doc = document(
        {"id": "bot-cpo", **BOT, "threshold": 0.04, "warningRatio": "1.5"},
        use_cases=("support-bot", "summarizer"),
    )
    with pytest.raises(InvalidDefinitions) as refused:
        world.use_cases.apply(doc)
    assert [f for f, _ in refused.value.problems] == [
        "targets[0].threshold", "targets[0].warningRatio",
    ]  # fmt: skip
    assert world.stored() == before
    assert [u.name for u in world.use_cases.list()] == ["support-bot"]  # summarizer not added


@pytest.mark.parametrize("targets", [None, {}, "bot-cpo"])
def test_targets_that_are_no_list_refuse_the_file_and_delete_nothing(
    world: World, targets: object
) -> None:
    world.use_cases.apply(document({"id": "bot-cpo", **BOT}))
    before = world.stored()
    doc = {**document(with_targets=False), "targets": targets}
    with pytest.raises(InvalidDefinitions) as refused:
        world.use_cases.apply(doc)
    assert refused.value.field == "targets"
    assert world.stored() == before and [t.id for t in world.targets.list()] == ["bot-cpo"]


def test_deleting_a_use_case_a_stored_target_watches_is_refused(world: World) -> None:
    world.targets.put("bot-cpo", BOT)
    before = world.stored()
    with pytest.raises((InvalidInput, Conflict)):  # 400 or 409 naming the target
        world.use_cases.delete("support-bot")
    assert world.stored() == before
