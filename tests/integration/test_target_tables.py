"""The `targets` and `targetstatus` tables on Azurite, as in memory (every test runs on both):
targets read back exact; `record` stores the evaluation, its transition and its event together
or not at all, only over the evaluation it was read as; the outbox is pending until marked sent,
then never again; the history is ordered; the evaluation codec round-trips exactly (crafted
records here and on both tables, generated ones with hypothesis)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from azure.data.tables import TableServiceClient
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.storage import evaluation_codec
from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    AzureTableGateway,
    ConditionalWrite,
    Entity,
    EtagMismatch,
    TransactionGateway,
)
from shared.adapters.storage.target_status_table import TABLE as STATUS
from shared.adapters.storage.target_status_table import TargetStatusTable
from shared.adapters.storage.targets_table import TABLE as TARGETS
from shared.adapters.storage.targets_table import TargetTable
from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.target_records import (
    Component,
    Driver,
    DriverKind,
    Drivers,
    Evaluation,
    Forecast,
    Metric,
    OutboxEvent,
    ScopeKind,
    ScopeTotals,
    Target,
    TargetScope,
    TargetState,
    Transition,
)
from shared.errors import InvalidInput
from tests.builders import ACC
from tests.fakes import MemoryTableGateway

OCT, NOV = BillingPeriod(2026, 10), BillingPeriod(2026, 11)
T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
DEPLOYMENT = f"{ACC}/deployments/chat-prod"
OK, RISK, BREACH = TargetState.OK, TargetState.AT_RISK, TargetState.BREACHED

BOT = Target(
    "support-bot-cpo",
    TargetScope(ScopeKind.USE_CASE, "support-bot"),
    Metric.COST_PER_OUTCOME,
    Decimal("0.040"),
    Decimal("0.8"),
    CostType.ACTUAL,
    "support-bot",
)
CHAT = Target(
    "chat-tokens",
    TargetScope(ScopeKind.DEPLOYMENT, DEPLOYMENT),
    Metric.COST_PER_1K_TOKENS,
    Decimal("0.0025"),
    Decimal("0.75"),
    CostType.AMORTIZED,
    "acc/chat-prod",
)
TENANT = Target(
    "tenant-month",
    TargetScope(ScopeKind.TENANT),
    Metric.PERIOD_COST,
    Decimal("1E+4"),
    Decimal("0.9"),
)


def component(key: str, cost: str = "12.3400", tokens: int = 1_000_000) -> Component:
    return Component(key, Decimal(cost), Decimal("4.30"), Decimal("8.04"), tokens, 51_337, 2_100)


def evaluation(
    target: Target = BOT,
    period: BillingPeriod = NOV,
    state: TargetState = RISK,
    observed: str | None = "0.0350",
    components: tuple[Component, ...] = (component("acc~chat~1a2b"),),
) -> Evaluation:
    drivers = Drivers(
        Decimal("0.0300"),
        Decimal("0.0350"),
        (
            Driver(DriverKind.VOLUME, "tokens per outcome", Decimal("0.0031"), Decimal("0.1033")),
            Driver(DriverKind.MIX, "deployment shares", Decimal("-0.0001"), None),
            Driver(DriverKind.PRICE, "price per token", Decimal("0.0019"), Decimal("0.0633")),
            Driver(DriverKind.REST, "interaction", Decimal("0.0001"), Decimal("0.00333")),
        ),
    )
    return Evaluation(
        target=target,
        period=period,
        currency="USD",
        state=state,
        observed=None if observed is None else Decimal(observed),
        forecast=Forecast(
            Decimal("0.0362"), Decimal("0.0340"), Decimal("0.0390"), "weekday profile over 19 days"
        ),
        reason="observed 0.0350 reached the warning 0.0320 (80% of 0.040) — ünïcode",
        totals=ScopeTotals(components, outcomes=2_100),
        vs_previous_period=drivers,
        vs_previous_evaluation=None,
    )


BARE = Evaluation(
    target=TENANT,
    period=OCT,
    currency="EUR",
    state=TargetState.NO_DATA,
    observed=None,
    forecast=None,
    reason=None,
    totals=ScopeTotals((), None),
)


def moved(
    e: Evaluation, state: TargetState, at: datetime, previous: TargetState | None
) -> tuple[Evaluation, Transition, OutboxEvent]:
    changed = replace(e, state=state)
    step = Transition(e.target.id, e.period, at, state, previous, changed)
    event_id = f"{e.target.id[:4]}{e.period}{state.value}{at:%H%M%S}".replace("-", "")
    data = {"targetId": e.target.id, "state": state.value, "note": "ünïcode ✓"}
    event = OutboxEvent(
        event_id, f"UnitCost.Target.{state.value}", f"targets/{e.target.id}", at, json.dumps(data)
    )
    return changed, step, event


@pytest.fixture(params=[pytest.param("azurite", marks=pytest.mark.azurite), "memory"])
def gateway(request: pytest.FixtureRequest) -> TransactionGateway:
    if request.param == "memory":
        found: TransactionGateway = MemoryTableGateway()
    else:
        env = request.getfixturevalue("storage_env")
        service = TableServiceClient.from_connection_string(env["AzureWebJobsStorage"])
        found = AzureTableGateway(service)
    found.ensure([TARGETS, STATUS])
    return found


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def status(gateway: TransactionGateway) -> TargetStatusTable:
    return TargetStatusTable(gateway, Clock())


def everything(gateway: TransactionGateway) -> list[tuple[object, ...]]:
    """Every row of the status table with its ETag (what "nothing stored" compares)."""
    rows = gateway.rows(STATUS, "", "\uffff")
    return [(r.entity[PK], r.entity[RK], r.etag, tuple(sorted(r.entity.items()))) for r in rows]


# --- targets ---------------------------------------------------------------------------------


def test_targets_round_trip_exactly_and_rewrite_nothing(gateway: TransactionGateway) -> None:
    table = TargetTable(gateway)
    assert table.replace_all([TENANT, BOT, CHAT])
    assert table.all() == [CHAT, BOT, TENANT]
    assert table.get("support-bot-cpo") == BOT and table.get("nope") is None
    found = table.get("tenant-month")
    assert found is not None and str(found.threshold) == "1E+4"  # exact, exponent kept
    before = gateway.query(TARGETS, "target", "target\x00")
    etags = [gateway.get(TARGETS, "target", t.id) for t in (BOT, CHAT, TENANT)]
    assert not table.replace_all([CHAT, TENANT, BOT]) and not table.put(BOT)
    assert [gateway.get(TARGETS, "target", t.id) for t in (BOT, CHAT, TENANT)] == etags
    assert gateway.query(TARGETS, "target", "target\x00") == before
    assert table.put(replace(BOT, threshold=Decimal("0.045")))
    assert gateway.get(TARGETS, "target", CHAT.id) == etags[1]
    assert table.delete(CHAT.id) and not table.delete(CHAT.id)
    assert [t.id for t in table.all()] == ["support-bot-cpo", "tenant-month"]


# --- record: atomic and conditional ----------------------------------------------------------


def test_a_first_record_stores_all_three_and_reads_back_exactly(
    gateway: TransactionGateway,
) -> None:
    table = status(gateway)
    first, step, event = moved(evaluation(), RISK, T0, None)

    assert table.latest(BOT.id, NOV) is None
    assert table.record(first, step, event, None)

    stored = table.latest(BOT.id, NOV)
    assert stored is not None
    assert stored.evaluation == first
    assert evaluation_codec.dumps(stored.evaluation) == evaluation_codec.dumps(first)
    assert stored.evaluated_at == T0 + timedelta(minutes=1)
    assert stored.version == gateway.get(STATUS, BOT.id, f"e|{NOV}").etag  # type: ignore[union-attr]
    assert table.history(BOT.id) == [step]
    assert table.pending() == [event]
    assert table.evaluations(BOT.id) == [stored]


def test_a_stale_expected_stores_nothing(gateway: TransactionGateway) -> None:
    table = status(gateway)
    first, step, event = moved(evaluation(), RISK, T0, None)
    assert table.record(first, step, event, None)
    read = table.latest(BOT.id, NOV)
    assert read is not None
    # Another evaluation runs meanwhile (same state, new numbers: no transition, no event).
    other = replace(first, observed=Decimal("0.0351"))
    assert table.record(other, None, None, read)
    before = everything(gateway)

    breached, step2, event2 = moved(first, BREACH, T0 + timedelta(hours=1), RISK)
    assert not table.record(breached, step2, event2, read)  # read is stale now

    assert everything(gateway) == before
    assert table.history(BOT.id) == [step] and table.pending() == [event]
    now = table.latest(BOT.id, NOV)
    assert now is not None and now.evaluation == other
    assert table.record(breached, step2, event2, now)  # read again: it goes through
    assert table.history(BOT.id) == [step, step2]


def test_a_create_only_record_loses_to_one_already_stored(gateway: TransactionGateway) -> None:
    table = status(gateway)
    first, step, event = moved(evaluation(), RISK, T0, None)
    assert table.record(first, step, event, None)
    before = everything(gateway)

    racer, step_b, event_b = moved(evaluation(), BREACH, T0 + timedelta(seconds=5), None)
    assert not table.record(racer, step_b, event_b, None)

    assert everything(gateway) == before


def test_the_three_rows_land_together_or_not_at_all(gateway: TransactionGateway) -> None:
    """The transition row's create fails (a stray row holds its key): neither the evaluation row
    nor the outbox row is written, though the evaluation's ETag condition held."""
    table = status(gateway)
    first, step, event = moved(evaluation(), RISK, T0, None)
    assert table.record(first, step, event, None)
    read = table.latest(BOT.id, NOV)
    assert read is not None
    gateway.write(STATUS, [{PK: BOT.id, RK: f"t|{NOV}|000002", "Stray": True}], ())
    before = everything(gateway)

    breached, step2, event2 = moved(first, BREACH, T0 + timedelta(hours=1), RISK)
    assert not table.record(breached, step2, event2, read)

    assert everything(gateway) == before
    assert table.pending() == [event]


