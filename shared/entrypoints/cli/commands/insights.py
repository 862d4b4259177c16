"""`insights --period YYYY-MM [--cost-type] [--type T[,T]] [--top N]`: the period's savings
findings, largest saving first, with their evidence and the what-if each is priced by (as
GET /api/insights)."""

from __future__ import annotations

import argparse
from urllib.parse import urlencode

from shared.core.insight_views import FindingView, InsightsView
from shared.core.views import API_NAMES, PeriodQuery
from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.report_table import money_text, text_table
from shared.errors import InvalidInput
from shared.services.insights import parse_types

DEFAULT_TOP = 10


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "insights",
        help="a period's savings findings, largest first",
        epilog=examples(
            "insights --period 2026-10 --top 5",
            "insights --period 2026-10 --type idle-ptu,cheaper-model --cost-type actual",
        ),
    )
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--cost-type", help="actual or amortized (default: as the API)")
    parser.add_argument("--type", help="only these finding types, comma-separated")
    parser.add_argument(
        "--top", default=str(DEFAULT_TOP), help=f"findings shown in full (default {DEFAULT_TOP})"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    query = PeriodQuery.parse(args.period, args.cost_type)  # named as the API names them
    types = parse_types(args.type)
    top = _top(args.top)
    print(render_insights(container().insights.run(query, types), top))
    return 0


def _top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput("top", f"expected a whole number of findings, got {text!r}") from None
    if value < 0:
        raise InvalidInput("top", f"must not be negative, got {value}")
    return value


def render_insights(view: InsightsView, top: int = DEFAULT_TOP) -> str:
    """A table of every finding, then the `top` ones with their evidence and what-if query."""
    cur = view.currency
    head = (
        f"Savings findings for {view.period} ({API_NAMES[view.cost_type]} cost, {cur}): "
        f"{len(view.findings)} over {view.deployments} deployments, up to "
        f"{money_text(view.upper_bound_saving, cur)} a month (each deployment's largest saving)"
    )
    if not view.findings:
        return f"{head}\n  no finding"
    rows = [
        [str(f.rank), f.type.value, f.deployment, money_text(f.monthly_saving, cur),
         f.confidence.value, f.title]
        for f in view.findings
    ]  # fmt: skip
    lines = [head, "", *text_table(["#", "type", "deployment", "saving/month", "confidence",
                                    "finding"], rows, {0, 3})]  # fmt: skip
    for finding in view.findings[:top]:
        lines += ["", *_details(finding)]
    return "\n".join(lines)


def _details(finding: FindingView) -> list[str]:
    lines = [f"{finding.rank}. {finding.title} ({finding.key})"]
    lines += [f"     {name}: {value}" for name, value in finding.evidence]
    if finding.what_if_query:
        lines.append(f"     priced by: what-if {urlencode(finding.what_if_query)}")
    return lines
