"""The real HTTP API (every part, `from_container`) over the demo tenant as `make demo` leaves it
in Azurite: its files collected, its use cases and targets applied, its caller telemetry and
outcomes collected from the local Log Analytics double (loopback HTTPS), the summarizer's
outcomes pushed (the late ones too), 2026-10 allocated and the targets evaluated. Settings come
from an explicit mapping (not the environment): storage and the logs double, both on loopback;
no Event Grid topic, so no event leaves the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from shared.bootstrap import Container
from shared.core.period import midnight_utc
from shared.demo.logs_double import StaticCredential, running_logs_api
from shared.demo.sample_tenant import SampleTenant, generate
from shared.demo.sample_tenant_telemetry import generate_telemetry, split_late
from shared.demo.sample_use_cases import SUMMARIZER, write_use_cases
from shared.entrypoints.cli.commands.apply import read_definitions
from shared.entrypoints.cli.commands.demo import DEMO_PERIOD
from shared.entrypoints.cli.outcomes_file import read_outcomes_file
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import from_container
from shared.settings import APIM_WORKSPACE_ID, LOGS_ENDPOINT, STORAGE, Settings


@dataclass(frozen=True)
class DemoApi:
    app: FastAPI
    container: Container
    tenant: SampleTenant

    def key_of(self, deployment: str) -> str:
        """A demo deployment's key (as /api/unit-costs shows it)."""
        (key,) = [d.key for d in self.tenant.deployments if d.name == deployment]
        return key


def allocated_demo(out: Path, connection_string: str) -> DemoApi:
    """The demo's pipeline into the (empty) storage at `connection_string`, and the API over it."""
    tenant = generate(out, DEMO_PERIOD)
    telemetry = generate_telemetry(tenant)
    definitions = write_use_cases(out)
    with running_logs_api(telemetry.workspaces()) as logs:
        env = {
            STORAGE: connection_string,
            LOGS_ENDPOINT: logs.base_url,
            APIM_WORKSPACE_ID: telemetry.workspace_id,
        }
        container = Container(
            Settings.from_env(env), credential=StaticCredential(), logs_transport=logs.transport
        )
        container.file_collection(out).collect_all(
            tenant.period.window, midnight_utc(tenant.period.start)
        )
        container.use_cases.apply(read_definitions(definitions))
        container.telemetry_collection.collect_telemetry(tenant.period.window)
    on_time, late = split_late(read_outcomes_file(telemetry.outcomes_file))
    container.outcomes.push_batch(SUMMARIZER, on_time)
    assert not container.allocation_requests.drain().poisoned
    container.outcomes.push_batch(SUMMARIZER, late)
    assert not container.allocation_requests.drain().poisoned
    # After this the API is the only writer (its PUT/DELETE/POST), as in the deployed app.
    return DemoApi(create_api(from_container(lambda: container)), container, tenant)
