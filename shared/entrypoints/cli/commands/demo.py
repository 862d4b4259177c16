"""`demo [--out DIR] [--port N] [--no-serve]`: the whole pipeline on the bundled sample tenant.

Azurite, the sample tenant's files, collection, the allocation from the queue, the report as
text, then the API (until Ctrl-C).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from shared.core.costs import CostType
from shared.core.period import BillingPeriod, midnight_utc
from shared.core.views import PeriodQuery
from shared.entrypoints.cli.arguments import Subparsers
from shared.entrypoints.cli.commands.serve import DEFAULT_PORT, serve_api
from shared.entrypoints.cli.composition import container, views
from shared.entrypoints.cli.reconciliation_text import render_summary
from shared.entrypoints.cli.report_table import render_report, render_totals
from shared.settings import STORAGE

DEMO_PERIOD = BillingPeriod(2026, 10)


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "demo", help="run the whole pipeline on the bundled sample tenant"
    )
    parser.add_argument("--out", type=Path, help="where to write the sample tenant's files")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT,
        help=f"port of the API (default {DEFAULT_PORT})",
    )  # fmt: skip
    parser.add_argument("--no-serve", action="store_true", help="exit after printing the report")
    return parser


def run(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from shared.demo.azurite import running_azurite, sigterm_as_exit
    from shared.demo.sample_tenant import generate

    out = args.out or Path(tempfile.mkdtemp(prefix="aoai-sample-tenant-"))
    print("Starting Azurite (Table and Queue Storage emulator) ...", flush=True)
    cleanup = ExitStack()
    try:
        cleanup.enter_context(sigterm_as_exit())  # SIGTERM unwinds, and stops Azurite
        azurite = cleanup.enter_context(running_azurite())
        parts = container({STORAGE: azurite.connection_string})
        read_side = views(parts)  # builds the stores: the tables and queues exist from here
        tenant = generate(out, DEMO_PERIOD)
        print(f"Sample tenant for {tenant.period} written to {out}", flush=True)
        collected = parts.file_collection(out).collect_all(
            tenant.period.window, midnight_utc(tenant.period.start)
        )
        print(
            f"Collected {collected.cost_lines} cost lines, {collected.usage_records} usage "
            f"records and {collected.deployments} deployments into Table Storage",
            flush=True,
        )
        drained = parts.allocation_requests.drain()  # as the queue trigger, past bad ones
        print(f"Allocated from the queue: {', '.join(sorted({str(p) for p in drained.periods}))}")
        print("".join(f"Poisoned: {bad.error_type}: {bad.reason}\n" for bad in drained.poisoned))
        # A demo period that was not allocated is NotFound: one line and exit 2.
        print(render_report(read_side.unit_costs(PeriodQuery(tenant.period, CostType.AMORTIZED))))
        print(render_totals(read_side.unit_costs(PeriodQuery(tenant.period, CostType.ACTUAL))))
        checked = read_side.reconciliation(PeriodQuery(tenant.period, CostType.ACTUAL))
        summary = render_summary(checked)
        print(f"Reconciliation of billed and observed tokens (actual cost): {summary}")
        if args.no_serve:
            return 0
        base = f"http://127.0.0.1:{args.port}"
        print(f"\nAPI served at {base}/api/unit-costs?period={tenant.period}")
        print(f"  one deployment: {base}/api/deployments/<key>/unit-costs?period={tenant.period}")
        print(f"  health: {base}/api/health   docs: {base}/api/docs   (Ctrl-C to stop)", flush=True)
        serve_api(read_side, args.port, parts.use_cases)
        return 0
    finally:
        cleanup.close()
