"""Targets as the API's response models: a definition in the file's shape (shared/core/targets.py
`target_json`, which the table stores), a status from the view records the CloudEvents are built
from (shared/core/target_views.py), so the API says exactly what an event says."""

from __future__ import annotations

from shared.core.target_records import ScopeKind, StoredEvaluation, Target, Transition
from shared.core.target_views import (
    DriversView,
    evaluation_view,
    rounded,
    transition_view,
    utc_text,
)
from shared.entrypoints.http.pagination import Page
from shared.entrypoints.http.presenter import cost_type_name, number, optional
from shared.entrypoints.http.schemas import targets as schema
from shared.services.targets import TargetStatus


def target(found: Target) -> schema.Target:
    """GET/PUT /api/targets/{id}: the definition as stored."""
    return schema.Target(
        id=found.id,
        scope=scope(found),
        metric=found.metric,
        threshold=str(found.threshold),
        warning_ratio=str(found.warning_ratio),
        cost_type=cost_type_name(found.cost_type),
    )


def target_list(page: Page[Target], next_link: str | None) -> schema.TargetList:
    """GET /api/targets: one page of them."""
    return schema.TargetList(
        targets=[target(t) for t in page.items],
        continuation_token=page.next_token,
        next_link=next_link,
        total_items=page.total,
    )


def scope(found: Target) -> schema.TargetScope:
    """The scope as written, with the resolved id of a deployment or an account."""
    kind, written = found.scope.kind, found.scope_written or found.scope.value
    if kind is ScopeKind.DEPLOYMENT:
        return schema.TargetDeploymentScope(deployment=written, deployment_id=found.scope.value)
    if kind is ScopeKind.ACCOUNT:
        return schema.TargetAccountScope(account=written, account_id=found.scope.value)
    if kind is ScopeKind.USE_CASE:
        return schema.TargetUseCaseScope(use_case=written)
    return schema.TargetTenantScope(tenant=True)


def written_scope(found: Target) -> schema.WrittenScope:
    """The scope as written alone (the status and the events show it so)."""
    kind, written = found.scope.kind, found.scope_written or found.scope.value
    if kind is ScopeKind.DEPLOYMENT:
        return schema.TargetWrittenDeploymentScope(deployment=written)
    if kind is ScopeKind.ACCOUNT:
        return schema.TargetWrittenAccountScope(account=written)
    if kind is ScopeKind.USE_CASE:
        return schema.TargetUseCaseScope(use_case=written)
    return schema.TargetTenantScope(tenant=True)


def status(found: TargetStatus) -> schema.TargetStatus:
    """GET /api/targets/{id}/status: each period's latest evaluation (newest period first) and
    the transitions (oldest first)."""
    t = found.target
    periods = sorted(found.evaluations, key=lambda s: s.evaluation.period, reverse=True)
    return schema.TargetStatus(
        target_id=t.id,
        scope=written_scope(t),
        metric=t.metric,
        threshold=number(rounded(t.threshold, t.metric)),
        warning_ratio=float(t.warning_ratio),
        cost_type=cost_type_name(t.cost_type),
        periods=[evaluation(s) for s in periods],
        transitions=[transition(h) for h in found.history],
    )


def evaluation(stored: StoredEvaluation) -> schema.TargetEvaluation:
    view = evaluation_view(stored.evaluation)
    forecast = view.forecast
    return schema.TargetEvaluation(
        period=str(view.period),
        cost_type=cost_type_name(view.cost_type),
        currency=view.currency,
        state=view.state,
        reason=view.reason,
        threshold=number(view.threshold),
        warning_at=number(view.warning_at),
        observed=optional(view.observed),
        forecast=None
        if forecast is None
        else schema.TargetForecast(
            value=number(forecast.value),
            low=number(forecast.low),
            high=number(forecast.high),
            method=forecast.method,
        ),
        drivers=schema.TargetDrivers(
            vs_previous_period=_change(view.vs_previous_period),
            vs_previous_evaluation=_change(view.vs_previous_evaluation),
        ),
        evaluated_at=utc_text(stored.evaluated_at),
    )


def transition(found: Transition) -> schema.TargetTransition:
    view = transition_view(found)
    return schema.TargetTransition(
        period=str(view.period),
        at=utc_text(view.at),
        state=view.state,
        previous_state=view.previous_state,
        observed=optional(view.observed),
        event=view.event,
    )


def _change(view: DriversView | None) -> schema.TargetChange | None:
    if view is None:
        return None
    return schema.TargetChange(
        previous=number(view.previous),
        current=number(view.current),
        change=number(view.change),
        change_pct=optional(view.change_pct),
        effects=[
            schema.TargetEffect(
                kind=e.kind, label=e.label, effect=number(e.effect), share_pct=optional(e.share_pct)
            )
            for e in view.effects
        ],
    )
