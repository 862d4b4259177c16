"""`ingest --manifest BLOB [--container NAME] [--allow-shrink]`: one Cost Management export run,
as the Event Grid trigger ingests it (docs/exports.md)."""

from __future__ import annotations

import argparse
import sys

from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "ingest",
        help="ingest one Cost Management export run by its manifest.json",
        description="Read an export run's manifest.json and every partition it lists from the "
        "export container (EXPORTS_CONTAINER at EXPORTS_BLOB_SERVICE_URI, or the storage "
        "account), check them, store its billing periods where it is the newest run, and "
        "enqueue them for allocation. A run missing a partition is refused: nothing stored.",
        epilog=examples(
            "ingest --manifest exports/focus/20261001-20261031/202611020312/<run-guid>/"
            "manifest.json",
            "ingest --container cost-exports --manifest <path>/manifest.json --allow-shrink",
        ),
    )
    parser.add_argument(
        "--manifest", required=True, help="the run's manifest.json, its path in the container"
    )
    parser.add_argument("--container", help="the export container (default: EXPORTS_CONTAINER)")
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="store the run even when it has far fewer lines than are stored for its days",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    service = container().export_ingestion(args.container)
    report = service.ingest(args.manifest, allow_shrink=args.allow_shrink)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    run_id = report.manifest.run_id
    for (period, basis), stored_run in report.ignored:
        print(
            f"note: {period} {basis.value}: run {stored_run} is stored and at least as new; "
            f"run {run_id} is ignored there",
            file=sys.stderr,
        )
    stored = ", ".join(f"{p} {b.value}" for p, b in report.fresh) or "nothing (no newer period)"
    changed = ", ".join(sorted(map(str, report.changed_periods))) or "none"
    print(
        f"ingested run {run_id} of export {report.manifest.export_name}: {report.cost_lines} "
        f"cost lines from {report.rows} rows, stored {stored}; periods enqueued for allocation: "
        f"{changed}"
    )
    return 0
