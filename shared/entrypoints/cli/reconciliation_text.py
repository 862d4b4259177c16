"""A plain-text reconciliation report from the reconciliation view: billed against observed
tokens.

Money is shown as the view holds it (rounded once, so the rows' cost adds up to the summary's and
the summary equals the unit costs' billed and allocated cost of the period); percentages to two
decimals of the JSON number the API serves for them.
"""

from __future__ import annotations

from decimal import Decimal

from shared.core.views import API_NAMES, ReconciliationRowView, ReconciliationView
from shared.entrypoints.cli.report_table import money_text, text_table

HEADERS = ["account", "meter", "kind", "cost", "coverage", "billed tokens", "observed tokens",
           "side billed", "side observed", "variance", "flag"]  # fmt: skip


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _pct(value: Decimal | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{float(value):+.2f}%" if signed else f"{float(value):.2f}%"


def _cells(r: ReconciliationRowView, currency: str) -> list[str]:
    return [
        r.account or "(no resource)", r.meter, r.token_kind.value if r.token_kind else "unknown",
        money_text(r.cost, currency), _pct(r.coverage_pct), _count(r.billed_tokens),
        _count(r.observed_tokens), _count(r.side_billed_tokens), _count(r.side_observed_tokens),
        _pct(r.variance_pct, signed=True), "FLAG" if r.flagged else "",
    ]  # fmt: skip


def render_reconciliation(view: ReconciliationView) -> str:
    cur = view.currency
    lines = [
        f"Reconciliation for {view.period} ({API_NAMES[view.cost_type]} cost, {cur}): billed vs "
        f"observed tokens, flagged beyond +{float(view.tolerance_pct):.2f}%",
        "",
        *text_table(HEADERS, [_cells(r, cur) for r in view.rows], right={3, 4, 5, 6, 7, 8, 9}),
        "",
        render_summary(view),
    ]
    return "\n".join(lines)


def render_summary(view: ReconciliationView) -> str:
    """One line: rows, flagged rows, cost and how much of it usage allocated."""
    cur, summary = view.currency, view.summary
    return (
        f"{summary.rows} rows, {summary.flagged_rows} flagged; cost "
        f"{money_text(summary.totals.billed, cur)}, "
        f"allocated {money_text(summary.totals.allocated, cur)}"
        f" (coverage {_pct(summary.coverage_pct)})"
    )
