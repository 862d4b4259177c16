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
from shared.demo.sample_tenant import SampleTenant
from shared.entrypoints.cli.sample_pipeline import allocate_sample
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import from_container


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
    tenant, container = allocate_sample(out, connection_string)
    # After this the API is the only writer (its PUT/DELETE/POST), as in the deployed app.
    return DemoApi(create_api(from_container(lambda: container)), container, tenant)
