"""Unit-cost target events end to end: the Container on Azurite, collected inputs allocated from
the queue by the real allocator, the evaluation after each allocation (`after`), and its events
posted by the real EventGridPublisherClient and credential to the Event Grid topic double
(shared/demo/event_receiver.py, which checks every CloudEvents 1.0 envelope, the batch content
type and the token audience, and records what it accepted).

The month (tests/builders.py shapes, real meter ids of the bundled catalogue): account acc,
1..5 Nov, each day 10.00 of gpt-4o 1120 global input tokens and 10.00 of output tokens, usage
for chat-prod and chat-test every day. The tenant's ActualCost for November is
5 x (10.00 + 10.00) = 100.00, all allocated; November is over (today is in December), so the
forecast is the observed value. The target `tenant-month` (periodCost, warningRatio 0.8) is
moved through the states by its threshold, PUT between allocations:

| threshold | rule | state | event |
| --- | --- | --- | --- |
| 200 | 100 < 0.8 x 200 = 160 | ok | none (a first ok) |
| 120 | 100 >= 96 and 100 <= 120 | at-risk | UnitCost.Target.AtRisk |
| 99.99 | 100 > 99.99 | breached | UnitCost.Target.Breached |
| 200 | as the first | ok | UnitCost.Target.Recovered |

then into no-data by collecting November again with one line of a meter nobody knows (it stays
unallocated) and no usage: no deployment has a row or a token any more; no event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.azure.event_grid import SOURCE
from shared.bootstrap import Container, build_collection
from shared.core.costs import CostLine, CostType
from shared.core.usage import UsageRecord
from shared.demo.event_receiver import EventReceiver, ReceivedEvent
from shared.services.allocation_requests import Allocated
from shared.settings import Settings
from tests.builders import (
    DEPLOYMENTS,
    NOV,
    FixedCosts,
    FixedInventory,
    FixedUsage,
    days,
    line,
    month_of_usage,
)
from tests.doubles import AzureDouble
from tests.doubles.fixtures import RunningDouble

pytestmark = pytest.mark.azurite

Serve = Callable[[AzureDouble], RunningDouble]
IN_METER = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"  # gpt 4o 1120 Inp glbl Tokens, eastus2
OUT_METER = "39ae1495-1ea6-51c4-b153-3b303891275b"  # gpt 4o 1120 Outp glbl Tokens, eastus2
HOST = "finops-api.example.net"
LINK = f"https://{HOST}/api/targets/tenant-month/status"
REQUEST = json.dumps({"period": str(NOV)})
INVENTORY_AT = datetime(2026, 10, 1, tzinfo=UTC)
REASONS = {
    "at-risk": "the observed value has reached warningRatio x threshold",
    "breached": "the observed value is above the threshold",
    "ok": None,
}
AT_RISK, BREACHED, RECOVERED = (
    "UnitCost.Target.AtRisk", "UnitCost.Target.Breached", "UnitCost.Target.Recovered",
)  # fmt: skip


def month_of_lines() -> list[CostLine]:
    return [line(meter, "10.00", day) for day in days(NOV, 5) for meter in (IN_METER, OUT_METER)]


class Deployment:
    """The Container of a test: Azurite storage, the topic at EVENTGRID_TOPIC_ENDPOINT."""

    def __init__(self, receiver: EventReceiver, running: RunningDouble) -> None:
        self.receiver = receiver
        self.running = running
        self.container = Container(Settings.from_env())

    def collect(
        self, lines: list[CostLine], usage: list[UsageRecord], allow_shrink: bool = False
    ) -> None:
        collection = build_collection(
            self.container.stores,
            [FixedCosts(lines, CostType.ACTUAL)],
            FixedUsage(usage),
            FixedInventory(list(DEPLOYMENTS)),
        )
        collection.collect_all(NOV.window, INVENTORY_AT, allow_shrink=allow_shrink)

    def drain(self) -> None:
        """Allocate what the collection enqueued; the targets are evaluated after it."""
        report = self.container.allocation_requests.drain()
        assert report.periods == [NOV] and not report.poisoned

    def reallocate(self) -> None:
        """The same period again (a redelivered or re-sent request)."""
        assert isinstance(self.container.allocation_requests.handle(REQUEST), Allocated)

    def threshold(self, threshold: str) -> None:
        body = {"scope": {"tenant": True}, "metric": "periodCost", "threshold": threshold,
                "costType": "actual"}  # fmt: skip
        self.container.targets.put("tenant-month", body)

    def new_events(self, seen: int) -> list[ReceivedEvent]:
        return self.receiver.accepted[seen:]


@pytest.fixture
def deploy(
    serve_azure: Serve, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[EventReceiver], Deployment]]:
    started: list[Deployment] = []

    def start(receiver: EventReceiver) -> Deployment:
        running = serve_azure(AzureDouble(events=receiver))
        monkeypatch.setenv("EVENTGRID_TOPIC_ENDPOINT", f"{running.base_url}/api/events")
        monkeypatch.setenv("WEBSITE_HOSTNAME", HOST)
        started.append(Deployment(receiver, running))
        return started[-1]

    del storage_env  # requested for its settings: a clean Azurite
    yield start
    for app in started:
        if "credential" in vars(app.container):  # built: close its HTTP session
            close = getattr(app.container.credential, "close", None)
            if close is not None:
                close()


def check_event(
    event: ReceivedEvent, kind: str, previous: str | None, state: str, threshold: float
) -> dict[str, Any]:
    """The envelope and data of one target event, as the topic received it."""
    assert (event.type, event.source, event.subject) == (kind, SOURCE, "targets/tenant-month")
    assert event.datacontenttype == "application/json" and event.envelope["specversion"] == "1.0"
    data: dict[str, Any] = event.data
    assert {k: v for k, v in data.items() if k not in ("drivers", "reason")} == {
        "targetId": "tenant-month",
        "scope": {"tenant": True},
        "metric": "periodCost",
        "threshold": threshold,
        "warningRatio": 0.8,
        "period": "2026-11",
        "costType": "actual",
        "currency": "USD",
        "state": state,
        "previousState": previous,
        "observed": 100.0,  # 5 x (10.00 + 10.00)
        "forecast": {"value": 100.0, "low": 100.0, "high": 100.0, "method": "observed"},
        "link": LINK,
    }
    assert data["reason"] == REASONS[state]
    # October was never allocated, and only the threshold changed since the first evaluation
    assert data["drivers"] == {"vsPreviousPeriod": None, "vsPreviousEvaluation": None}
    return data


def test_each_transition_sends_exactly_its_events_once_and_a_reallocation_none(
    deploy: Callable[[EventReceiver], Deployment],
) -> None:
    app = deploy(EventReceiver())
    receiver = app.receiver
    app.collect(month_of_lines(), month_of_usage())
    app.threshold("200")
    app.drain()  # ok: a first ok sends nothing
    status = app.container.targets.status("tenant-month")
    assert [(t.previous, t.state.value) for t in status.history] == [(None, "ok")]
    assert receiver.posts() == []

    app.threshold("120")
    app.reallocate()
    (at_risk,) = app.new_events(0)
    check_event(at_risk, AT_RISK, "ok", "at-risk", 120.0)
    app.reallocate()  # the same numbers: nothing recorded, nothing sent
    app.container.target_evaluation.evaluate_period(NOV)
    assert receiver.ids() == [at_risk.id]

    app.threshold("99.99")
    app.reallocate()
    (breached,) = app.new_events(1)
    check_event(breached, BREACHED, "at-risk", "breached", 99.99)

    app.threshold("200")
    app.reallocate()
    (recovered,) = app.new_events(2)
    check_event(recovered, RECOVERED, "breached", "ok", 200.0)
    app.reallocate()
    assert len(receiver.accepted) == 3

    app.collect([line("m-unknown", "2.50")], [], allow_shrink=True)  # nothing allocatable left
    app.drain()
    assert len(receiver.accepted) == 3  # no-data sends nothing
    latest = app.container.stores.target_status.latest("tenant-month", NOV)
    assert latest is not None and latest.evaluation.state.value == "no-data"
    app.reallocate()

    assert [e.type for e in receiver.accepted] == [AT_RISK, BREACHED, RECOVERED]
    assert receiver.duplicates() == [] and len(receiver.posts()) == 3  # one post per event
    history = app.container.targets.status("tenant-month").history
    assert [(t.previous and t.previous.value, t.state.value) for t in history] == [
        (None, "ok"), ("ok", "at-risk"), ("at-risk", "breached"), ("breached", "ok"),
        ("ok", "no-data"),
    ]  # fmt: skip
    assert app.container.stores.target_status.pending() == []


def test_a_topic_failing_past_the_retry_budget_loses_and_repeats_nothing(
    deploy: Callable[[EventReceiver], Deployment],
) -> None:
    """503 (Retry-After: 0) for the first four posts: the publisher's whole budget of four
    attempts; the event stays in the outbox, and a later run sends it once."""
    app = deploy(EventReceiver(fail_first_n=4, fail_status=503, retry_after="0"))
    receiver = app.receiver
    app.collect(month_of_lines(), month_of_usage())
    app.threshold("120")

    app.drain()  # at risk; its event refused four times

    assert len(receiver.posts()) == 4 and receiver.accepted == []
    (pending,) = app.container.stores.target_status.pending()
    assert pending.type == AT_RISK

    app.reallocate()  # the same numbers: nothing new recorded, the outbox sent

    assert receiver.ids() == [pending.id] and len(receiver.posts()) == 5
    assert app.container.stores.target_status.pending() == []

    app.threshold("99.99")
    app.reallocate()
    app.threshold("200")
    app.reallocate()
    app.reallocate()

    assert [e.type for e in receiver.accepted] == [AT_RISK, BREACHED, RECOVERED]
    assert receiver.duplicates() == []
    check_event(receiver.accepted[0], AT_RISK, None, "at-risk", 120.0)  # its first evaluation


def test_events_refused_across_two_transitions_arrive_together_once(
    deploy: Callable[[EventReceiver], Deployment],
) -> None:
    """The topic down (503) through the at-risk and the breached transitions (eight posts: two
    runs of four attempts), back for the recovery: all three arrive, oldest first, once."""
    app = deploy(EventReceiver(fail_first_n=8, fail_status=503, retry_after="0"))
    receiver = app.receiver
    app.collect(month_of_lines(), month_of_usage())
    app.threshold("120")
    app.drain()
    app.threshold("99.99")
    app.reallocate()
    assert receiver.accepted == [] and len(receiver.posts()) == 8
    assert [e.type for e in app.container.stores.target_status.pending()] == [AT_RISK, BREACHED]

    app.threshold("200")
    app.reallocate()

    assert [e.type for e in receiver.accepted] == [AT_RISK, BREACHED, RECOVERED]
    assert receiver.batches == [tuple(receiver.ids())]  # one post, in order
    assert receiver.duplicates() == []
    assert app.container.stores.target_status.pending() == []
