"""A deterministic sample tenant: one month of cost, metrics and inventory files in Azure's formats.

`generate(out_dir)` writes

* `costs/actual-<period>.csv`: an EA ActualCost export (dataVersion 2024-08-01 columns);
* `costs-amortized/amortized-<period>.csv`: the AmortizedCost export of the same month;
* `metrics/<account>.json`: a Metrics - List response per account (P1D, split by deployment);
* `metrics-pt1m/<account>.json`: a `metrics:getBatch` response per account of `TokenTransaction`
  per minute (PT1M, split by deployment), from which each day's peak tokens per minute is read;
* `deployments/<account>.json`: an ARM deployments listing per account;
* `accounts.json`: an ARM listing of the accounts,

and returns the ground truth (`SampleTenant`) so tests can compute an independent expectation.
The shape (accounts, deployments, meters, edge cases) lives in `sample_tenant_catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from shared.core.arm_ids import deployment_id
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.service_names import FOUNDRY_MODELS
from shared.core.usage import UsageRecord
from shared.demo.sample_tenant_bill import BillRow, bill_rows, cost_lines
from shared.demo.sample_tenant_catalogue import (
    ACCOUNTS,
    CONTENT_SAFETY_ACCOUNT,
    CONTENT_SAFETY_METER,
    DEPLOYMENTS,
    SampleAccount,
    SampleDeployment,
)
from shared.demo.sample_tenant_files import (
    accounts_response,
    deployments_response,
    metrics_response,
    peak_metrics_response,
    write_cost_export,
    write_json,
)
from shared.demo.sample_tenant_reservation import actual_rows, amortized_rows
from shared.demo.sample_tenant_usage import SimulatedUsage, TokenCount, simulate

DEFAULT_PERIOD = BillingPeriod(2026, 10)
DEFAULT_SEED = 20261001
SHARED = ("chat-prod", "chat-test")


@dataclass(frozen=True)
class EdgeCase:
    """A situation in the sample that an allocator must handle.

    `reason` is the unallocated reason expected for the cost of these meters on these days, or
    "" when that cost is allocatable.
    """

    name: str
    reason: str
    account_id: str
    days: tuple[date, ...]
    meter_ids: tuple[str, ...]
    deployments: tuple[str, ...] = ()


@dataclass(frozen=True)
class SampleTenant:
    """What `generate` wrote, and the truth behind it.

    `deployments` is the inventory as listed (a deleted deployment is missing); `usage` is what the
    metrics files report (zero on a metrics gap); `cost_lines` and `amortized_lines` are the two
    exports, one line per identity; `token_counts` is the true billed tokens (PTU-hours for a
    provisioned deployment) per deployment, day and meter.
    """

    period: BillingPeriod
    seed: int
    out_dir: Path
    cost_export: Path
    amortized_export: Path
    accounts_file: Path
    metrics_files: tuple[Path, ...]
    peak_metrics_files: tuple[Path, ...]
    deployments_files: tuple[Path, ...]
    deployments: tuple[Deployment, ...]
    usage: tuple[UsageRecord, ...]
    cost_lines: tuple[CostLine, ...]
    amortized_lines: tuple[CostLine, ...]
    token_counts: tuple[TokenCount, ...]
    edge_cases: tuple[EdgeCase, ...]

    @property
    def files(self) -> tuple[Path, ...]:
        return (
            self.cost_export,
            self.amortized_export,
            self.accounts_file,
            *self.metrics_files,
            *self.peak_metrics_files,
            *self.deployments_files,
        )

    @property
    def total_billed(self) -> Decimal:
        return self.billed(CostType.ACTUAL)

    def lines(self, cost_type: CostType) -> tuple[CostLine, ...]:
        return self.cost_lines if cost_type is CostType.ACTUAL else self.amortized_lines

    def billed(self, cost_type: CostType) -> Decimal:
        return sum((line.cost for line in self.lines(cost_type)), Decimal(0))

    def true_tokens(self) -> dict[str, dict[TokenKind, int]]:
        """Billed tokens per deployment ARM id and meter kind, over the period."""
        totals: dict[str, dict[TokenKind, int]] = {}
        for count in self.token_counts:
            kinds = totals.setdefault(deployment_id(count.account_id, count.deployment), {})
            kinds[count.kind] = kinds.get(count.kind, 0) + count.tokens
        return totals

    def cases(self, name: str) -> tuple[EdgeCase, ...]:
        return tuple(case for case in self.edge_cases if case.name == name)


def generate(
    out_dir: Path, period: BillingPeriod = DEFAULT_PERIOD, seed: int = DEFAULT_SEED
) -> SampleTenant:
    """Write the sample tenant's files for `period` into `out_dir`; same seed, same bytes."""
    out_dir = Path(out_dir)
    simulated = simulate(period, seed)
    rows = bill_rows(period, simulated)
    actual, amortized = actual_rows(period, rows), amortized_rows(period, rows)
    cost_export = out_dir / "costs" / f"actual-{period}.csv"
    write_cost_export(cost_export, period, actual)
    amortized_export = out_dir / "costs-amortized" / f"amortized-{period}.csv"
    write_cost_export(amortized_export, period, amortized)
    accounts_file = out_dir / "accounts.json"
    write_json(accounts_file, accounts_response(ACCOUNTS))
    metrics_files, peak_metrics_files, deployments_files = [], [], []
    for account in ACCOUNTS:
        used = [d for d in DEPLOYMENTS if d.account == account]
        metrics = out_dir / "metrics" / f"{account.name}.json"
        write_json(metrics, metrics_response(account, used, period, simulated.usage))
        minutes = out_dir / "metrics-pt1m" / f"{account.name}.json"
        peaks = peak_metrics_response(account, used, period, simulated.usage)
        write_json(minutes, peaks, compact=True)
        peak_metrics_files.append(minutes)
        listing = out_dir / "deployments" / f"{account.name}.json"
        write_json(listing, deployments_response(account, [d for d in used if d.listed], period))
        metrics_files.append(metrics)
        deployments_files.append(listing)
    return SampleTenant(
        period=period,
        seed=seed,
        out_dir=out_dir,
        cost_export=cost_export,
        amortized_export=amortized_export,
        accounts_file=accounts_file,
        metrics_files=tuple(metrics_files),
        peak_metrics_files=tuple(peak_metrics_files),
        deployments_files=tuple(deployments_files),
        deployments=tuple(_deployment(d, period) for d in DEPLOYMENTS if d.listed),
        usage=simulated.usage,
        cost_lines=tuple(cost_lines(actual)),
        amortized_lines=tuple(cost_lines(amortized, CostType.AMORTIZED)),
        token_counts=simulated.token_counts,
        edge_cases=_edge_cases(simulated, rows),
    )