def test_an_event_id_already_in_the_outbox_is_not_written_again(
    gateway: TransactionGateway,
) -> None:
    table = status(gateway)
    first, step, event = moved(evaluation(), RISK, T0, None)
    assert table.record(first, step, event, None)
    table.sent([event])
    sent_row = gateway.get(STATUS, BOT.id, f"o|{event.id}")
    read = table.latest(BOT.id, NOV)
    assert read is not None

    again, step2, _other = moved(first, BREACH, T0 + timedelta(hours=1), RISK)
    assert table.record(again, step2, event, read)  # the same id: recorded without it

    assert table.history(BOT.id) == [step, step2]
    assert table.pending() == []  # sent once, never pending again
    assert gateway.get(STATUS, BOT.id, f"o|{event.id}") == sent_row


def test_transact_checks_every_condition_before_writing_any(gateway: TransactionGateway) -> None:
    row: Entity = {PK: "p", RK: "a", "N": 1}
    gateway.transact(STATUS, [ConditionalWrite(row)])
    etag = gateway.get(STATUS, "p", "a").etag  # type: ignore[union-attr]
    gateway.transact(STATUS, [ConditionalWrite({**row, "N": 2}, etag=etag)])
    with pytest.raises(EtagMismatch):  # stale
        gateway.transact(
            STATUS, [ConditionalWrite({PK: "p", RK: "b"}), ConditionalWrite(row, etag=etag)]
        )
    with pytest.raises(EtagMismatch):  # gone
        gateway.transact(STATUS, [ConditionalWrite({PK: "p", RK: "c"}, etag=etag)])
    assert gateway.get(STATUS, "p", "b") is None
    gateway.transact(STATUS, [ConditionalWrite({**row, "N": 3}, force=True)])
    assert gateway.get(STATUS, "p", "a").entity["N"] == 3  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):  # two partitions
        gateway.transact(STATUS, [ConditionalWrite({PK: "q", RK: "x"}), ConditionalWrite(row)])
    with pytest.raises(InvalidInput):  # one entity twice
        gateway.transact(STATUS, [ConditionalWrite(row, force=True), ConditionalWrite(row)])
    with pytest.raises(InvalidInput):  # over 100
        gateway.transact(STATUS, [ConditionalWrite({PK: "p", RK: f"n{i}"}) for i in range(101)])
    assert gateway.get(STATUS, "q", "x") is None and gateway.get(STATUS, "p", "n0") is None


