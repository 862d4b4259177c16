"""`reconcile --period YYYY-MM [--cost-type actual|amortized]`: billed vs observed tokens."""

from __future__ import annotations

import argparse

from shared.core.views import PeriodQuery
from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container, views
from shared.entrypoints.cli.reconciliation_text import render_reconciliation


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "reconcile",
        help="billed vs observed tokens of an allocated period",
        epilog=examples("reconcile --period 2026-10 --cost-type actual"),
    )
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--cost-type", help="actual or amortized (default: as the API)")
    return parser


def run(args: argparse.Namespace) -> int:
    query = PeriodQuery.parse(args.period, args.cost_type)  # named as the API names them
    print(render_reconciliation(views(container()).reconciliation(query)))
    return 0
