"""Use-case definitions and pushed outcomes as the API's response models
(shared/entrypoints/http/schemas/use_cases.py), built from the records
(shared/core/use_cases.py): the file's shape, as the table stores it (`use_case_json`), with
each entry's resolved `deploymentId`; what the file leaves out is absent, never null."""

from __future__ import annotations

from shared.core.outcomes import PushReport
from shared.core.price_book import ReservationTerm
from shared.core.use_cases import (
    DeploymentEntry,
    OutcomeSource,
    Plan,
    PlannedCandidate,
    SourceType,
    UseCase,
    UseCaseStatus,
    number_json,
)
from shared.entrypoints.http.pagination import Page
from shared.entrypoints.http.schemas import use_cases as schema


def use_case_key(use_case: UseCase) -> str:
    """The key use cases are paged by: their name (the order they are listed in)."""
    return use_case.name


def use_case(found: UseCase) -> schema.UseCase:
    """GET/PUT /api/use-cases/{name}: the use case as stored."""
    planned = found.status is UseCaseStatus.PLANNED
    outcome = found.outcome
    return schema.UseCase(
        name=found.name,
        owner=found.owner,
        cost_center=found.cost_center,
        description=found.description or None,
        status=UseCaseStatus.PLANNED if planned else None,
        outcome=schema.UseCaseOutcome(unit=outcome.unit, source=_source(outcome.source)),
        deployments=(
            None if planned and not found.deployments else [_entry(e) for e in found.deployments]
        ),
        plan=None if found.plan is None else _plan(found.plan),
    )


def use_case_list(
    page: Page[UseCase] | list[UseCase], next_link: str | None = None
) -> schema.UseCaseList:
    """GET /api/use-cases: one page of the use cases (a list: all of them, one page)."""
    served = page if isinstance(page, Page) else Page(tuple(page), len(page), None)
    return schema.UseCaseList(
        use_cases=[use_case(u) for u in served.items],
        continuation_token=served.next_token,
        next_link=next_link,
        total_items=served.total,
    )


def pushed_outcomes(name: str, report: PushReport) -> schema.PushedOutcomes:
    """POST /api/use-cases/{name}/outcomes."""
    return schema.PushedOutcomes(
        use_case=name, accepted=list(report.accepted), repeated=list(report.repeated)
    )


def _source(source: OutcomeSource) -> schema.PushOutcomeSource | schema.LogAnalyticsOutcomeSource:
    if source.type is SourceType.LOG_ANALYTICS:
        return schema.LogAnalyticsOutcomeSource(
            type=SourceType.LOG_ANALYTICS, workspace_id=source.workspace_id, query=source.query
        )
    return schema.PushOutcomeSource(type=SourceType.PUSH)


def _entry(entry: DeploymentEntry) -> schema.UseCaseDeployment:
    return schema.UseCaseDeployment(
        deployment=entry.deployment,
        deployment_id=entry.deployment_id,
        callers={kind: list(names) for kind, names in entry.callers} or None,
    )


def _plan(plan: Plan) -> schema.TrafficPlan:
    shape = plan.weekday_shape
    return schema.TrafficPlan(
        region=plan.region,
        outcomes_per_day=number_json(plan.outcomes_per_day),
        requests_per_outcome=number_json(plan.requests_per_outcome),
        input_tokens_per_request=number_json(plan.input_tokens_per_request),
        cached_input_tokens_per_request=number_json(plan.cached_input_tokens_per_request),
        output_tokens_per_request=number_json(plan.output_tokens_per_request),
        weekday_shape=None if shape is None else [number_json(w) for w in shape],
        candidates=[_candidate(c) for c in plan.candidates],
    )


def _candidate(candidate: PlannedCandidate) -> schema.PlannedCandidate:
    term = candidate.reservation
    return schema.PlannedCandidate(
        model=candidate.model,
        version=candidate.version,
        sku=candidate.sku,
        ptu=candidate.ptu,
        reservation=None if term is None else ReservationTerm.parse(term),
    )
