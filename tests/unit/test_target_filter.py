"""Which targets GET /api/targets keeps for account, useCase and owner
(shared/core/target_filter.py): those whose scope names what each filter names; a tenant scope
none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.core.list_filter import ListFilter
from shared.core.target_filter import matching_targets
from shared.core.target_records import Metric, ScopeKind, Target, TargetScope
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from tests.builders import ACC, OTHER, dep

CHAT, EMBED = dep("chat-prod"), dep("embed", account=OTHER)


def target(target_id: str, kind: ScopeKind, value: str = "") -> Target:
    return Target(
        target_id, TargetScope(kind, value), Metric.PERIOD_COST, Decimal(1), Decimal("0.8")
    )


TARGETS = [
    target("chat-1k", ScopeKind.DEPLOYMENT, CHAT.deployment_id),
    target("embed-1k", ScopeKind.DEPLOYMENT, EMBED.deployment_id),
    target("acc-month", ScopeKind.ACCOUNT, ACC),
    target("bot-cpo", ScopeKind.USE_CASE, "support-bot"),
    target("docs-cpo", ScopeKind.USE_CASE, "summarizer"),
    target("tenant-month", ScopeKind.TENANT),
]


def use_case(name: str, owner: str) -> UseCase:
    entry = DeploymentEntry(CHAT.deployment_id, CHAT.deployment_id)
    outcome = Outcome("query", OutcomeSource(SourceType.PUSH))
    return UseCase(name, owner, "CC-1", outcome, (entry,))


USE_CASES = [use_case("support-bot", "support-platform"), use_case("summarizer", "content")]


@pytest.mark.parametrize(
    ("wanted", "kept"),
    [
        (ListFilter(), [t.id for t in TARGETS]),
        (ListFilter(account="acc"), ["chat-1k", "acc-month"]),  # the account's name
        (ListFilter(account=ACC.upper()), ["chat-1k", "acc-month"]),  # its ARM id, any case
        (ListFilter(account="other"), ["embed-1k"]),
        (ListFilter(account="nowhere"), []),
        (ListFilter(use_case="Support-Bot"), ["bot-cpo"]),
        (ListFilter(owner="content"), ["docs-cpo"]),
        (ListFilter(use_case="support-bot", owner="content"), []),  # both must hold
        (ListFilter(use_case="support-bot", account="acc"), []),  # one scope names one thing
        (ListFilter(model="gpt-4o"), []),  # no target's scope names a model
    ],
)
def test_a_target_is_kept_when_its_scope_names_every_filter(
    wanted: ListFilter, kept: list[str]
) -> None:
    assert [t.id for t in matching_targets(TARGETS, wanted, USE_CASES)] == kept
