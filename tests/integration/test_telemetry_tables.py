"""The `callers` and `outcomes` tables on Azurite: a window's replacement touches only its days
and its telemetry source's kinds and rewrites nothing unchanged (ETags stay); pushed events count
once by id across periods, a contradicting id stores nothing of its push, and of two pushes
racing with one id and two counts exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.storage import callers_table, outcomes_table
from shared.adapters.storage.callers_table import CallerUsageTable
from shared.adapters.storage.outcomes_table import OutcomeTable
from shared.adapters.storage.table_gateway import (
    AzureTableGateway,
    Entity,
    TableGateway,
    prefix_range,
)
from shared.core.callers import Caller, CallerKind, CallerUsage, TelemetrySource
from shared.core.outcomes import DailyOutcomes, OutcomeEvent, PushReport
from shared.core.period import BillingPeriod, DateWindow
from shared.errors import Conflict
from shared.services.ports import PendingWrite
from tests.builders import ACC
from tests.doubles.forwarding_gateway import ForwardingGateway

pytestmark = pytest.mark.azurite
TABLES = (callers_table.TABLE, outcomes_table.TABLE)
CHAT, EMBED = f"{ACC}/deployments/chat", f"{ACC}/deployments/embed"
SUB = Caller(CallerKind.APIM_SUBSCRIPTIONS, "0123/ü|#?\\ key")
PRODUCT = Caller(CallerKind.APIM_PRODUCTS, "starter")
ROLE = Caller(CallerKind.APP_ROLES, "checkout-api")
OCT, NOV = BillingPeriod(2026, 10), BillingPeriod(2026, 11)


def oct_(day: int) -> date:
    return date(2026, 10, day)


def gateway_of(env: dict[str, str]) -> AzureTableGateway:
    return AzureTableGateway(TableServiceClient.from_connection_string(env["AzureWebJobsStorage"]))


@pytest.fixture
def gateway(storage_env: dict[str, str]) -> AzureTableGateway:
    found = gateway_of(storage_env)
    found.ensure(TABLES)
    return found


def etags(gateway: TableGateway, table: str) -> dict[tuple[str, str], str]:
    """Every entity's ETag: unchanged ETags prove nothing was rewritten."""
    stored = {}
    for row in gateway.query(table, "", "\uffff"):
        found = gateway.get(table, str(row["PartitionKey"]), str(row["RowKey"]))
        assert found is not None
        stored[(str(row["PartitionKey"]), str(row["RowKey"]))] = found.etag
    return stored


def apply_all(plans: Mapping[BillingPeriod, PendingWrite]) -> set[BillingPeriod]:
    return {period for period, plan in plans.items() if plan and plan.apply()}


def calls(caller: Caller, day: date, tokens: int, deployment: str = CHAT) -> CallerUsage:
    return CallerUsage(day, deployment, caller, tokens, tokens + 1, 3)


def test_a_window_replaces_only_its_days_and_its_sources_kinds(gateway: TableGateway) -> None:
    table = CallerUsageTable(gateway)
    month = DateWindow.inclusive(oct_(1), date(2026, 11, 2))
    days = (oct_(1), oct_(2), oct_(3), date(2026, 11, 1))
    apim = [
        calls(c, day, 2**40 + n, dep)
        for n, day in enumerate(days)
        for c in (SUB, PRODUCT)
        for dep in (CHAT, EMBED)
    ]
    roles = [calls(ROLE, oct_(d), d) for d in (1, 2, 3)]
    assert apply_all(table.plan_window(month, TelemetrySource.APIM, apim)) == {OCT, NOV}
    assert apply_all(table.plan_window(month, TelemetrySource.APP_INSIGHTS, roles)) == {OCT}
    assert table.usage_for(NOV) == sorted(
        (u for u in apim if u.date.month == 11), key=callers_table.usage_order
    )
    assert table.count_window(month, TelemetrySource.APIM) == len(apim)
    before = etags(gateway, callers_table.TABLE)

    day_2 = DateWindow.inclusive(oct_(2), oct_(2))
    restated = [calls(SUB, oct_(2), 5), calls(SUB, oct_(3), 6)]  # day 3: outside, ignored
    plans = table.plan_window(day_2, TelemetrySource.APIM, restated)
    assert list(plans) == [OCT] and plans[OCT].apply()
    stored = table.usage_for(OCT)
    apim_day_2 = [u for u in stored if u.date == oct_(2) and u.caller.kind is not ROLE.kind]
    assert apim_day_2 == [restated[0]]
    assert [u for u in stored if u.caller == ROLE] == roles  # the other source untouched
    other_days = [u for u in [*apim, *roles] if u.date.month == 10 and u.date != oct_(2)]
    assert {u for u in stored if u.date != oct_(2)} == set(other_days)
    after = etags(gateway, callers_table.TABLE)
    changed = {key for key, etag in after.items() if before.get(key) != etag}
    assert changed == {(f"{OCT}|apim", callers_table.row_key(restated[0]))}
    assert len(before) - len(after) == 3  # the other callers of day 2 deleted, nothing else

    again = table.plan_window(day_2, TelemetrySource.APIM, restated)
    assert not any(again.values())
    assert apply_all(again) == set() and etags(gateway, callers_table.TABLE) == after
    assert table.usage_for(OCT, [CallerKind.APP_ROLES]) == roles


