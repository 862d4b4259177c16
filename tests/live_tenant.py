"""Shared setup for tests of the live path: the sample tenant served by the HTTPS Azure double."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from shared.core.costs import CostLine, CostType
from shared.demo.log_analytics_workspace import LogsApi
from shared.demo.sample_tenant import SampleTenant, generate
from tests.doubles.arm import DoubleAccount
from tests.doubles.azure import AzureDouble
from tests.doubles.fixtures import RunningDouble


def serve_tenant(
    tmp: Path,
    serve_azure: Callable[[AzureDouble], RunningDouble],
    monkeypatch: pytest.MonkeyPatch,
    *,
    page_size: int = 200,
    logs: Callable[[SampleTenant], LogsApi] | None = None,
) -> tuple[SampleTenant, RunningDouble]:
    """Generate the sample tenant, serve it from the double (with the Log Analytics API `logs`
    makes of it, if given), and point the settings at both."""
    tenant = generate(tmp / "tenant")
    accounts = sorted({(d.account.id, d.account_location) for d in tenant.deployments})
    double = AzureDouble(
        costs=[*tenant.cost_lines, *tenant.amortized_lines],  # the double serves either basis
        deployments=tenant.deployments,
        usage=tenant.usage,
        accounts=[
            DoubleAccount(account_id, "AIServices", region) for account_id, region in accounts
        ],
        page_size=page_size,
        logs=logs(tenant) if logs else None,
    )
    running = serve_azure(double)
    subscriptions = sorted({d.account.subscription_id for d in tenant.deployments})
    monkeypatch.setenv("COST_SCOPES", ",".join(f"/subscriptions/{s}" for s in subscriptions))
    monkeypatch.setenv("ARM_ENDPOINT", running.arm_endpoint)
    monkeypatch.setenv("METRICS_ENDPOINT", running.metrics_endpoint)
    return tenant, running


def seen_at_subscription_scope(tenant: SampleTenant, basis: CostType) -> list[CostLine]:
    """The tenant's lines a subscription-scope query returns: those with a resource (a
    reservation purchase or unused-reservation row has none; azure-cost-facts §5)."""
    return [line for line in tenant.lines(basis) if line.account_id]


def billed_at_subscription_scope(tenant: SampleTenant, basis: CostType) -> Decimal:
    return sum((line.cost for line in seen_at_subscription_scope(tenant, basis)), Decimal(0))
