"""Which findings GET /api/insights keeps (shared/core/finding_filter.py): those of a deployment
that passes every filter: its account, model and SKU, a live use case that has it, its owner."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.core.finding_filter import matching_findings
from shared.core.findings import Confidence, Finding, FindingType
from shared.core.list_filter import ListFilter
from shared.core.use_cases import (
    DeploymentEntry,
    Outcome,
    OutcomeSource,
    SourceType,
    UseCase,
    UseCaseStatus,
)
from tests.builders import ACC, OTHER, dep

CHAT = dep("chat-prod")
MINI = dep("mini", model="gpt-4o-mini", sku="Standard")
EMBED = dep("embed", model="text-embedding-3-small", account=OTHER)
GONE = dep("gone")  # not among the period's deployments


def finding(kind: FindingType, deployment_id: str) -> Finding:
    return Finding(kind, deployment_id, kind.value, (), Decimal(1), Confidence.LOW, None)


FINDINGS = [
    finding(FindingType.BATCH_CANDIDATE, CHAT.deployment_id),
    finding(FindingType.REGIONAL_COSTLIER, MINI.deployment_id.upper()),  # ids compare without case
    finding(FindingType.RETIRING_VERSION, CHAT.deployment_id),
    finding(FindingType.FINE_TUNED_IDLE, EMBED.deployment_id),
    finding(FindingType.IDLE_PTU, GONE.deployment_id),
]


def use_case(name: str, owner: str, *ids: str, planned: bool = False) -> UseCase:
    outcome = Outcome("query", OutcomeSource(SourceType.PUSH))
    entries = tuple(DeploymentEntry(i, i) for i in ids)
    status = UseCaseStatus.PLANNED if planned else UseCaseStatus.LIVE
    return UseCase(name, owner, "CC-1", outcome, entries, status=status)


USE_CASES = [
    use_case("support-bot", "support-platform", CHAT.deployment_id),
    use_case("summarizer", "content", CHAT.deployment_id, EMBED.deployment_id),
    use_case("contract-review", "legal", MINI.deployment_id, planned=True),  # planned: no member
]


def kept(wanted: ListFilter) -> list[str]:
    found = matching_findings(FINDINGS, [CHAT, MINI, EMBED], wanted, USE_CASES)
    return [f"{f.type.value}@{f.deployment_id.lower().rsplit('/', 1)[-1]}" for f in found]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (ListFilter(), [
            "batch-candidate@chat-prod", "regional-costlier@mini", "retiring-version@chat-prod",
            "fine-tuned-idle@embed", "idle-ptu@gone",
        ]),
        (ListFilter(account="ACC"), [
            "batch-candidate@chat-prod", "regional-costlier@mini", "retiring-version@chat-prod",
        ]),
        (ListFilter(account=OTHER), ["fine-tuned-idle@embed"]),
        (ListFilter(model="gpt-4o-mini"), ["regional-costlier@mini"]),
        (ListFilter(sku="globalstandard"), [
            "batch-candidate@chat-prod", "retiring-version@chat-prod", "fine-tuned-idle@embed",
        ]),
        (ListFilter(use_case="summarizer"), [
            "batch-candidate@chat-prod", "retiring-version@chat-prod", "fine-tuned-idle@embed",
        ]),
        (ListFilter(owner="support-platform"), [
            "batch-candidate@chat-prod", "retiring-version@chat-prod",
        ]),
        (ListFilter(owner="legal"), []),  # a planned use case has no deployment yet
        (ListFilter(account=ACC, model="gpt-4o", use_case="summarizer"), [
            "batch-candidate@chat-prod", "retiring-version@chat-prod",
        ]),
    ],
)  # fmt: skip
def test_a_finding_is_kept_when_its_deployment_passes_every_filter(
    wanted: ListFilter, expected: list[str]
) -> None:
    assert kept(wanted) == expected