def _deployment(dep: SampleDeployment, period: BillingPeriod) -> Deployment:
    return Deployment(
        account_id=dep.account.id,
        name=dep.name,
        model=dep.model,
        model_version=dep.version,
        sku=dep.sku,
        capacity=dep.capacity,
        account_location=dep.account.location,
        created_at=dep.created_at(period),
    )


def _edge_cases(simulated: SimulatedUsage, rows: list[BillRow]) -> tuple[EdgeCase, ...]:
    """The edge cases as they came out of this period's data (days with the situation)."""

    def days_of(dep: SampleDeployment) -> set[date]:
        return {c.date for c in simulated.token_counts if c.deployment == dep.name}

    def meters_of(dep: SampleDeployment) -> tuple[str, ...]:
        return tuple(meter_id for _, meter_id in dep.meters)

    def row_case(name: str, account: SampleAccount, picked: list[BillRow]) -> EdgeCase | None:
        days = tuple(sorted({r.date for r in picked}))
        meters = tuple(dict.fromkeys(r.meter.meter_id for r in picked))
        return EdgeCase(name, "", account.id, days, meters) if picked else None

    by_name = {d.name: d for d in DEPLOYMENTS}
    prod, test = by_name["chat-prod"], by_name["chat-test"]
    shared_days = tuple(sorted(days_of(prod) & days_of(test)))
    text_days = tuple(day for day, _ in simulated.text_records)
    cases: list[EdgeCase | None] = [
        EdgeCase("shared-meter", "", prod.account.id, shared_days, meters_of(prod), SHARED),
        EdgeCase(
            "account-level-charge",
            "account-level-charge",
            CONTENT_SAFETY_ACCOUNT.id,
            text_days,
            (CONTENT_SAFETY_METER,),
        ),
    ]
    for dep in DEPLOYMENTS:
        if dep.created != (0, 0):
            days = tuple(sorted(days_of(dep)))
            cases.append(
                EdgeCase("created-mid-month", "", dep.account.id, days, meters_of(dep), (dep.name,))
            )
    for dep in DEPLOYMENTS:
        if not dep.listed:
            days = tuple(sorted(days_of(dep)))
            reason = "no-matching-deployment"
            cases.append(
                EdgeCase(reason, reason, dep.account.id, days, meters_of(dep), (dep.name,))
            )
        if dep.metrics_gap_day:
            days = tuple(d for d in sorted(days_of(dep)) if d.day == dep.metrics_gap_day)
            cases.append(
                EdgeCase("no-usage", "no-usage", dep.account.id, days, meters_of(dep), (dep.name,))
            )
    for account in ACCOUNTS:
        mine = [r for r in rows if r.account == account]
        foundry = [r for r in mine if r.meter_category == FOUNDRY_MODELS]
        cases.append(row_case("foundry-models-category", account, foundry))
        lowered = [r for r in mine if r.resource_id != account.id]
        cases.append(row_case("lower-cased-resource-id", account, lowered))
        split = [r for r in mine if sum(s.meter == r.meter and s.date == r.date for s in mine) > 1]
        cases.append(row_case("split-rows", account, split))
    return tuple(case for case in cases if case is not None)
