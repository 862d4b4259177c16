"""A plain-text reconciliation report from the API's body: billed against observed tokens.

Money is shown as the body holds it (rounded once, so the rows' cost adds up to the summary's and
the summary equals the unit costs' billed and allocated cost of the period).
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.entrypoints.cli.report_table import money_text, text_table

HEADERS = ["account", "meter", "kind", "cost", "coverage", "billed tokens", "observed tokens",
           "side billed", "side observed", "variance", "flag"]  # fmt: skip


def _count(value: object) -> str:
    return "-" if value is None else f"{int(value):,}"  # type: ignore[call-overload]


def _pct(value: object, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{float(value):+.2f}%" if signed else f"{float(value):.2f}%"  # type: ignore[arg-type]


def render_reconciliation(body: Mapping[str, object]) -> str:
    cur = str(body["currency"])
    rows = body["rows"]
    summary = body["summary"]
    assert isinstance(rows, list) and isinstance(summary, dict)
    cells = [
        [
            str(r["account"]) or "(no resource)", str(r["meter"]), str(r["tokenKind"] or "unknown"),
            money_text(r["cost"], cur), _pct(r["coveragePct"]), _count(r["billedTokens"]),
            _count(r["observedTokens"]), _count(r["sideBilledTokens"]),
            _count(r["sideObservedTokens"]), _pct(r["variancePct"], signed=True),
            "FLAG" if r["flagged"] else "",
        ]
        for r in rows
    ]  # fmt: skip
    lines = [
        f"Reconciliation for {body['period']} ({body['costType']} cost, {cur}): billed vs "
        f"observed tokens, flagged beyond +{float(body['tolerancePct']):.2f}%",  # type: ignore[arg-type]
        "",
        *text_table(HEADERS, cells, right={3, 4, 5, 6, 7, 8, 9}),
        "",
        render_summary(body),
    ]
    return "\n".join(lines)


def render_summary(body: Mapping[str, object]) -> str:
    """One line: rows, flagged rows, cost and how much of it usage allocated."""
    cur, summary = str(body["currency"]), body["summary"]
    assert isinstance(summary, dict)
    return (
        f"{summary['rows']} rows, {summary['flaggedRows']} flagged; cost "
        f"{money_text(summary['cost'], cur)}, allocated {money_text(summary['allocatedCost'], cur)}"
        f" (coverage {_pct(summary['coveragePct'])})"
    )
