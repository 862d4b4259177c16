"""The demo's pipeline without its printing: the sample tenant's files collected, its use cases
applied, its caller telemetry and outcomes collected from the local Log Analytics double
(loopback HTTPS), the summarizer's outcomes pushed (the late ones too), the period allocated and
its targets evaluated, into the (empty) storage at a connection string. The load test, the HTTP
benchmark and the contract tests run it; `demo` itself narrates the same steps."""

from __future__ import annotations

from pathlib import Path

from shared.bootstrap import Container
from shared.core.period import midnight_utc
from shared.demo.logs_double import StaticCredential, running_logs_api
from shared.demo.sample_tenant import SampleTenant, generate
from shared.demo.sample_tenant_telemetry import generate_telemetry, split_late
from shared.demo.sample_use_cases import SUMMARIZER, write_use_cases
from shared.entrypoints.cli.commands.apply import read_definitions
from shared.entrypoints.cli.commands.demo import DEMO_PERIOD
from shared.entrypoints.cli.outcomes_file import read_outcomes_file
from shared.settings import APIM_WORKSPACE_ID, LOGS_ENDPOINT, STORAGE, Settings


def allocate_sample(out: Path, connection_string: str) -> tuple[SampleTenant, Container]:
    """The sample tenant written to `out` and taken through the demo's pipeline; the container
    the pipeline used (its settings: that storage and the logs double, no Event Grid topic)."""
    tenant = generate(out, DEMO_PERIOD)
    telemetry = generate_telemetry(tenant)
    definitions = write_use_cases(out)
    with running_logs_api(telemetry.workspaces()) as logs:
        env = {
            STORAGE: connection_string,
            LOGS_ENDPOINT: logs.base_url,
            APIM_WORKSPACE_ID: telemetry.workspace_id,
        }
        parts = Container(
            Settings.from_env(env), credential=StaticCredential(), logs_transport=logs.transport
        )
        parts.file_collection(out).collect_all(
            tenant.period.window, midnight_utc(tenant.period.start)
        )
        parts.use_cases.apply(read_definitions(definitions))
        parts.telemetry_collection.collect_telemetry(tenant.period.window)
    on_time, late = split_late(read_outcomes_file(telemetry.outcomes_file))
    parts.outcomes.push_batch(SUMMARIZER, on_time)
    if parts.allocation_requests.drain().poisoned:
        raise RuntimeError("the sample period's allocation was poisoned")
    parts.outcomes.push_batch(SUMMARIZER, late)
    if parts.allocation_requests.drain().poisoned:
        raise RuntimeError("the sample period's re-evaluation was poisoned")
    return tenant, parts
