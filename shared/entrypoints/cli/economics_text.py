"""Use-case economics and the showback as plain text (the `report` command, the demo). Money is
shown as the views hold it (rounded once, summing to the totals); nothing is rounded again."""

from __future__ import annotations

from decimal import Decimal

from shared.core.economics_views import ShowbackView, UseCaseUnitCostsView
from shared.core.views import API_NAMES
from shared.entrypoints.cli.report_table import money_text, text_table


def _unit(value: Decimal | None, currency: str) -> str:
    return "-" if value is None else f"{float(value):.6f} {currency}"


def _count(value: int | None) -> str:
    return "no data" if value is None else f"{value:,}"


def render_use_case(view: UseCaseUnitCostsView) -> str:
    """A use case's period: the headline, its members, then its days."""
    cur = view.currency
    per_outcome = (
        _unit(view.cost_per_outcome, cur) if view.cost_per_outcome is not None else view.reason
    )
    c = view.coverage
    lines = [
        f"Use case {view.name} ({view.owner}, {view.cost_center}), {view.period} "
        f"({API_NAMES[view.cost_type]}, {view.status.status.value})",
        f"  cost {money_text(view.cost, cur)}; outcomes ({view.outcome_unit}): "
        f"{_count(view.outcomes)}; cost per {view.outcome_unit}: {per_outcome}",
        f"  cost per 1K tokens {_unit(view.cost_per_1k_tokens, cur)}, per request "
        f"{_unit(view.cost_per_request, cur)}; {view.input_tokens:,} input and "
        f"{view.output_tokens:,} output tokens, {view.requests:,} requests",
        f"  from whole deployments {money_text(c.allocated_cost, cur)}, from caller slices "
        f"{money_text(c.caller_split_cost, cur)}"
        + (
            f" (unattributed in the sliced deployments: {money_text(c.unattributed_cost, cur)})"
            if c.unattributed_cost is not None
            else ""
        )
        + f"; outcome data on {c.days_with_outcomes} of {c.days_with_cost} days with cost",
    ]
    rows = [
        [
            m.entry.deployment_id.rsplit("/", 1)[-1],
            ", ".join(f"{k.value}: {', '.join(n)}" for k, n in m.entry.callers) or "whole",
            money_text(m.cost, cur),
            f"{m.input_tokens + m.output_tokens:,}",
            f"{m.requests:,}",
        ]
        for m in view.members
    ]
    headers = ["deployment", "share", "cost", "tokens", "requests"]
    lines += ["", *text_table(headers, rows, {2, 3, 4})]
    return "\n".join(lines)


def render_showback(view: ShowbackView) -> str:
    """The period's bill by owner, cost center or use case, and the unassigned rest."""
    cur = view.currency
    u = view.unassigned
    rows = [[g.name, ", ".join(g.use_cases), money_text(g.cost, cur)] for g in view.groups]
    rows += [
        ["unassigned: no use case", "", money_text(u.no_use_case, cur)],
        ["unassigned: unclaimed callers", "", money_text(u.unclaimed_callers, cur)],
        ["unassigned: unattributed tokens", "", money_text(u.unattributed, cur)],
        ["unassigned: unallocated lines", "", money_text(u.unallocated, cur)],
        ["billed", "", money_text(view.totals.billed, cur)],
    ]
    head = f"Showback by {view.by.value}, {view.period} ({API_NAMES[view.cost_type]})"
    return "\n".join([head, *text_table([view.by.value, "use cases", "cost"], rows, {2})])
