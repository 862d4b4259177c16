"""`report --use-case NAME --period YYYY-MM [--cost-type]` and `report --showback BY --period`:
a use case's economics (cost per outcome, per member, coverage), or the period's showback."""

from __future__ import annotations

import argparse

from shared.core.views import PeriodQuery
from shared.entrypoints.cli.arguments import Subparsers
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.economics_text import render_showback, render_use_case


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report", help="a use case's cost per outcome, or the showback, of an allocated period"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--use-case", help="the use case's name")
    which.add_argument("--showback", metavar="BY", help="owner, costCenter or useCase")
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--cost-type", help="actual or amortized (default: as the API)")
    return parser


def run(args: argparse.Namespace) -> int:
    query = PeriodQuery.parse(args.period, args.cost_type)  # named as the API names them
    economics = container().economics
    if args.use_case:
        print(render_use_case(economics.use_case(args.use_case, query)))
    else:
        print(render_showback(economics.showback(query, args.showback)))
    return 0
