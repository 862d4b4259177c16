"""TargetEvaluationService over the real tables on the in-memory gateway, a published November
(tests/builders.py) and a recording publisher: each change of state is recorded once with its
event and sent once, the same numbers twice write and send nothing, and a failed send keeps the
events in the outbox until a later run sends them (those accepted before the failure are never
sent again).

The month: account acc, 1..5 Nov, each day 10.00 of gpt-4o input and 10.00 of output tokens
(`month_of_lines`), so the tenant's ActualCost for November is 5 x (10.00 + 10.00) = 100.00, all
of it allocated (chat-prod and chat-test both have usage every day). The clock is in December:
the period is over, so the forecast is the observed value.

The tenant's periodCost target is moved through the states by its threshold (warningRatio 0.8):

| threshold | rule | state |
| --- | --- | --- |
| 200 | 100 < 0.8 x 200 = 160 | ok |
| 120 | 100 >= 0.8 x 120 = 96, 100 <= 120 | at-risk |
| 99.99 | 100 > 99.99 | breached |
| 200 | as the first | ok (recovered) |

and into no-data by re-publishing November with one line of an unknown meter only (unallocated:
no deployment's row) and no usage.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.target_status_table import TargetStatusTable
from shared.adapters.storage.targets_table import TargetTable
from shared.adapters.storage.usage_table import UsageTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.costs import CostLine, CostType
from shared.core.outcomes import OutcomeEvent
from shared.core.target_records import (
    Metric,
    OutboxEvent,
    ScopeKind,
    Target,
    TargetScope,
    TargetState,
)
from shared.core.usage import UsageRecord
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from shared.errors import PartlyAccepted, SourceError
from shared.services.target_evaluation import TargetEvaluationService
from shared.services.targets import TargetService
from tests.builders import (
    ACC,
    DEPLOYMENTS,
    NOV,
    days,
    line,
    month_of_lines,
    month_of_usage,
    publication,
)
from tests.fakes import MemoryCallerUsage, MemoryOutcomes, MemoryTableGateway

OK, RISK, BREACH, NONE = (TargetState.OK, TargetState.AT_RISK, TargetState.BREACHED,
                          TargetState.NO_DATA)  # fmt: skip
AT_RISK_EVENT, BREACHED_EVENT, RECOVERED_EVENT = (
    "UnitCost.Target.AtRisk", "UnitCost.Target.Breached", "UnitCost.Target.Recovered",
)  # fmt: skip
API_BASE = "https://finops.example"
START = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # November is over
CHAT, TEST = DEPLOYMENTS


class Clock:
    """A minute later at every reading."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@dataclass
class RecordingPublisher:
    """The EventPublisher port by recording: `attempts` every batch it was given, `accepted`
    the events of the sends that succeeded; `failures` raised, one per send, first to last."""

    failures: list[Exception] = field(default_factory=list)
    attempts: list[list[OutboxEvent]] = field(default_factory=list)
    accepted: list[OutboxEvent] = field(default_factory=list)

    def send(self, events: Sequence[OutboxEvent]) -> None:
        self.attempts.append(list(events))
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, PartlyAccepted):
                self.accepted += [e for e in events if e.id in failure.accepted_ids]
            raise failure
        self.accepted += events


def tenant_target(threshold: str, target_id: str = "tenant-month") -> Target:
    return Target(target_id, TargetScope(ScopeKind.TENANT), Metric.PERIOD_COST,
                  Decimal(threshold), Decimal("0.8"), CostType.ACTUAL)  # fmt: skip


