"""The reconciliation view as the API's JSON: field names and JSON numbers, nothing rounded here.

The view (shared/core/views.py) holds cents rounded once like the period's unit costs, whole
tokens and percentages with four decimals (`coveragePct` 66.6667, `variancePct` 20.0000); a
missing value is null.
"""

from __future__ import annotations

from shared.core.views import API_NAMES, ReconciliationRowView, ReconciliationView
from shared.entrypoints.http.presenter import Json, number, optional


def reconciliation_json(view: ReconciliationView) -> Json:
    """GET /api/reconciliation."""
    summary = view.summary
    return {
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        "tolerancePct": number(view.tolerance_pct),
        "summary": {
            "rows": summary.rows,
            "flaggedRows": summary.flagged_rows,
            "cost": number(summary.totals.billed),
            "allocatedCost": number(summary.totals.allocated),
            "coveragePct": optional(summary.coverage_pct),
        },
        "rows": [row_json(row) for row in view.rows],
    }


def row_json(row: ReconciliationRowView) -> Json:
    return {
        "accountId": row.account_id,
        "account": row.account,
        "meterId": row.meter_id,
        "meter": row.meter,
        "tokenKind": row.token_kind.value if row.token_kind else None,
        "meterGroup": row.meter_group,
        "side": row.side.value if row.side else None,
        "cost": number(row.cost),
        "allocatedCost": number(row.allocated_cost),
        "coveragePct": optional(row.coverage_pct),
        "billedQuantity": number(row.billed_quantity),
        "billedTokens": row.billed_tokens,
        "allocatedTokens": row.allocated_tokens,
        "observedTokens": row.observed_tokens,
        "sideBilledTokens": row.side_billed_tokens,
        "sideObservedTokens": row.side_observed_tokens,
        "varianceTokens": row.variance_tokens,
        "variancePct": optional(row.variance_pct),
        "flagged": row.flagged,
    }
