"""`apply --file FILE`: validate a use-case definitions file whole, then store it."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from pathlib import Path

from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container
from shared.errors import InvalidInput
from shared.services.use_cases import ApplyReport

DESCRIPTION = """Validate a definitions file ({"useCases": [...], "targets": [...]},
docs/use-cases.md, docs/targets.md) and store it. The file replaces the stored sets exactly: a use
case (a target) absent from the file is deleted (without a `targets` key the targets are kept),
and applying the same file again writes nothing. The whole file is checked first (every bad field
is named, one line each, exit status 2) and a refused file stores nothing."""


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "apply",
        help="store the use-case definitions of a file (replaces the stored set exactly)",
        description=DESCRIPTION,
        epilog=examples("apply --file use-cases.json"),
    )
    parser.add_argument("--file", required=True, type=Path, help="the definitions file (JSON)")
    return parser


def run(args: argparse.Namespace) -> int:
    document = read_definitions(args.file)  # a bad file fails before any storage call
    report = container().use_cases.apply(document)
    if not report.changed:
        print(f"use cases: {len(report.unchanged)} unchanged, nothing written")
        return 0
    print(f"use cases: {_counts(report)}")
    if report.targets is not None:
        print(f"targets: {_counts(report.targets)}")
    return 0


def _counts(report: ApplyReport) -> str:
    created, updated, deleted, unchanged = (
        len(names) for names in (report.created, report.updated, report.deleted, report.unchanged)
    )
    return f"{created} created, {updated} updated, {deleted} deleted, {unchanged} unchanged"


def read_definitions(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("--file", f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text, parse_float=Decimal)  # thresholds read exactly from the text
    except ValueError as exc:
        raise InvalidInput("--file", f"{path} is not JSON: {exc}") from None
