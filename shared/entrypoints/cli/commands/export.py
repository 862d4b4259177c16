"""`export focus --period YYYY-MM --out FILE [--format csv]`: an allocated period's FOCUS 1.3
allocated export (docs/focus-export.md), the same file as GET /api/exports/focus."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.core.focus_export import FocusExport
from shared.core.money import ZERO, in_money_context
from shared.entrypoints.cli.arguments import Subparsers, examples, period
from shared.entrypoints.cli.composition import container

DESCRIPTION = """A period's FOCUS 1.3 Cost and Usage rows with data generator-calculated split
cost allocation: every bill line (the origin charge) as one row per deployment carrying a share
of it (AllocatedResourceId), plus the unallocated remainder (AllocatedResourceId empty);
BilledCost from the ActualCost allocation and EffectiveCost from the AmortizedCost one, on the
same row. Both price bases must be allocated. The file is written whole or not at all."""


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export",
        help="an allocated period as a FOCUS 1.3 file (allocated charges)",
        description=DESCRIPTION,
        epilog=examples("export focus --period 2026-10 --out focus-2026-10.csv"),
    )
    parser.add_argument("dataset", choices=["focus"], help="focus: FOCUS 1.3 Cost and Usage")
    parser.add_argument("--period", type=period, required=True, help="YYYY-MM")
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--format", choices=["csv"], default="csv", help="csv (the default)")
    return parser


def run(args: argparse.Namespace) -> int:
    found = container().exports.focus_file(args.period, args.format)
    out: Path = args.out
    partial = out.with_name(out.name + ".partial")
    partial.write_text(found.text, encoding="utf-8", newline="")
    partial.replace(out)  # a reader of `out` never sees half a file
    print(f"{out}: {found.rows} rows; {summary(found.export)}")
    return 0


@in_money_context
def summary(export: FocusExport) -> str:
    """The file's exact totals: BilledCost and EffectiveCost, and their unallocated parts."""
    charges, rest = export.charges, [c for c in export.charges if c.is_remainder]
    billed = sum((c.billed_cost for c in charges), ZERO)
    effective = sum((c.effective_cost for c in charges), ZERO)
    billed_rest = sum((c.billed_cost for c in rest), ZERO)
    effective_rest = sum((c.effective_cost for c in rest), ZERO)
    return (
        f"BilledCost {billed:f} (unallocated {billed_rest:f}), EffectiveCost {effective:f} "
        f"(unallocated {effective_rest:f}) {export.currency}"
    )
