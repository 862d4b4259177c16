"""The targets' text (the demo's printout): the status API's numbers, the drivers of both kinds
when there are some, "no previous period" when there is none, and the pending CloudEvents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.target_evaluation import evaluate, event_of, transition
from shared.core.target_records import (
    Component,
    Metric,
    ScopeDay,
    ScopeKind,
    ScopeSeries,
    ScopeTotals,
    StoredEvaluation,
    Target,
    TargetScope,
)
from shared.core.target_views import evaluation_json, event_data
from shared.entrypoints.cli.targets_text import render_events, render_targets
from shared.services.targets import TargetStatus
from tests.builders import NOV

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DEPLOYMENT = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acct"
    "/deployments/chat"
)


def _target(threshold: str, metric: Metric = Metric.COST_PER_1K_TOKENS) -> Target:
    return Target(
        "chat-per-1k", TargetScope(ScopeKind.DEPLOYMENT, DEPLOYMENT), metric,
        Decimal(threshold), Decimal("0.8"), CostType.AMORTIZED, DEPLOYMENT,
    )  # fmt: skip


def _series(*costs: str) -> ScopeSeries:
    days = tuple(
        ScopeDay(
            NOV.start + timedelta(days=i),
            (Component("a", Decimal(c), Decimal(c), Decimal(0), 1000, 0, 10),),
        )
        for i, c in enumerate(costs)
    )
    return ScopeSeries(NOV, CostType.AMORTIZED, "USD", days, complete=False)


def test_a_target_with_drivers_shows_both_and_its_transitions() -> None:
    target = _target("5")
    previous = ScopeTotals((Component("a", Decimal(4), Decimal(4), Decimal(0), 1000, 0, 10),))
    first = evaluate(target, _series("5.00"), previous, None)
    second = evaluate(target, _series("5.00", "7.00"), previous, first)
    changes = [transition(None, first, AT), transition(first.state, second, AT)]
    history = tuple(t for t in changes if t is not None)
    status = TargetStatus(target, (StoredEvaluation(second, AT, "v"),), history)
    text = render_targets([status], NOV)
    body = evaluation_json(second)
    assert "Target chat-per-1k: deployment chat, costPer1kTokens, amortized cost" in text
    assert f"  state: {body['state']} ({body['reason']})" in text
    assert f"observed {body['observed']:,.8f} USD, threshold 5.00000000 USD" in text
    assert "(at risk from 4.00000000 USD)" in text
    assert "  drivers vs previous period: 4.00000000 USD -> 6.00000000 USD" in text
    assert "  drivers vs previous evaluation: 5.00000000 USD -> 6.00000000 USD" in text
    assert "price (price per token) +2.00000000 USD (+50.00 %)" in text
    assert "no previous period" not in text
    assert "  transition first evaluation -> at-risk at 2026-11-20T12:00:00Z: event Unit" in text
    assert "  transition at-risk -> breached at 2026-11-20T12:00:00Z: event Unit" in text
    assert "  forecast " in text and "range " in text  # an open period: a projected range


def test_without_a_previous_period_it_says_so() -> None:
    evaluation = evaluate(_target("100"), _series("5.00"), None, None)
    status = TargetStatus(evaluation.target, (StoredEvaluation(evaluation, AT, "v"),), ())
    text = render_targets([status], NOV)
    assert f"no previous period: {NOV.previous()} has no allocation" in text
    assert "drivers vs previous evaluation" not in text
    assert "  state: ok" in text


def test_a_target_not_evaluated_for_the_period_says_so() -> None:
    text = render_targets([TargetStatus(_target("1"), (), ())], NOV)
    assert "not evaluated for 2026-11" in text


def test_the_pending_events_show_type_subject_id_and_compact_data() -> None:
    evaluation = evaluate(_target("1"), _series("5.00"), None, None)
    changed = transition(None, evaluation, AT)
    assert changed is not None
    data = json.dumps(event_data(changed, "/api/targets/chat-per-1k/status"), sort_keys=True)
    event = event_of(changed, data)
    text = render_events([event], None)
    assert "1 CloudEvents 1.0 pending" in text and "EVENTGRID_TOPIC_ENDPOINT is not set" in text
    head = f"  UnitCost.Target.Breached  subject targets/chat-per-1k  id {event.id}  time "
    assert head + "2026-11-20T12:00:00Z" in text
    (line,) = [x for x in text.splitlines() if x.startswith("    data ")]
    assert json.loads(line.removeprefix("    data ")) == json.loads(data)
    assert ": " not in line and ", " not in line.split('"method":')[0]
    sent = render_events([], "https://topic.example/api/events")
    assert sent.startswith("Target events: 0 CloudEvents 1.0 pending")
