"""`outcomes --use-case NAME --file F`: push a use case's outcomes from a file, as the API does."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.outcomes_file import read_outcomes_file

DESCRIPTION = """Push the outcomes of a use case whose outcome source is `push`, from a CSV file
with the columns id,date,count (or JSON in the API's shape {"outcomes": [...]}). Idempotent by
id: an event already stored is counted once; an id stored with another date or count is refused,
and then nothing of the file is stored. Every bad row is named, one line each, exit status 2."""


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "outcomes",
        help="push a use case's outcomes from a file",
        description=DESCRIPTION,
        epilog=examples("outcomes --use-case summarizer --file summaries.csv"),
    )
    parser.add_argument("--use-case", required=True, help="the use case's name")
    parser.add_argument("--file", required=True, type=Path, help="CSV (id,date,count) or JSON")
    return parser


def run(args: argparse.Namespace) -> int:
    batch = read_outcomes_file(args.file)  # a bad file fails before any storage call
    report = container().outcomes.push_batch(args.use_case, batch)
    print(
        f"outcomes of {args.use_case}: {len(report.accepted)} events stored, "
        f"{len(report.repeated)} already stored"
    )
    return 0