def test_record_refuses_a_transition_of_another_period_and_stores_nothing(
    gateway: TransactionGateway,
) -> None:
    table = status(gateway)
    first, step, event = moved(evaluation(), RISK, T0, None)
    with pytest.raises(InvalidInput, match="transition"):
        table.record(first, replace(step, period=OCT), event, None)
    assert everything(gateway) == []


# --- outbox ----------------------------------------------------------------------------------


def test_outbox_pending_then_sent_then_never_pending_again(gateway: TransactionGateway) -> None:
    table = status(gateway)
    a1, s1, e1 = moved(evaluation(BOT), RISK, T0 + timedelta(hours=2), None)
    b1, t1, f1 = moved(evaluation(CHAT), RISK, T0, None)
    c1, u1, g1 = moved(evaluation(TENANT, OCT), BREACH, T0 + timedelta(hours=1), None)
    for e, s, ev in ((a1, s1, e1), (b1, t1, f1), (c1, u1, g1)):
        assert table.record(e, s, ev, None)

    assert table.pending() == [f1, g1, e1]  # oldest first, across targets
    assert table.pending(limit=2) == [f1, g1]
    assert table.pending(limit=0) == []

    table.sent([f1, g1])
    assert table.pending() == [e1]
    table.sent([f1])  # again: nothing changes
    read = table.latest(BOT.id, NOV)
    assert read is not None
    a2, s2, e2 = moved(a1, BREACH, T0 + timedelta(hours=3), RISK)
    assert table.record(a2, s2, e2, read)
    assert table.pending() == [e1, e2]
    table.sent([e1, e2])
    assert table.pending() == []

    kept = gateway.rows(STATUS, "o|", "o|\uffff")
    assert len(kept) == 4 and all(r.entity["Sent"] is True and r.entity["SentAt"] for r in kept)
    assert {r.entity["Id"] for r in kept} == {e1.id, e2.id, f1.id, g1.id}