class World:
    """The tables over one gateway, a published November and the service under test."""

    def __init__(self, publisher: RecordingPublisher | None) -> None:
        self.gateway = MemoryTableGateway()
        self.clock = Clock()
        self.results = AllocationTables(self.gateway)
        self.usage = UsageTable(self.gateway)
        self.targets = TargetTable(self.gateway)
        self.status = TargetStatusTable(self.gateway, self.clock)
        self.use_cases = UseCaseTable(self.gateway)
        self.outcomes = MemoryOutcomes()
        self.publisher = publisher
        self.sequence = 0
        self.allocate(month_of_lines(), month_of_usage())

    def service(self, publisher: RecordingPublisher | None = None) -> TargetEvaluationService:
        return TargetEvaluationService(
            self.targets, self.status, self.results, self.usage, MemoryCallerUsage(),
            self.outcomes, self.use_cases, publisher or self.publisher, API_BASE, self.clock,
        )  # fmt: skip

    def allocate(self, lines: Sequence[CostLine], usage: Sequence[UsageRecord]) -> None:
        """Publish November from these inputs (a new input version) and store its usage."""
        self.sequence += 1
        self.results.publish(publication(lines, usage, self.sequence))
        self.usage.replace_window(NOV.window, [ACC], usage)

    def stored(self) -> tuple[str, int]:
        return repr(self.gateway.tables), self.gateway.writes


@pytest.fixture
def world() -> World:
    return World(RecordingPublisher())


def data(event: OutboxEvent) -> dict[str, object]:
    found: dict[str, object] = json.loads(event.data_json)
    return found


def test_a_walk_through_every_state_sends_each_expected_event_once_in_order(
    world: World,
) -> None:
    service = world.service()
    assert world.publisher is not None
    steps: list[tuple[TargetState, int]] = []
    for threshold in ("200", "120", "99.99", "200"):
        world.targets.put(tenant_target(threshold))
        run = service.evaluate_period(NOV)
        (evaluation,) = run.evaluations
        assert evaluation.observed == Decimal("100.00")  # 5 days x (10.00 + 10.00)
        steps.append((evaluation.state, len(run.transitions)))
    world.allocate([line("m-unknown", "2.50")], [])  # nothing of any deployment any more
    run = service.evaluate_period(NOV)
    (evaluation,) = run.evaluations
    steps.append((evaluation.state, len(run.transitions)))
    assert (evaluation.observed, evaluation.reason) == (None, "no usage")

    assert steps == [(OK, 1), (RISK, 1), (BREACH, 1), (OK, 1), (NONE, 1)]
    sent = world.publisher.accepted
    assert [e.type for e in sent] == [AT_RISK_EVENT, BREACHED_EVENT, RECOVERED_EVENT]
    assert all(len(batch) == 1 for batch in world.publisher.attempts)  # each sent when it came
    assert len({e.id for e in sent}) == 3 and all(e.subject == "targets/tenant-month" for e in sent)
    assert [(data(e)["previousState"], data(e)["state"], data(e)["threshold"]) for e in sent] == [
        ("ok", "at-risk", 120.0), ("at-risk", "breached", 99.99), ("breached", "ok", 200.0),
    ]  # fmt: skip
    first = data(sent[0])
    assert first["observed"] == 100.0 and first["costType"] == "actual"
    assert first["forecast"] == {"value": 100.0, "low": 100.0, "high": 100.0, "method": "observed"}
    assert first["link"] == "https://finops.example/api/targets/tenant-month/status"
    assert world.status.pending() == []

    history = world.status.history("tenant-month")
    assert [(t.previous, t.state) for t in history] == [
        (None, OK), (OK, RISK), (RISK, BREACH), (BREACH, OK), (OK, NONE),
    ]  # fmt: skip
    assert [t.at for t in history] == sorted(t.at for t in history)
    assert [e.time for e in sent] == [history[1].at, history[2].at, history[3].at]


def test_the_same_numbers_again_record_and_send_nothing(world: World) -> None:
    service = world.service()
    assert world.publisher is not None
    world.targets.put(tenant_target("120"))
    first = service.evaluate_period(NOV)
    assert [t.state for t in first.transitions] == [RISK] and first.sent == 1
    before, attempts = world.stored(), len(world.publisher.attempts)

    for _ in range(2):
        again = service.evaluate_period(NOV)
        assert again.transitions == () and (again.sent, again.pending) == (0, 0)
        assert again.evaluations == first.evaluations  # the stored one: the same numbers

    assert world.stored() == before  # not a row written
    assert len(world.publisher.attempts) == attempts  # nothing sent
    assert len(world.status.history("tenant-month")) == 1


