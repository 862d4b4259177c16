"""Turn a reconciliation report into the API's JSON: cents, whole tokens, percentages.

Money is rounded to the cent by the one rounding of shared/core/rounding.py: the summary's `cost`
and `allocatedCost` are the period's canonical rounded billed and allocated cost (the same as the
unit costs' `billedCost` and `allocatedCost`). Each row is split like the period: its allocated and
unallocated parts are rounded by the largest remainder toward the canonical allocated and
unallocated totals, and its `cost` is their sum. So both columns sum exactly to the summary, a row
allocated in full shows `allocatedCost` == `cost` and one not allocated at all shows 0. Every
`allocatedCost` is within a cent of its exact value, as is the `cost` of a row allocated in full
or not at all (a row allocated in part: within two cents). Tokens are rounded to whole tokens, and
ratios (exact, not from the rounded money) become percentages with four decimals (`coveragePct`
66.6667, `variancePct` 20.0000); a missing value is null.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from shared.core.arm_ids import is_account_id, parse_account_id
from shared.core.reconciliation import Reconciliation, ReconciliationRow
from shared.core.rounding import round_rows
from shared.entrypoints.http.presenter import API_NAMES, Json, money

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
    # The rows hold every cost line of the period and basis and every allocated share of them,
    # so their exact cost and allocated cost are the allocation's billed and allocated cost.
    rounded = round_rows([r.cost for r in report.rows], [r.allocated_cost for r in report.rows])
    totals = rounded.totals
    return {
        "period": str(report.period),
        "costType": API_NAMES[report.cost_type],
        "currency": report.currency,
        "tolerancePct": percent(report.tolerance),
        "summary": {
            "rows": len(report.rows),
            "flaggedRows": report.flagged_rows,
            "cost": money(totals.billed),
            "allocatedCost": money(totals.allocated),
            "coveragePct": percent(report.coverage),
        },
        "rows": [
            present_row(row, cost, allocated_cost)
            for row, cost, allocated_cost in zip(
                report.rows, rounded.costs, rounded.allocated, strict=True
            )
        ],
    }


def present_row(row: ReconciliationRow, cost: Decimal, allocated_cost: Decimal) -> Json:
    """One row, with its `cost` and `allocatedCost` as rounded for the whole report."""
    side = row.side_totals
    return {
        "accountId": row.account_id,
        "account": _account_name(row.account_id),
        "meterId": row.meter_id,
        "meter": row.meter_name,
        "tokenKind": row.kind.value if row.kind else None,
        "meterGroup": row.group or None,
        "side": row.side.value if row.side else None,
        "cost": money(cost),
        "allocatedCost": money(allocated_cost),
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