def test_an_event_keeps_its_data_text_exactly_even_in_chunks(gateway: TransactionGateway) -> None:
    table = status(gateway)
    first, step, event = moved(evaluation(), RISK, T0, None)
    big = replace(event, data_json=json.dumps({"note": "é✓𝄞" * 20_000}, ensure_ascii=False))
    assert table.record(first, step, big, None)
    assert table.pending() == [big]


# --- history, evaluations, size --------------------------------------------------------------


def test_history_is_oldest_first_across_periods(gateway: TransactionGateway) -> None:
    table = status(gateway)
    nov, n1, ev1 = moved(evaluation(period=NOV), RISK, T0, None)
    assert table.record(nov, n1, ev1, None)
    oct_, o1, ev2 = moved(evaluation(period=OCT), OK, T0 + timedelta(hours=1), None)
    assert table.record(oct_, o1, ev2, None)  # October restated, after November's first
    read = table.latest(BOT.id, NOV)
    assert read is not None
    nov2, n2, _ = moved(nov, BREACH, T0 + timedelta(hours=2), RISK)
    assert table.record(nov2, n2, None, read)  # a transition without an event
    read = table.latest(BOT.id, NOV)
    assert read is not None
    nov3, n3, ev3 = moved(nov2, RISK, T0 + timedelta(hours=3), BREACH)
    assert table.record(nov3, n3, ev3, read)

    assert table.history(BOT.id) == [n1, o1, n2, n3]
    assert table.history(CHAT.id) == []
    rows = gateway.rows(STATUS, "t|", "t|\uffff", pk=BOT.id)
    assert [r.entity[RK] for r in rows] == [
        "t|2026-10|000001",
        "t|2026-11|000001",
        "t|2026-11|000002",
        "t|2026-11|000003",
    ]
    listed = table.evaluations(BOT.id)
    assert [s.evaluation for s in listed] == [oct_, nov3]
    assert [s.version for s in listed] == [
        gateway.get(STATUS, BOT.id, f"e|{p}").etag  # type: ignore[union-attr]
        for p in (OCT, NOV)
    ]


