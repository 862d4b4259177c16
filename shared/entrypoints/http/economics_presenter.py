"""Use-case economics, callers and showback views as the API's response models
(shared/entrypoints/http/schemas/economics.py): nothing rounded here."""

from __future__ import annotations

from shared.core.economics_views import (
    CallerView,
    CoverageView,
    DayView,
    DeploymentCallersView,
    MemberView,
    ShowbackGroupView,
    ShowbackView,
    UseCaseUnitCostsView,
)
from shared.entrypoints.http.pagination import Page, largest_first
from shared.entrypoints.http.presenter import Json, number, optional, period_head
from shared.entrypoints.http.schemas.economics import (
    DeploymentCaller,
    DeploymentCallers,
    Showback,
    ShowbackGroup,
    Unassigned,
    UnattributedCalls,
    UseCaseCoverage,
    UseCaseEconomicsDay,
    UseCaseMember,
    UseCaseUnitCosts,
)


def caller_key(view: CallerView) -> str:
    """The key callers are paged by: largest cost first, then by kind and name (their order)."""
    kind = view.kind.value if view.kind else ""
    return largest_first(view.cost, kind, view.name or "")


def group_key(view: ShowbackGroupView) -> str:
    """The key showback groups are paged by: largest cost first, then by name (their order)."""
    return largest_first(view.cost, view.name)


def use_case_unit_costs(view: UseCaseUnitCostsView) -> UseCaseUnitCosts:
    """GET /api/use-cases/{name}/unit-costs."""
    return UseCaseUnitCosts(
        **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
        use_case=view.name,
        owner=view.owner,
        cost_center=view.cost_center,
        cost=number(view.cost),
        outcomes=view.outcomes,
        outcome_unit=view.outcome_unit,
        cost_per_outcome=optional(view.cost_per_outcome),
        reason=view.reason,
        cost_per_1k_tokens=optional(view.cost_per_1k_tokens),
        cost_per_request=optional(view.cost_per_request),
        tokens_per_outcome=optional(view.tokens_per_outcome),
        input_tokens=view.input_tokens,
        output_tokens=view.output_tokens,
        requests=view.requests,
        coverage=_coverage(view.coverage),
        deployments=[_member(m) for m in view.members],
        daily=[_day(d) for d in view.daily],
    )


def use_case_unit_costs_json(view: UseCaseUnitCostsView) -> Json:
    """GET /api/use-cases/{name}/unit-costs' JSON body: the CLI's."""
    return use_case_unit_costs(view).model_dump(by_alias=True, mode="json")


def deployment_callers(
    view: DeploymentCallersView,
    page: Page[CallerView] | None = None,
    next_link: str | None = None,
) -> DeploymentCallers:
    """GET /api/deployments/{key}/callers: one page of the callers (None: all of them) and the
    unattributed rest."""
    served = page or Page(view.callers, len(view.callers), None)
    rest = view.unattributed
    unattributed = UnattributedCalls(
        cost=number(rest.cost), input_tokens=rest.input_tokens, output_tokens=rest.output_tokens,
        requests=rest.requests, days=rest.days,
    )  # fmt: skip
    return DeploymentCallers(
        **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
        key=view.key,
        deployment_id=view.deployment_id,
        by=view.by,
        cost=number(view.cost),
        callers=[_caller(c) for c in served.items],
        unattributed=unattributed,
        continuation_token=served.next_token,
        next_link=next_link,
        total_items=served.total,
    )


def showback(
    view: ShowbackView,
    page: Page[ShowbackGroupView] | None = None,
    next_link: str | None = None,
) -> Showback:
    """GET /api/showback: one page of the groups (None: all of them), the period's bill and
    its unassigned rest."""
    served = page or Page(view.groups, len(view.groups), None)
    u = view.unassigned
    return Showback(
        **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
        by=view.by,
        billed_cost=number(view.totals.billed),
        groups=[
            ShowbackGroup(name=g.name, cost=number(g.cost), use_cases=list(g.use_cases))
            for g in served.items
        ],
        unassigned=Unassigned(
            cost=number(u.cost),
            no_use_case=number(u.no_use_case),
            unclaimed_callers=number(u.unclaimed_callers),
            unattributed=number(u.unattributed),
            unallocated=number(u.unallocated),
        ),
        continuation_token=served.next_token,
        next_link=next_link,
        total_items=served.total,
    )


def showback_json(view: ShowbackView) -> Json:
    """GET /api/showback's JSON body, whole (one page of every group): the CLI's."""
    return showback(view).model_dump(by_alias=True, mode="json")


def _coverage(c: CoverageView) -> UseCaseCoverage:
    return UseCaseCoverage(
        allocated_cost=number(c.allocated_cost),
        caller_split_cost=number(c.caller_split_cost),
        allocated_pct=optional(c.allocated_pct),
        caller_split_pct=optional(c.caller_split_pct),
        unattributed_cost=optional(c.unattributed_cost),
        unattributed_pct=optional(c.unattributed_pct),
        days_with_cost=c.days_with_cost,
        days_with_outcomes=c.days_with_outcomes,
        outcome_days_pct=optional(c.outcome_days_pct),
    )


def _member(m: MemberView) -> UseCaseMember:
    callers = {kind: list(names) for kind, names in m.entry.callers}
    return UseCaseMember(
        deployment=m.entry.deployment,
        deployment_id=m.entry.deployment_id,
        key=m.deployment_key,
        callers=callers or None,
        attribution=m.attribution,
        cost=number(m.cost),
        input_tokens=m.input_tokens,
        output_tokens=m.output_tokens,
        requests=m.requests,
        cost_per_1k_tokens=optional(m.cost_per_1k_tokens),
        unattributed_cost=optional(m.unattributed_cost),
    )


def _day(d: DayView) -> UseCaseEconomicsDay:
    return UseCaseEconomicsDay(
        date=d.date.isoformat(),
        cost=number(d.cost),
        input_tokens=d.input_tokens,
        output_tokens=d.output_tokens,
        requests=d.requests,
        outcomes=d.outcomes,
        cost_per_outcome=optional(d.cost_per_outcome),
    )


def _caller(c: CallerView) -> DeploymentCaller:
    assert c.kind is not None and c.name is not None  # a caller of the list is named
    return DeploymentCaller(
        kind=c.kind, caller=c.name, cost=number(c.cost), input_tokens=c.input_tokens,
        output_tokens=c.output_tokens, requests=c.requests, days=c.days,
    )  # fmt: skip