def test_new_numbers_in_the_same_state_rewrite_the_evaluation_and_send_nothing(
    world: World,
) -> None:
    service = world.service()
    assert world.publisher is not None
    world.targets.put(tenant_target("120"))
    service.evaluate_period(NOV)
    # 11.00 of input a day instead of 10.00: 5 x (11.00 + 10.00) = 105.00, still <= 120: at risk
    lines = [ln for ln in month_of_lines() if ln.meter_id != "m-4o-in"]
    lines += [line("m-4o-in", "11.00", d) for d in days(NOV, 5)]
    world.allocate(lines, month_of_usage())

    run = service.evaluate_period(NOV)

    (evaluation,) = run.evaluations
    assert (evaluation.state, evaluation.observed) == (RISK, Decimal("105.00"))
    assert run.transitions == () and run.sent == 0
    assert [e.type for e in world.publisher.accepted] == [AT_RISK_EVENT]
    stored = world.status.latest("tenant-month", NOV)
    assert stored is not None and stored.evaluation.observed == Decimal("105.00")
    drivers = stored.evaluation.vs_previous_evaluation  # 100.00 -> 105.00 since the last one
    assert drivers is not None and (drivers.previous, drivers.current) == (100, 105)
    assert sum(d.effect for d in drivers.effects) == Decimal("5.00")


def test_a_failed_send_keeps_the_event_pending_and_the_next_run_sends_it_once(
    world: World,
) -> None:
    publisher = RecordingPublisher(failures=[SourceError("Event Grid publish: 503")])
    service = world.service(publisher)
    world.targets.put(tenant_target("120"))

    failed = service.evaluate_period(NOV)

    (recorded,) = world.status.pending()
    assert recorded.type == AT_RISK_EVENT
    assert (failed.sent, failed.pending) == (0, 1)
    assert failed.send_error is not None and "503" in failed.send_error
    assert publisher.accepted == []
    rows = set(world.gateway.tables["targetstatus"])

    retried = service.evaluate_period(NOV)  # the same numbers: nothing recorded, the outbox sent

    assert retried.transitions == () and (retried.sent, retried.pending) == (1, 0)
    assert retried.send_error is None
    assert publisher.attempts == [[recorded], [recorded]]
    assert publisher.accepted == [recorded]
    assert world.status.pending() == []
    assert set(world.gateway.tables["targetstatus"]) == rows  # no new evaluation or transition
    assert world.gateway.tables["targetstatus"][("tenant-month", f"o|{recorded.id}")]["Sent"]
    assert service.evaluate_period(NOV).sent == 0 and len(publisher.attempts) == 2


def test_events_accepted_before_a_failure_are_marked_sent_and_never_sent_again(
    world: World,
) -> None:
    publisher = RecordingPublisher()
    service = world.service(publisher)
    publisher.failures.append(SourceError("Event Grid publish: 503"))
    world.targets.put(tenant_target("120"))
    service.evaluate_period(NOV)  # at risk, not sent
    (at_risk,) = world.status.pending()
    publisher.failures.append(PartlyAccepted("batch 2 of 2: 500", [at_risk.id]))
    world.targets.put(tenant_target("99.99"))

    partly = service.evaluate_period(NOV)  # breached; the at-risk event accepted, then a failure

    (breached,) = world.status.pending()
    assert breached.type == BREACHED_EVENT
    assert publisher.attempts[-1] == [at_risk, breached]  # oldest first
    assert (partly.sent, partly.pending) == (1, 1) and partly.send_error is not None

    last = service.evaluate_period(NOV)

    assert (last.sent, last.pending) == (1, 0)
    assert publisher.attempts[-1] == [breached]  # the accepted one is not sent again
    assert publisher.accepted == [at_risk, breached]
    assert world.status.pending() == []


def test_without_a_publisher_events_stay_pending_and_the_status_still_works() -> None:
    world = World(None)
    service = world.service()
    world.targets.put(tenant_target("120"))

    run = service.evaluate_period(NOV)

    assert (run.sent, run.pending, run.send_error) == (0, 1, None)
    (pending,) = world.status.pending()
    assert pending.type == AT_RISK_EVENT
    status = TargetService(world.targets, world.status, world.use_cases,
                           InventoryTable(world.gateway)).status("tenant-month")  # fmt: skip
    assert [(s.evaluation.state, s.evaluation.observed) for s in status.evaluations] == [
        (RISK, Decimal("100.00"))
    ]
    assert [(t.previous, t.state) for t in status.history] == [(None, RISK)]

    publisher = RecordingPublisher()  # configured later: the outbox is sent then, once
    assert world.service(publisher).flush() == (1, 0, None)
    assert publisher.accepted == [pending] and world.status.pending() == []


