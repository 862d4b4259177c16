"""The reconciliation view as the API's response model (shared/entrypoints/http/schemas/
reconciliation.py): nothing rounded here.

The view (shared/core/views.py) holds cents rounded once like the period's unit costs, whole
tokens and percentages with four decimals (`coveragePct` 66.6667, `variancePct` 20.0000); a
missing value is null.
"""

from __future__ import annotations

from shared.core.views import ReconciliationRowView, ReconciliationView
from shared.entrypoints.http.presenter import number, optional, period_head
from shared.entrypoints.http.schemas.reconciliation import (
    Reconciliation,
    ReconciliationRow,
    ReconciliationSummary,
)


def reconciliation(view: ReconciliationView) -> Reconciliation:
    """GET /api/reconciliation."""
    summary = view.summary
    return Reconciliation(
        **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
        tolerance_pct=number(view.tolerance_pct),
        summary=ReconciliationSummary(
            rows=summary.rows,
            flagged_rows=summary.flagged_rows,
            cost=number(summary.totals.billed),
            allocated_cost=number(summary.totals.allocated),
            coverage_pct=optional(summary.coverage_pct),
        ),
        rows=[row(r) for r in view.rows],
    )


def row(r: ReconciliationRowView) -> ReconciliationRow:
    return ReconciliationRow(
        account_id=r.account_id,
        account=r.account,
        meter_id=r.meter_id,
        meter=r.meter,
        token_kind=r.token_kind,
        meter_group=r.meter_group,
        side=r.side,
        cost=number(r.cost),
        allocated_cost=number(r.allocated_cost),
        coverage_pct=optional(r.coverage_pct),
        billed_quantity=number(r.billed_quantity),
        billed_tokens=r.billed_tokens,
        allocated_tokens=r.allocated_tokens,
        observed_tokens=r.observed_tokens,
        side_billed_tokens=r.side_billed_tokens,
        side_observed_tokens=r.side_observed_tokens,
        variance_tokens=r.variance_tokens,
        variance_pct=optional(r.variance_pct),
        flagged=r.flagged,
    )