def test_events_count_once_by_id_whatever_their_period(gateway: TableGateway) -> None:
    table = OutcomeTable(gateway)
    first = [OutcomeEvent("a", oct_(30), 2), OutcomeEvent("b", date(2026, 11, 1), 5)]
    assert table.add_events("chat", first) == PushReport(("a", "b"), ())
    before = etags(gateway, outcomes_table.TABLE)
    assert table.add_events("chat", first[::-1]) == PushReport((), ("b", "a"))
    assert etags(gateway, outcomes_table.TABLE) == before

    moved = OutcomeEvent("b", oct_(30), 5)  # the same id, its date in another period
    with pytest.raises(Conflict) as refused:
        table.add_events("chat", [OutcomeEvent("c", oct_(1), 1), moved])
    assert refused.value.field == "outcomes[1].id"
    assert "'b'" in refused.value.problem
    assert "date 2026-11-01 and count 5" in refused.value.problem
    with pytest.raises(Conflict, match="date 2026-10-30 and count 2") as refused:
        table.add_events("chat", [OutcomeEvent("d", oct_(1), 1), OutcomeEvent("a", oct_(30), 3)])
    assert refused.value.field == "outcomes[1].id"
    assert etags(gateway, outcomes_table.TABLE) == before  # nothing of either push stored
    assert table.daily("chat", OCT) == {oct_(30): 2}
    assert table.daily("chat", NOV) == {date(2026, 11, 1): 5}


def test_daily_sums_collected_and_pushed_and_a_day_without_data_is_absent(
    gateway: TableGateway,
) -> None:
    table = OutcomeTable(gateway)
    window = DateWindow.inclusive(oct_(1), date(2026, 11, 3))
    counted = [DailyOutcomes(oct_(1), 10), DailyOutcomes(oct_(2), 0),
               DailyOutcomes(date(2026, 11, 3), 4)]  # fmt: skip
    assert apply_all(table.plan_collected("chat", window, counted)) == {OCT, NOV}
    table.add_events("chat", [OutcomeEvent("e1", oct_(1), 2), OutcomeEvent("e2", oct_(5), 1)])
    assert table.daily("chat", OCT) == {oct_(1): 12, oct_(2): 0, oct_(5): 1}
    assert table.daily("chat", BillingPeriod(2026, 12)) == {}
    assert table.daily("other", OCT) == {}
    assert table.count_collected("chat", window) == 3
    before = etags(gateway, outcomes_table.TABLE)
    assert not any(table.plan_collected("chat", window, counted).values())

    days_1_2 = DateWindow.inclusive(oct_(1), oct_(2))
    assert apply_all(table.plan_collected("chat", days_1_2, [DailyOutcomes(oct_(2), 7)])) == {OCT}
    assert table.daily("chat", OCT) == {oct_(1): 2, oct_(2): 7, oct_(5): 1}  # events stay
    assert table.daily("chat", NOV) == {date(2026, 11, 3): 4}
    changed = {k for k, v in etags(gateway, outcomes_table.TABLE).items() if before.get(k) != v}
    assert changed == {("chat|2026-10", "c|2026-10-02")}


@dataclass
class Interleaved(ForwardingGateway):
    """A gateway that runs `before_claim` once, ahead of the first create-only insert of the id
    `claimed`: another push claiming it between this push's read and its own claim."""

    claimed: str
    before_claim: Callable[[], object] | None = None

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        if entity["RowKey"] == self.claimed and self.before_claim is not None:
            racer, self.before_claim = self.before_claim, None
            racer()
        return self.inner.put_if(table, entity, etag)


