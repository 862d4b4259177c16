"""`report --period YYYY-MM [--by deployment|use-case|owner] [--format table|json|csv]
[--cost-type]`: an allocated period's unit costs, use-case economics or showback by owner; and
`report --use-case NAME --period` (a use case's cost per outcome, per member and coverage) and
`report --showback BY --period` (owner, costCenter or useCase), as plain text by default."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from shared.core.views import PeriodQuery
from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.economics_text import render_showback, render_use_case
from shared.entrypoints.cli.report_formats import (
    ReportBy,
    ReportFormat,
    csv_text,
    json_text,
    showback_rows,
    unit_costs_rows,
    use_case_rows,
    use_cases_json,
)
from shared.entrypoints.cli.report_rich import (
    render,
    showback_tables,
    unit_costs_tables,
    use_cases_tables,
)
from shared.entrypoints.http.economics_presenter import showback_json, use_case_unit_costs_json
from shared.entrypoints.http.presenter import unit_costs_json

DESCRIPTION = """\
An allocated period's figures, as the API serves them. --by deployment (the default): each
deployment's cost, tokens and unit costs, and the unallocated lines; --by use-case: each use
case's cost, outcomes and cost per outcome, then the showback by use case; --by owner: the
showback by owner. Every money amount is the API's (rounded once, adding up to the billed
total). --format json prints the API's bodies; csv one row per line of the report, under a
header of the API's field names."""


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help="an allocated period's unit costs, use-case economics or showback",
        description=DESCRIPTION,
        epilog=examples(
            "report --period 2026-10",
            "report --period 2026-10 --by use-case --cost-type actual",
            "report --period 2026-10 --by owner --format csv > showback.csv",
            "report --period 2026-10 --format json",
            "report --use-case support-bot --period 2026-10",
            "report --showback costCenter --period 2026-10",
        ),
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--by",
        choices=[b.value for b in ReportBy],
        help="the rows: deployments (default), use cases, or owners",
    )
    which.add_argument("--use-case", metavar="NAME", help="one use case's economics, in full")
    which.add_argument(
        "--showback", metavar="BY", help="the showback by owner, costCenter or useCase"
    )
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--cost-type", help="actual or amortized (default: as the API)")
    parser.add_argument(
        "--format",
        choices=[f.value for f in ReportFormat],
        default=ReportFormat.TABLE.value,
        help="table (default), json (the API's bodies) or csv",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    query = PeriodQuery.parse(args.period, args.cost_type)  # named as the API names them
    fmt = ReportFormat(args.format)
    parts = container()
    if args.use_case:
        found = parts.economics.use_case(args.use_case, query)
        return _print(fmt, lambda: render_use_case(found), lambda: use_case_unit_costs_json(found),
                      lambda: use_case_rows([found]))  # fmt: skip
    if args.showback:
        view = parts.economics.showback(query, args.showback)
        return _print(fmt, lambda: render_showback(view), lambda: showback_json(view),
                      lambda: showback_rows(view))  # fmt: skip
    by = ReportBy(args.by or ReportBy.DEPLOYMENT)
    if by is ReportBy.DEPLOYMENT:
        costs = parts.views.unit_costs(query)
        return _print(fmt, lambda: render(unit_costs_tables(costs), sys.stdout),
                      lambda: unit_costs_json(costs), lambda: unit_costs_rows(costs))  # fmt: skip
    if by is ReportBy.OWNER:
        owners = parts.economics.showback(query, "owner")
        return _print(fmt, lambda: render(showback_tables(owners), sys.stdout),
                      lambda: showback_json(owners), lambda: showback_rows(owners))  # fmt: skip
    showback = parts.economics.showback(query, "useCase")
    use_cases = [parts.economics.use_case(g.name, query) for g in showback.groups]
    return _print(fmt, lambda: render(use_cases_tables(showback, use_cases), sys.stdout),
                  lambda: use_cases_json(showback, use_cases),
                  lambda: use_case_rows(use_cases))  # fmt: skip


def _print(
    fmt: ReportFormat,
    table: Callable[[], str | None],
    body: Callable[[], object],
    rows: Callable[[], list[dict[str, object]]],
) -> int:
    """Print the report in `fmt` (a table may print itself: then it returns None)."""
    if fmt is ReportFormat.JSON:
        print(json_text(body()))
    elif fmt is ReportFormat.CSV:
        sys.stdout.write(csv_text(rows()))
    else:
        text = table()
        if text is not None:
            print(text)
    return 0
