"""`prices [--endpoint URL]`: refresh the meter catalogue from the Retail Prices API."""

from __future__ import annotations

import argparse

from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "prices",
        help="refresh the meter catalogue from the Retail Prices API",
        epilog=examples("prices", "prices --endpoint https://prices.azure.com/api/retail/prices"),
    )
    parser.add_argument("--endpoint", help="Retail Prices API base URL (default: the setting)")
    return parser


def run(args: argparse.Namespace) -> int:
    parts = container()
    service = parts.price_refresh_from(args.endpoint) if args.endpoint else parts.price_refresh
    report = service.refresh()
    print(f"retail prices: {report.items} items stored, changed: {report.changed}")
    return 0