def test_a_push_that_loses_an_id_to_another_count_keeps_what_it_claimed_once(
    gateway: TableGateway,
) -> None:
    other = OutcomeTable(gateway)

    def racer(event: OutcomeEvent) -> Callable[[], object]:
        return lambda: other.add_events("chat", [event])

    table = OutcomeTable(Interleaved(gateway, "x", racer(OutcomeEvent("x", oct_(1), 9))))
    with pytest.raises(Conflict, match="count 9") as refused:
        table.add_events("chat", [OutcomeEvent("mine", oct_(2), 1), OutcomeEvent("x", oct_(1), 1)])
    assert refused.value.field == "outcomes[1].id"
    rows = gateway.query(outcomes_table.TABLE, *prefix_range("chat|"))
    assert {(r["PartitionKey"], r["RowKey"]) for r in rows} == {
        ("chat|ids", "x"),
        ("chat|2026-10", "e|x"),
        ("chat|ids", "mine"),
        ("chat|2026-10", "e|mine"),
    }  # "mine" was claimed before the race was lost: a claim stands, its event is stored
    fixed = table.add_events("chat", [OutcomeEvent("mine", oct_(2), 1)])
    assert fixed == PushReport((), ("mine",))  # sent again: counted once
    assert other.daily("chat", OCT) == {oct_(1): 9, oct_(2): 1}

    same = OutcomeTable(Interleaved(gateway, "y", racer(OutcomeEvent("y", oct_(3), 4))))
    report = same.add_events("chat", [OutcomeEvent("z", oct_(3), 1), OutcomeEvent("y", oct_(3), 4)])
    assert report == PushReport(("z",), ("y",))
    assert other.daily("chat", OCT) == {oct_(1): 9, oct_(2): 1, oct_(3): 5}


class Dies(Exception):
    """The pushing process dies here."""


@dataclass
class DiesOnWrite(Interleaved):
    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        raise Dies()


def test_a_push_that_died_after_claiming_is_completed_when_re_sent(gateway: TableGateway) -> None:
    events = [OutcomeEvent("p", oct_(4), 3), OutcomeEvent("q", date(2026, 11, 4), 1)]
    with pytest.raises(Dies):
        OutcomeTable(DiesOnWrite(gateway, "")).add_events("chat", events)
    table = OutcomeTable(gateway)
    assert table.daily("chat", OCT) == {}  # claimed, not counted yet
    assert table.add_events("chat", events) == PushReport((), ("p", "q"))
    assert table.daily("chat", OCT) == {oct_(4): 3}
    assert table.daily("chat", NOV) == {date(2026, 11, 4): 1}
    before = etags(gateway, outcomes_table.TABLE)
    assert table.add_events("chat", events) == PushReport((), ("p", "q"))
    assert etags(gateway, outcomes_table.TABLE) == before


def race(pushes: Sequence[Callable[[], PushReport]]) -> list[object]:
    """Run the pushes at once, one thread each: what each returned or raised."""
    start = threading.Barrier(len(pushes))
    results: list[object] = [None] * len(pushes)

    def run(n: int) -> None:
        start.wait(timeout=30)
        try:
            results[n] = pushes[n]()
        except Exception as error:
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(pushes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_of_two_pushes_racing_with_one_id_and_two_counts_exactly_one_wins(
    gateway: TableGateway, storage_env: dict[str, str]
) -> None:
    pushers = [OutcomeTable(gateway_of(storage_env)) for _ in range(2)]  # two app instances
    counted = kept = 0
    for round_ in range(8):
        shared = f"race-{round_}"
        batches = [
            [OutcomeEvent(f"{shared}-own-{n}", oct_(1), 100), OutcomeEvent(shared, oct_(2), n + 1)]
            for n in range(2)
        ]
        results = race(
            [partial(p.add_events, "chat", b) for p, b in zip(pushers, batches, strict=True)]
        )
        won = [n for n, r in enumerate(results) if isinstance(r, PushReport)]
        assert len(won) == 1, results
        winner, loser = won[0], 1 - won[0]
        assert results[winner] == PushReport((f"{shared}-own-{winner}", shared), ())
        refused = results[loser]
        assert isinstance(refused, Conflict) and refused.field == "outcomes[1].id", refused
        # The loser's own event may have been claimed before it lost (a claim stands, stored
        # once) or not at all if the conflict was seen first: either way it counts at most once.
        own = gateway.get(outcomes_table.TABLE, "chat|ids", f"{shared}-own-{loser}")
        kept += own is not None
        counted += winner + 1
    assert pushers[0].daily("chat", OCT) == {oct_(1): (8 + kept) * 100, oct_(2): counted}
