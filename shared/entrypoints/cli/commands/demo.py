"""`demo [--out DIR] [--port N] [--no-serve]`: the whole pipeline on the bundled sample tenant.

Azurite, the sample tenant's files, collection, the demo's use cases, the caller telemetry and
outcomes from a local Log Analytics double (HTTPS on loopback, its own CA, a static token: never
Azure), the summarizer's pushed outcomes, the allocation from the queue, the report as text with
each use case's cost per outcome and the showback by owner, the unit-cost targets evaluated by
the allocation (state, observed value, threshold, drivers) and the CloudEvents they would send
(none is sent: no EVENTGRID_TOPIC_ENDPOINT), the top savings findings and one what-if per kind
(another model, deployment type, Batch, provisioned throughput), then the API (until Ctrl-C).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from shared.core.costs import CostType
from shared.core.period import BillingPeriod, midnight_utc
from shared.core.views import API_NAMES, PeriodQuery
from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.commands.apply import read_definitions
from shared.entrypoints.cli.commands.insights import render_insights
from shared.entrypoints.cli.commands.plan import render_plan
from shared.entrypoints.cli.commands.serve import DEFAULT_PORT, serve_api
from shared.entrypoints.cli.commands.what_if import render_what_if
from shared.entrypoints.cli.composition import views
from shared.entrypoints.cli.economics_text import render_showback, render_use_case
from shared.entrypoints.cli.outcomes_file import read_outcomes_file
from shared.entrypoints.cli.reconciliation_text import render_summary
from shared.entrypoints.cli.report_table import render_report, render_totals
from shared.entrypoints.cli.targets_text import render_events, render_targets
from shared.settings import APIM_WORKSPACE_ID, LOGS_ENDPOINT, STORAGE, Settings

DEMO_PERIOD = BillingPeriod(2026, 10)
DEMO_TOP_FINDINGS = 5
# One what-if per kind: (kind, deployment, model, ARM SKU, reservation).
DEMO_WHAT_IFS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("another model", "chat-prod", "gpt-4o-mini", None, None),
    ("another deployment type", "mini-regional", "gpt-4o-mini", "GlobalStandard", None),
    ("Batch", "assistant-mini", "gpt-4o-mini", "GlobalBatch", None),
    ("provisioned throughput", "chat-prod", "gpt-4o", "GlobalProvisionedManaged", "1m"),
)


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole pipeline on the bundled sample tenant",
        description=__doc__,
        epilog=examples("demo", "demo --no-serve --out /tmp/sample-tenant", "demo --port 8081"),
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

    from shared.bootstrap import Container
    from shared.demo.azurite import running_azurite, sigterm_as_exit
    from shared.demo.logs_double import StaticCredential, running_logs_api
    from shared.demo.sample_tenant import generate
    from shared.demo.sample_tenant_telemetry import generate_telemetry, split_late
    from shared.demo.sample_use_cases import (
        AT_RISK_TARGET,
        SUMMARIZER,
        live_use_case_names,
        planned_names,
        target_ids,
        write_use_cases,
    )

    out = args.out or Path(tempfile.mkdtemp(prefix="aoai-sample-tenant-"))
    print("Starting Azurite (Table and Queue Storage emulator) ...", flush=True)
    cleanup = ExitStack()
    try:
        cleanup.enter_context(sigterm_as_exit())  # SIGTERM unwinds, and stops Azurite
        azurite = cleanup.enter_context(running_azurite())
        tenant = generate(out, DEMO_PERIOD)
        telemetry = generate_telemetry(tenant)  # writes outcomes/summarizer.csv
        definitions = write_use_cases(out)
        print(f"Sample tenant for {tenant.period} written to {out}", flush=True)
        with running_logs_api(telemetry.workspaces()) as logs:
            settings = Settings.from_env(
                {
                    STORAGE: azurite.connection_string,
                    LOGS_ENDPOINT: logs.base_url,
                    APIM_WORKSPACE_ID: telemetry.workspace_id,
                }
            )
            # A static token, and a transport trusting the double's own CA only.
            credential = StaticCredential()
            parts = Container(settings, credential=credential, logs_transport=logs.transport)
            read_side = views(parts)  # builds the stores: the tables and queues exist from here
            collected = parts.file_collection(out).collect_all(
                tenant.period.window, midnight_utc(tenant.period.start)
            )
            print(
                f"Collected {collected.cost_lines} cost lines, {collected.usage_records} usage "
                f"records and {collected.deployments} deployments into Table Storage",
                flush=True,
            )
            document = read_definitions(definitions)
            applied = parts.use_cases.apply(document)
            names = ", ".join(applied.created + applied.updated + applied.unchanged)
            print(f"Applied the use cases of {definitions}: {names}", flush=True)
            if applied.targets is not None:
                t = applied.targets
                ids = ", ".join(t.created + t.updated + t.unchanged)
                print(f"Applied the targets of {definitions}: {ids}", flush=True)
            print(f"Log Analytics workspace double at {logs.base_url} (APIM gateway logs of "
                  f"{telemetry.deployment}, the support bot's events)", flush=True)  # fmt: skip
            logged = parts.telemetry_collection.collect_telemetry(tenant.period.window)
        print(
            f"Collected {logged.caller_records} caller records (APIM subscriptions and products) "
            f"and {logged.outcome_days} days of outcomes from Log Analytics",
            flush=True,
        )
        print("".join(f"Telemetry: {line}\n" for line in logged.notes + logged.failures), end="")
        # The portal sends most summary events on time; the rest arrive after the allocation.
        on_time, late = split_late(read_outcomes_file(telemetry.outcomes_file))
        pushed = parts.outcomes.push_batch(SUMMARIZER, on_time)
        print(
            f"Pushed the outcomes of {SUMMARIZER} from {telemetry.outcomes_file}: "
            f"{len(pushed.accepted)} events stored, {len(pushed.repeated)} already stored "
            f"({len(late.events)} more arrive late)",
            flush=True,
        )
        drained = parts.allocation_requests.drain()  # as the queue trigger, past bad ones
        print(f"Allocated from the queue: {', '.join(sorted({str(p) for p in drained.periods}))}")
        print("".join(f"Poisoned: {bad.error_type}: {bad.reason}\n" for bad in drained.poisoned))
        # A demo period that was not allocated is NotFound: one line and exit 2.
        amortized = PeriodQuery(tenant.period, CostType.AMORTIZED)
        print(render_report(read_side.unit_costs(amortized)))
        print(render_totals(read_side.unit_costs(PeriodQuery(tenant.period, CostType.ACTUAL))))
        checked = read_side.reconciliation(PeriodQuery(tenant.period, CostType.ACTUAL))
        summary = render_summary(checked)
        print(f"Reconciliation of billed and observed tokens (actual cost): {summary}")
        # The queue drain evaluated the targets after each allocation; their status as stored.
        statuses = [parts.targets.status(t) for t in target_ids(document)]
        print("\n" + render_targets(statuses, tenant.period))
        # The late summaries: pushing them enqueues the period, and its targets are evaluated
        # again (the allocation is unchanged): the drivers say what moved since the evaluation.
        pushed_late = parts.outcomes.push_batch(SUMMARIZER, late)
        again = parts.allocation_requests.drain()
        print(
            f"\nLate outcomes of {SUMMARIZER}: {len(pushed_late.accepted)} events stored; "
            f"evaluated again: {', '.join(sorted({str(p) for p in again.periods}))}",
            flush=True,
        )
        statuses = [parts.targets.status(t) for t in target_ids(document)]
        print("\n" + render_targets(statuses, tenant.period, "evaluated again after them"))
        for name in live_use_case_names(document):  # in the file's order (planned: no cost)
            print("\n" + render_use_case(parts.economics.use_case(name, amortized)))
        for name in planned_names(document):  # the plans: ranked, and planned vs actual
            plan = parts.plans.plan(name, str(tenant.period), API_NAMES[CostType.AMORTIZED])
            print("\n" + render_plan(plan), flush=True)
        print("\n" + render_showback(parts.economics.showback(amortized, "owner")), flush=True)
        pending = parts.stores.target_status.pending()
        print("\n" + render_events(pending, settings.eventgrid_topic_endpoint), flush=True)
        print("\n" + render_insights(parts.insights.run(amortized), DEMO_TOP_FINDINGS))
        report = read_side.unit_costs(amortized)
        for kind, name, model, sku, reservation in DEMO_WHAT_IFS:
            found = next(d for d in report.deployments if d.deployment == name)
            what = parts.what_if.run(found.key, amortized, model, None, sku, None, reservation)
            print(f"\nWhat-if, {kind}:\n{render_what_if(what)}", flush=True)
        if args.no_serve:
            return 0
        base = f"http://127.0.0.1:{args.port}"
        period = tenant.period
        print(f"\nDashboard: {base}/api/dashboard?period={period}   API docs: {base}/api/docs")
        print(f"API served at {base}/api/unit-costs?period={period}")
        print(f"  allocated periods: {base}/api/periods   tenant per day: "
              f"{base}/api/daily?period={period}")  # fmt: skip
        print(f"  FOCUS 1.3 export: {base}/api/exports/focus?period={period}")
        print(f"  one deployment: {base}/api/deployments/<key>/unit-costs?period={period}")
        print(f"  a use case: {base}/api/use-cases/support-bot/unit-costs?period={period}")
        print(f"  showback: {base}/api/showback?period={period}&by=owner")
        print(f"  savings findings: {base}/api/insights?period={period}")
        print(f"  targets: {base}/api/targets   a target's status: "
              f"{base}/api/targets/{AT_RISK_TARGET}/status")  # fmt: skip
        print(f"  health: {base}/api/health   (Ctrl-C to stop)", flush=True)
        serve_api(parts, args.port)
        return 0
    finally:
        cleanup.close()