def test_a_target_of_an_unallocated_basis_is_not_evaluated(world: World) -> None:
    world.targets.put(Target("amortized-month", TargetScope(ScopeKind.TENANT), Metric.PERIOD_COST,
                             Decimal("1"), Decimal("0.8"), CostType.AMORTIZED))  # fmt: skip
    run = world.service().evaluate_period(NOV)  # only ActualCost is published
    assert run.evaluations == () and world.status.latest("amortized-month", NOV) is None


# --- cost per outcome of a use case --------------------------------------------------------------


def test_cost_per_outcome_crosses_the_threshold_and_the_warning_level_exactly(
    world: World,
) -> None:
    """A use case taking both deployments whole carries all 100.00. Outcomes pushed per day:
    2,499 in all is 100 / 2,499 = 0.04001600.. > 0.04: breached; one more, 2,500, is exactly
    0.04: at the threshold is no breach, at risk; 3,125 is exactly 0.8 x 0.04 = 0.032: still at
    risk; 3,126 is 0.031989.. < 0.032: ok. Outcomes of a day not allocated (20 Nov) count not."""
    service = world.service()
    assert world.publisher is not None
    entries = tuple(DeploymentEntry(d.key, d.deployment_id) for d in (CHAT, TEST))
    world.use_cases.put(UseCase("assist", "ops", "CC-1", Outcome("answer", OutcomeSource(
        SourceType.PUSH)), entries))  # fmt: skip
    world.targets.put(Target("assist-cpo", TargetScope(ScopeKind.USE_CASE, "assist"),
                             Metric.COST_PER_OUTCOME, Decimal("0.04"), Decimal("0.8"),
                             CostType.ACTUAL, "assist"))  # fmt: skip

    def push(event_id: str, day: date, count: int) -> tuple[TargetState, Fraction]:
        """The state and the observed value (to 1e-40: divisions run to 64 digits)."""
        world.outcomes.add_events("assist", [OutcomeEvent(event_id, day, count)])
        (evaluation,) = service.evaluate_period(NOV).evaluations
        assert evaluation.observed is not None
        return evaluation.state, round(Fraction(evaluation.observed), 40)

    for i, day in enumerate(days(NOV, 4)):
        world.outcomes.add_events("assist", [OutcomeEvent(f"d{i}", day, 500)])
    assert push("d4", date(2026, 11, 5), 499) == (BREACH, round(Fraction(100, 2499), 40))
    assert push("late", date(2026, 11, 20), 1_000) == (BREACH, round(Fraction(100, 2499), 40))
    assert push("one-more", date(2026, 11, 5), 1) == (RISK, Fraction(4, 100))
    assert push("more", date(2026, 11, 3), 625) == (RISK, Fraction(32, 1000))
    assert push("last", date(2026, 11, 3), 1) == (OK, round(Fraction(100, 3126), 40))

    sent = world.publisher.accepted
    assert [e.type for e in sent] == [BREACHED_EVENT, AT_RISK_EVENT, RECOVERED_EVENT]
    # 100 / 2,499 = 0.0400160064.. shown to 1e-8: 0.04001601
    assert [data(e)["observed"] for e in sent] == [0.04001601, 0.04, 0.03198976]
    assert data(sent[0])["scope"] == {"useCase": "assist"}


# --- the outbox beyond one read ------------------------------------------------------------------


def test_a_run_sends_every_pending_event_or_says_how_many_are_left(world: World) -> None:
    """docs/targets.md: at most 100 are sent per run, the rest with the next runs; either way
    the run's counts must be true."""
    for i in range(101):  # each at risk on its first evaluation: 101 events
        world.targets.put(tenant_target("120", f"t{i:03d}"))

    run = world.service().evaluate_period(NOV)

    assert len(run.transitions) == 101
    left = len(world.status.pending(limit=1_000))
    assert run.sent + run.pending == 101 and run.pending == left
