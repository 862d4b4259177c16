"""Turn a reconciliation report into the API's JSON: cents, whole tokens, percentages.

Money is rounded to the cent, tokens to whole tokens, and ratios become percentages with four
decimals (`coveragePct` 66.6667, `variancePct` 20.0000); a missing value is null.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from shared.api.presenter import API_NAMES, Json, cents
from shared.core.arm_ids import is_account_id, parse_account_id
from shared.core.reconciliation import Reconciliation, ReconciliationRow

PCT_QUANTUM = Decimal("0.0001")
HUNDRED = Decimal(100)


def tokens(value: Decimal | int | None) -> int | None:
    if value is None:
        return None
    return int(Decimal(value).to_integral_value(rounding=ROUND_HALF_EVEN))


def percent(ratio: Decimal | None) -> float | None:
    if ratio is None:
        return None
    return float((ratio * HUNDRED).quantize(PCT_QUANTUM, rounding=ROUND_HALF_EVEN))


def present_reconciliation(report: Reconciliation) -> Json:
    return {
        "period": str(report.period),
        "costType": API_NAMES[report.cost_type],
        "currency": report.currency,
        "tolerancePct": percent(report.tolerance),
        "summary": {
            "rows": len(report.rows),
            "flaggedRows": report.flagged_rows,
            "cost": cents(report.cost),
            "allocatedCost": cents(report.allocated_cost),
            "coveragePct": percent(report.coverage),
        },
        "rows": [present_row(row) for row in report.rows],
    }


def present_row(row: ReconciliationRow) -> Json:
    side = row.side_totals
    return {
        "accountId": row.account_id,
        "account": _account_name(row.account_id),
        "meterId": row.meter_id,
        "meter": row.meter_name,
        "tokenKind": row.kind.value if row.kind else None,
        "meterGroup": row.group or None,
        "side": row.side.value if row.side else None,
        "cost": cents(row.cost),
        "allocatedCost": cents(row.allocated_cost),
        "coveragePct": percent(row.coverage),
        "billedQuantity": float(row.billed_quantity),
        "billedTokens": tokens(row.billed_tokens),
        "allocatedTokens": tokens(row.allocated_tokens),
        "observedTokens": tokens(row.observed_tokens),
        "sideBilledTokens": tokens(side.billed_tokens) if side else None,
        "sideObservedTokens": side.observed_tokens if side else None,
        "varianceTokens": tokens(side.variance) if side else None,
        "variancePct": percent(side.variance_ratio) if side else None,
        "flagged": row.flagged,
    }


def _account_name(account_id: str) -> str:
    """The account's name, or "" for rows with no resource."""
    return parse_account_id(account_id).name if is_account_id(account_id) else ""
