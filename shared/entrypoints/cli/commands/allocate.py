"""`allocate --period YYYY-MM`: allocate one billing period now and evaluate its targets (as the
queue trigger does)."""

from __future__ import annotations

import argparse

from shared.entrypoints.cli.arguments import Subparsers, examples, period
from shared.entrypoints.cli.composition import container
from shared.errors import NoData
from shared.services.allocation import AllocationStatus


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "allocate",
        help="allocate one billing period",
        description="Allocate one billing period from its collected inputs now, publish it, then "
        "evaluate its targets (as the queue trigger does).",
        epilog=examples("allocate --period 2026-10"),
    )
    parser.add_argument("--period", type=period, required=True, help="YYYY-MM")
    return parser


def run(args: argparse.Namespace) -> int:
    parts = container()
    outcome = parts.allocation.allocate(args.period)
    if outcome.status is AllocationStatus.NO_DATA:
        raise NoData(f"{outcome.period}: {outcome.detail}: run collect for it first")
    if outcome.status is AllocationStatus.DEFERRED:
        raise NoData(f"{outcome.period}: {outcome.detail}; it was put back on the queue")
    for result in outcome.results:
        print(f"{outcome.period} {result}")
    evaluated = parts.target_evaluation.evaluate_period(args.period)  # as the queue trigger
    changes = ", ".join(
        f"{t.target_id} {t.previous.value if t.previous else 'new'} -> {t.state.value}"
        for t in evaluated.transitions
    )
    print(
        f"targets: {len(evaluated.evaluations)} evaluated, {len(evaluated.transitions)} changed"
        f"{f' ({changes})' if changes else ''}; events sent {evaluated.sent}, pending "
        f"{evaluated.pending}" + (f" ({evaluated.send_error})" if evaluated.send_error else "")
    )
    return 0
