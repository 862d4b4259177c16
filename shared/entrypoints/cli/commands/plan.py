"""`plan --use-case NAME [--period YYYY-MM] [--cost-type actual|amortized]`: a use case's plan
priced for a period, its candidates ranked by cost per outcome, and planned vs actual once it is
live (as GET /api/use-cases/{name}/plan)."""

from __future__ import annotations

import argparse
from decimal import Decimal

from shared.core.plan_views import ComparisonView, PlanView, is_money
from shared.core.planned_use_cases import Measure
from shared.core.views import API_NAMES
from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.report_table import money_text, text_table
from shared.services.plans import plan_query
from shared.services.views import utc_today


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "plan",
        help="a use case's plan priced and ranked, and planned vs actual when live",
        epilog=examples(
            "plan --use-case contract-review", "plan --use-case support-bot --period 2026-10"
        ),
    )
    parser.add_argument("--use-case", required=True, help="the use case's name")
    parser.add_argument("--period", help="YYYY-MM (default: the current UTC month)")
    parser.add_argument("--cost-type", help="actual or amortized (default: as the API)")
    return parser


def run(args: argparse.Namespace) -> int:
    plan_query(args.period, args.cost_type, utc_today())  # bad input: one line, no storage
    service = container().plans
    print(render_plan(service.plan(args.use_case, args.period, args.cost_type)))
    return 0


def _unit(value: Decimal | None, currency: str) -> str:
    return "-" if value is None else f"{value:.6f} {currency}"


def _count(value: Decimal | None) -> str:
    if value is None:
        return "no data"
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def render_plan(view: PlanView) -> str:
    """The plan's traffic, the ranked candidates, then planned vs actual (or why there is none)
    and the assumptions."""
    cur, t = view.currency, view.traffic
    shape = " ".join(f"{w:g}" for w in t.weekday_shape)
    lines = [
        f"Plan of use case {view.use_case} ({view.status}; {view.owner}, {view.cost_center}), "
        f"{view.period} ({API_NAMES[view.cost_type]}), priced in {view.region}",
        f"  traffic: {_count(t.outcomes_per_day)} outcomes ({view.outcome_unit}) a day "
        f"(weekday shape Mon..Sun {shape}), {_count(t.requests_per_outcome)} requests each, "
        f"{_count(t.input_tokens_per_request)} input ({_count(t.cached_input_tokens_per_request)}"
        f" cached) and {_count(t.output_tokens_per_request)} output tokens a request",
        f"  {t.days} days: {_count(t.outcomes)} outcomes, {t.requests:,} requests, "
        f"{t.input_tokens:,} input tokens ({t.cached_input_tokens:,} cached), "
        f"{t.output_tokens:,} output tokens",
    ]
    rows = [
        [str(c.rank), c.label,
         "-" if c.cost is None else money_text(c.cost, cur),
         _unit(c.cost_per_outcome, cur), _unit(c.cost_per_request, cur),
         _unit(c.cost_per_1k_tokens, cur),
         "" if c.priced else f"unpriced ({c.field}): {c.reason}"]
        for c in view.candidates
    ]  # fmt: skip
    headers = ["#", "candidate", "cost", "per outcome", "per request", "per 1K tokens", ""]
    lines += ["", *(line.rstrip() for line in text_table(headers, rows, {0, 2, 3, 4, 5}))]
    compared = view.planned_vs_actual
    if compared is None:
        lines += ["", f"Planned vs actual: none ({view.planned_vs_actual_reason})"]
    else:
        lines += [
            "",
            f"Planned vs actual, {compared.first} to {compared.last} ({compared.days} days, "
            f"{compared.days_with_outcomes} with outcome data), planned as "
            f"{compared.candidate or '(no priced candidate)'}:",
        ]
        body = [_comparison(r, cur) for r in compared.rows]
        lines += text_table(["measure", "planned", "actual", "delta", "delta %"], body,
                            {1, 2, 3, 4})  # fmt: skip
    lines += ["Assumptions:", *(f"  - {a}" for a in view.assumptions)]
    return "\n".join(lines)


def _comparison(row: ComparisonView, currency: str) -> list[str]:
    def shown(value: Decimal | None) -> str:
        if value is None:
            return "no data"
        if not is_money(row.measure):
            return _count(value)
        return money_text(value, currency) if row.measure is Measure.COST else f"{value:.6f}"

    percent = "-" if row.delta_percent is None else f"{row.delta_percent:+.1f}%"
    delta = "-" if row.delta is None else shown(row.delta)
    return [row.measure.value, shown(row.planned), shown(row.actual), delta, percent]
