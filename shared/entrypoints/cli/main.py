"""Command line: `python -m shared.cli demo|collect|allocate|prices|serve`.

The same services as the Functions triggers, for demos, backfills and operations.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from shared.bootstrap import (
    Stores,
    build_allocation,
    build_allocation_requests,
    build_stores,
)
from shared.core.costs import CostType
from shared.core.period import BillingPeriod, DateWindow, midnight_utc
from shared.errors import FinOpsError, NoData, NotFound, StorageUnavailable
from shared.settings import STORAGE, Settings

DEMO_PERIOD = BillingPeriod(2026, 10)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Warnings (duplicate export rows, refused sources) are one line each on stderr.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except StorageUnavailable as exc:  # one line, no traceback: the adapters translate outages
        print(f"error: {exc}: start Azurite or check {STORAGE}", file=sys.stderr)
        return 2
    except FinOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.cli", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="command")

    demo = sub.add_parser("demo", help="run the whole pipeline on the bundled sample tenant")
    demo.add_argument("--out", type=Path, help="where to write the sample tenant's files")
    demo.add_argument("--port", type=int, default=8080, help="port of the API (default 8080)")
    demo.add_argument("--no-serve", action="store_true", help="exit after printing the report")
    demo.set_defaults(run=_demo)

    collect = sub.add_parser("collect", help="collect costs, usage and inventory for a window")
    collect.add_argument("--since", type=_day, required=True, help="first day, YYYY-MM-DD")
    collect.add_argument("--until", type=_day, required=True, help="last day (included)")
    collect.add_argument(
        "--from-files", type=Path, help="a folder of export files instead of Azure"
    )
    collect.add_argument(
        "--allow-shrink",
        action="store_true",
        help="store a source's answer even when it has far fewer rows than are stored "
        "for the window (deleted deployments, a corrected export)",
    )
    collect.set_defaults(run=_collect)

    allocate = sub.add_parser("allocate", help="allocate one billing period")
    allocate.add_argument("--period", type=_period, required=True, help="YYYY-MM")
    allocate.set_defaults(run=_allocate)

    reconcile = sub.add_parser("reconcile", help="billed vs observed tokens of an allocated period")
    reconcile.add_argument("--period", required=True, help="YYYY-MM")
    reconcile.add_argument("--cost-type", help="actual or amortized (default: as the API)")
    reconcile.set_defaults(run=_reconcile)

    prices = sub.add_parser("prices", help="refresh the meter catalogue from the Retail Prices API")
    prices.add_argument("--endpoint", help="Retail Prices API base URL (default: the setting)")
    prices.set_defaults(run=_prices)

    serve = sub.add_parser("serve", help="serve the HTTP API on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(run=_serve)
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def _period(text: str) -> BillingPeriod:
    try:
        return BillingPeriod.parse(text)
    except FinOpsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _collect(args: argparse.Namespace) -> int:
    from shared.bootstrap import file_collection, live_collection

    settings = Settings.from_env()
    stores = build_stores(settings)
    window = DateWindow.inclusive(args.since, args.until)
    if args.from_files:
        service = file_collection(stores, args.from_files)
        taken_at = midnight_utc(window.start)
    else:
        service = live_collection(settings, stores)
        taken_at = datetime.now(UTC)
    report = service.collect_all(window, taken_at, allow_shrink=args.allow_shrink)
    changed = ", ".join(sorted(map(str, report.changed_periods))) or "none"
    print(
        f"collected {report.cost_lines} cost lines, {report.usage_records} usage records, "
        f"{report.deployments} deployments; periods enqueued for allocation: {changed}"
    )
    return 0


def _allocate(args: argparse.Namespace) -> int:
    from shared.services.allocation import AllocationStatus

    stores = build_stores(Settings.from_env())
    outcome = build_allocation(stores).allocate(args.period)
    if outcome.status is AllocationStatus.NO_DATA:
        raise NoData(f"{outcome.period}: {outcome.detail}: run collect for it first")
    if outcome.status is AllocationStatus.DEFERRED:
        raise NoData(f"{outcome.period}: {outcome.detail}; it was put back on the queue")
    for result in outcome.results:
        print(f"{outcome.period} {result}")
    return 0


def _prices(args: argparse.Namespace) -> int:
    from shared.bootstrap import build_price_refresh

    settings = Settings.from_env()
    report = build_price_refresh(settings, build_stores(settings), args.endpoint).refresh()
    print(f"retail prices: {report.items} items stored, changed: {report.changed}")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from shared.entrypoints.cli.reconciliation_text import render_reconciliation
    from shared.entrypoints.http.app import parse_query
    from shared.entrypoints.http.reconciliation_presenter import present_reconciliation

    period, cost_type = parse_query(args.period, args.cost_type)
    found = build_stores(Settings.from_env()).results.reconciliation(period, cost_type)
    if found is None:
        raise NotFound("period", f"{period} ({cost_type.value}) has not been reconciled")
    print(render_reconciliation(present_reconciliation(found)))
    return 0


def _serve(args: argparse.Namespace) -> int:
    stores = build_stores(Settings.from_env())
    _run_api(stores, args.port)
    return 0


def _run_api(stores: Stores, port: int) -> None:
    import uvicorn

    from shared.entrypoints.http.app import create_app

    uvicorn.run(
        create_app(lambda: stores.results, reconciliations=lambda: stores.results),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )


def _demo(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from shared.bootstrap import file_collection
    from shared.demo.azurite import running_azurite, sigterm_as_exit
    from shared.demo.sample_tenant import generate
    from shared.entrypoints.cli.reconciliation_text import render_summary
    from shared.entrypoints.cli.report_table import render_report, render_totals
    from shared.entrypoints.http.presenter import present_period
    from shared.entrypoints.http.reconciliation_presenter import present_reconciliation

    out = args.out or Path(tempfile.mkdtemp(prefix="aoai-sample-tenant-"))
    print("Starting Azurite (Table and Queue Storage emulator) ...", flush=True)
    cleanup = ExitStack()
    try:
        cleanup.enter_context(sigterm_as_exit())  # SIGTERM unwinds, and stops Azurite
        azurite = cleanup.enter_context(running_azurite())
        stores = build_stores(Settings.from_env({"AzureWebJobsStorage": azurite.connection_string}))
        tenant = generate(out, DEMO_PERIOD)
        print(f"Sample tenant for {tenant.period} written to {out}", flush=True)
        collected = file_collection(stores, out).collect_all(
            tenant.period.window, midnight_utc(tenant.period.start)
        )
        print(
            f"Collected {collected.cost_lines} cost lines, {collected.usage_records} usage "
            f"records and {collected.deployments} deployments into Table Storage",
            flush=True,
        )
        drained = build_allocation_requests(stores).drain()  # as the queue trigger, past bad ones
        print(f"Allocated from the queue: {', '.join(sorted({str(p) for p in drained.periods}))}")
        print("".join(f"Poisoned: {bad.error_type}: {bad.reason}\n" for bad in drained.poisoned))
        showback = stores.results.report(tenant.period, CostType.AMORTIZED)
        invoice = stores.results.report(tenant.period, CostType.ACTUAL)
        assert showback and invoice, "the demo period was not allocated"
        print(render_report(present_period(showback)))
        print(render_totals(present_period(invoice)))
        checked = stores.results.reconciliation(tenant.period, CostType.ACTUAL)
        if checked is not None:
            summary = render_summary(present_reconciliation(checked))
            print(f"Reconciliation of billed and observed tokens (actual cost): {summary}")
        if args.no_serve:
            return 0
        base = f"http://127.0.0.1:{args.port}"
        print(f"\nAPI served at {base}/api/unit-costs?period={tenant.period}")
        print(f"  one deployment: {base}/api/deployments/<key>/unit-costs?period={tenant.period}")
        print(f"  health: {base}/api/health   docs: {base}/api/docs   (Ctrl-C to stop)", flush=True)
        _run_api(stores, args.port)
        return 0
    finally:
        cleanup.close()


if __name__ == "__main__":
    raise SystemExit(main())
