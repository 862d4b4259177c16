"""A plain-text report of one period's unit costs view: per-deployment unit costs and unallocated
cost.

Money is shown exactly as the view holds it (already rounded by shared/core/rounding.py, so the
lines add up to the totals); nothing is summed or rounded again here. Unit costs are shown to six
decimals of the JSON number the API serves for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from shared.core.views import API_NAMES, DeploymentCostView, PeriodUnitCostsView

HEADERS = ["account", "deployment", "model", "sku", "cost", "input tokens", "output tokens",
           "requests", "cost/1K tokens", "cost/request", "PTU idle"]  # fmt: skip


def money_text(value: Decimal, currency: str) -> str:
    """A cent amount as shown, e.g. `18,576.02 USD`."""
    return f"{value:,.2f} {currency}"


def _unit(value: Decimal | None) -> str:
    return "-" if value is None else f"{float(value):.6f}"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Aligned text columns (the `right` ones right-aligned) under a header and a rule."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))  # fmt: skip

    return [fmt(headers), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)]


def _idle(dep: DeploymentCostView, currency: str) -> str:
    """The idle part of a deployment's provisioned cost, when it has any and Azure measured it."""
    idle = dep.provisioned_idle_cost
    return "-" if idle is None or not dep.provisioned_cost else money_text(idle, currency)


def _cells(d: DeploymentCostView, currency: str) -> list[str]:
    return [
        d.account, d.deployment, f"{d.model} {d.model_version}", d.sku,
        money_text(d.cost, currency), f"{d.input_tokens:,}", f"{d.output_tokens:,}",
        f"{d.requests:,}", _unit(d.cost_per_1k_tokens), _unit(d.cost_per_request),
        _idle(d, currency),
    ]  # fmt: skip


def render_report(view: PeriodUnitCostsView) -> str:
    cur = view.currency
    rows = [_cells(d, cur) for d in sorted(view.deployments, key=lambda d: -d.cost)]
    lines = [f"Unit costs for {view.period} ({API_NAMES[view.cost_type]} cost, {cur})", ""]
    lines += text_table(HEADERS, rows, right={4, 5, 6, 7, 8, 9, 10})
    lines += ["", "Unallocated by reason:"]
    if not view.unallocated_lines:
        lines.append("  (none)")
    for item in view.unallocated_lines:
        account = item.account_id.rsplit("/", 1)[-1] or "(no resource)"
        money = money_text(item.cost, cur)
        lines.append(f"  {item.reason.value:<24} {money:>16}  {item.meter}  on {account}")
    lines += ["", f"Billed {_split(view)}"]
    return "\n".join(lines)


def _split(view: PeriodUnitCostsView) -> str:
    """`X = allocated Y + unallocated Z`: the view's totals, which add up to the cent."""
    cur, totals = view.currency, view.totals
    return (
        f"{money_text(totals.billed, cur)}"
        f" = allocated {money_text(totals.allocated, cur)}"
        f" + unallocated {money_text(totals.unallocated, cur)}"
    )


def render_totals(view: PeriodUnitCostsView) -> str:
    """One line: a period's billed, allocated and unallocated cost in one price basis."""
    return f"{API_NAMES[view.cost_type]} cost for {view.period}: billed {_split(view)}"
