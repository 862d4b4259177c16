"""What the list filters keep of the lists they apply to (shared/core/list_filter.py): the
deployments of a period's unit costs (deployment_filter.py), the use cases (use_case_filter.py)
and the showback's groups (showback_filter.py); the totals always stay the whole period's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.core.allocation import UnallocatedReason
from shared.core.callers import CallerKind
from shared.core.costs import CostType
from shared.core.deployment_filter import matching_deployments
from shared.core.economics_views import ShowbackGroupView, ShowbackView, UnassignedView
from shared.core.inventory import Deployment
from shared.core.list_filter import ListFilter
from shared.core.reports import PeriodReport
from shared.core.rounding import RoundedTotals
from shared.core.showback import ShowbackBy
from shared.core.showback_filter import matching_groups
from shared.core.unit_costs import UnallocatedTotal, UnitCost
from shared.core.use_case_filter import matching_use_cases
from shared.core.use_cases import (
    DeploymentEntry,
    Outcome,
    OutcomeSource,
    SourceType,
    UseCase,
    UseCaseStatus,
)
from shared.core.views import PeriodUnitCostsView, StatusView, unit_costs_view
from tests.builders import ACC, NOV, OTHER, dep

CHAT, MINI = dep("chat"), dep("mini", model="gpt-4o-mini")
PTU = dep("ptu", sku="GlobalProvisionedManaged", account=OTHER)
D = Decimal


def entry(d: Deployment, *callers: str) -> DeploymentEntry:
    sliced = ((CallerKind.APIM_SUBSCRIPTIONS, callers),) if callers else ()
    return DeploymentEntry(d.key, d.deployment_id, sliced)


def use_case(
    name: str, owner: str, *entries: DeploymentEntry, center: str = "CC-1", planned: bool = False
) -> UseCase:
    status = UseCaseStatus.PLANNED if planned else UseCaseStatus.LIVE
    outcome = Outcome("query", OutcomeSource(SourceType.PUSH))
    return UseCase(name, owner, center, outcome, entries, status=status)


USE_CASES = [
    use_case("bot", "support", entry(CHAT), entry(MINI, "bot")),
    use_case("docs", "content", entry(MINI, "docs"), center="CC-2"),
    use_case("batch", "content", entry(PTU), center="CC-2"),
    use_case("review", "legal", planned=True),
]


def period_view() -> PeriodUnitCostsView:
    units = tuple(
        UnitCost(NOV, d, D(cost), D(cost), D(0), 1000, 0, 1, D(0), None)
        for d, cost in ((CHAT, "3.00"), (MINI, "2.00"), (PTU, "1.00"))
    )
    left = (UnallocatedTotal(ACC, "m-x", "meter m-x", UnallocatedReason.UNKNOWN_METER, D("0.5")),)
    report = PeriodReport(NOV, CostType.ACTUAL, "USD", D("6.50"), D("6.00"), D("0.50"), units, left)
    return unit_costs_view(report, date(2026, 11, 20))


@pytest.mark.parametrize(
    ("wanted", "kept"),
    [
        (ListFilter(), ["chat", "mini", "ptu"]),
        (ListFilter(account="ACC"), ["chat", "mini"]),
        (ListFilter(account=OTHER.upper()), ["ptu"]),
        (ListFilter(model="GPT-4O"), ["chat", "ptu"]),
        (ListFilter(sku="globalstandard"), ["chat", "mini"]),
        (ListFilter(use_case="bot"), ["chat", "mini"]),  # whole and a slice
        (ListFilter(owner="content"), ["mini", "ptu"]),
        (ListFilter(owner="content", account="acc"), ["mini"]),
        (ListFilter(use_case="review"), []),  # planned: it has no deployment
        (ListFilter(model="gpt-5"), []),
    ],
)
def test_the_deployments_kept_and_the_periods_totals_kept_whole(
    wanted: ListFilter, kept: list[str]
) -> None:
    view = period_view()
    found = matching_deployments(view, wanted, USE_CASES)
    assert [d.deployment for d in found.deployments] == kept
    assert (found.totals, found.unallocated_lines) == (view.totals, view.unallocated_lines)


@pytest.mark.parametrize(
    ("wanted", "kept"),
    [
        (ListFilter(), ["bot", "docs", "batch", "review"]),
        (ListFilter(use_case="REVIEW"), ["review"]),
        (ListFilter(owner="content"), ["docs", "batch"]),
        (ListFilter(account="acc"), ["bot", "docs"]),
        (ListFilter(model="gpt-4o-mini"), ["bot", "docs"]),  # bot: one of its deployments
        (ListFilter(sku="GlobalProvisionedManaged"), ["batch"]),
        (ListFilter(owner="content", model="gpt-4o"), ["batch"]),
        (ListFilter(use_case="docs", account="other"), []),
        (ListFilter(owner="legal", account="acc"), []),  # planned: no deployment to match
    ],
)
def test_the_use_cases_kept(wanted: ListFilter, kept: list[str]) -> None:
    found = matching_use_cases(USE_CASES, wanted, [CHAT, MINI, PTU])
    assert [u.name for u in found] == kept


def test_a_use_case_on_a_deployment_the_inventory_forgot_is_matched_by_its_account() -> None:
    found = matching_use_cases(USE_CASES, ListFilter(account="other"), [CHAT, MINI])
    assert [u.name for u in found] == ["batch"]
    assert matching_use_cases(USE_CASES, ListFilter(model="gpt-4o"), [CHAT, MINI]) == USE_CASES[:1]


def showback_view(by: ShowbackBy, *groups: tuple[str, str, tuple[str, ...]]) -> ShowbackView:
    unassigned = UnassignedView(D("1.50"), D("1.00"), D(0), D(0), D("0.50"))
    return ShowbackView(
        NOV, CostType.ACTUAL, "USD", StatusView.of(NOV, date(2026, 11, 20)), by,
        RoundedTotals(D("6.50"), D("6.00"), D("0.50")),
        tuple(ShowbackGroupView(n, D(c), u) for n, c, u in groups), unassigned,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("by", "groups", "wanted", "kept"),
    [
        (ShowbackBy.OWNER, [("support", "3", ("bot",)), ("content", "2", ("batch", "docs"))],
         ListFilter(owner="CONTENT"), ["content"]),
        (ShowbackBy.COST_CENTER, [("CC-1", "3", ("bot",)), ("CC-2", "2", ("batch", "docs"))],
         ListFilter(owner="content"), ["CC-2"]),
        (ShowbackBy.USE_CASE, [("bot", "3", ("bot",)), ("docs", "1", ("docs",)),
                               ("batch", "1", ("batch",))],
         ListFilter(use_case="Docs"), ["docs"]),
        (ShowbackBy.USE_CASE, [("bot", "3", ("bot",)), ("docs", "1", ("docs",))],
         ListFilter(owner="legal"), []),
    ],
)  # fmt: skip
def test_the_showback_groups_kept_and_the_bill_kept_whole(
    by: ShowbackBy,
    groups: list[tuple[str, str, tuple[str, ...]]],
    wanted: ListFilter,
    kept: list[str],
) -> None:
    view = showback_view(by, *groups)
    found = matching_groups(view, wanted, USE_CASES)
    assert [g.name for g in found.groups] == kept
    assert (found.totals, found.unassigned) == (view.totals, view.unassigned)