def test_a_large_evaluation_is_chunked_and_an_oversized_one_refused(
    gateway: TransactionGateway,
) -> None:
    table = status(gateway)
    many = tuple(component(f"account-{i:05d}~deployment-{i:05d}~{i:08x}") for i in range(1_500))
    large = evaluation(components=many)
    assert len(evaluation_codec.dumps(large)) > 3 * 30_000
    first, step, event = moved(large, RISK, T0, None)
    assert table.record(first, step, event, None)
    stored = table.latest(BOT.id, NOV)
    assert stored is not None and stored.evaluation == first
    assert table.history(BOT.id)[0].evaluation == first

    huge = evaluation(target=CHAT, components=many * 5)
    with pytest.raises(InvalidInput, match="evaluation"):
        table.record(huge, None, None, None)
    assert table.latest(CHAT.id, NOV) is None


# --- the codec -------------------------------------------------------------------------------


@pytest.mark.parametrize("e", [evaluation(), BARE, evaluation(CHAT, OCT, BREACH, "-0")])
def test_the_codec_round_trips_crafted_evaluations_exactly(e: Evaluation) -> None:
    text = evaluation_codec.dumps(e)
    back = evaluation_codec.loads(text)
    assert back == e and evaluation_codec.dumps(back) == text and text.isascii()
    assert '"0.0350"' in evaluation_codec.dumps(evaluation())  # decimals as strings, exact


def test_the_codec_refuses_nan_and_other_shapes() -> None:
    with pytest.raises(InvalidInput, match="NaN"):
        evaluation_codec.dumps(evaluation(observed="NaN"))
    good = json.loads(evaluation_codec.dumps(evaluation()))
    for path, value in [
        (("observed",), 0.035),
        (("state",), "fine"),
        (("totals", "components"), [["k", "1", "1", "0", 1, 2]]),
        (("v",), 2),
        (("period",), "2026-13"),
    ]:
        bad = json.loads(json.dumps(good))
        node = bad
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        with pytest.raises(InvalidInput):
            evaluation_codec.loads(json.dumps(bad))
    with pytest.raises(InvalidInput):
        evaluation_codec.loads("not json")


decimals = st.decimals(allow_nan=False, allow_infinity=True, places=None)
amounts = st.one_of(decimals, st.decimals(allow_nan=False, allow_infinity=False, places=6))
texts = st.text(max_size=30)
counts = st.integers(min_value=0, max_value=10**15)
components = st.builds(Component, texts, amounts, amounts, amounts, counts, counts, counts)
effects = st.builds(Driver, st.sampled_from(DriverKind), texts, amounts, st.none() | amounts)
drivers = st.builds(Drivers, amounts, amounts, st.lists(effects, max_size=4).map(tuple))
targets = st.builds(
    Target,
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.builds(TargetScope, st.sampled_from(ScopeKind), texts),
    st.sampled_from(Metric),
    amounts,
    amounts,
    st.sampled_from(CostType),
    texts,
)
evaluations = st.builds(
    Evaluation,
    target=targets,
    period=st.builds(BillingPeriod, st.integers(2000, 2100), st.integers(1, 12)),
    currency=texts,
    state=st.sampled_from(TargetState),
    observed=st.none() | amounts,
    forecast=st.none() | st.builds(Forecast, amounts, amounts, amounts, texts),
    reason=st.none() | texts,
    totals=st.builds(ScopeTotals, st.lists(components, max_size=5).map(tuple), st.none() | counts),
    vs_previous_period=st.none() | drivers,
    vs_previous_evaluation=st.none() | drivers,
)


@settings(max_examples=200, deadline=None)
@given(evaluations)
def test_the_codec_round_trips_any_evaluation_exactly(e: Evaluation) -> None:
    text = evaluation_codec.dumps(e)
    back = evaluation_codec.loads(text)
    assert back == e
    assert evaluation_codec.dumps(back) == text  # the same digits and exponents, not just equal
