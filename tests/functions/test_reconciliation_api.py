"""GET /api/reconciliation: the report as JSON, through the Functions host's ASGI handler."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from shared import cli
from shared.adapters.storage.allocation_tables import AllocationTables
from shared.bootstrap import build_stores
from shared.core.allocation import allocate_period
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.reconciliation import Reconciliation, reconcile
from shared.core.reports import PeriodReport, Publication
from shared.core.unit_costs import unallocated_totals, unit_costs
from shared.core.usage import UsageRecord
from shared.core.views import PeriodQuery
from shared.demo.sample_tenant import SampleTenant
from shared.entrypoints.cli.reconciliation_text import render_reconciliation
from shared.entrypoints.cli.report_table import render_report
from shared.entrypoints.http.app import create_app
from shared.services.views import ViewService
from shared.settings import Settings
from tests.builders import ACC, D1, NOV
from tests.fakes import MemoryTableGateway
from tests.functions.test_functions import call_http, host_context, registered
from tests.unit.catalogue_double import GPT4O_CACHED, GPT4O_IN, GPT4O_OUT, DictCatalogue

LOOP = asyncio.new_event_loop()


def doubled_publication() -> Publication:
    """November: 800K input + 2 x 200K cached input billed, 1,000K prompt tokens seen."""
    catalogue = DictCatalogue()
    lines = [
        CostLine(D1, ACC, meter, f"meter {meter}", Decimal(qty), Decimal(cost), "USD")
        for meter, qty, cost in [
            (GPT4O_IN.meter_id, "800", "2.004"),
            (GPT4O_CACHED.meter_id, "400", "0.5"),
            (GPT4O_OUT.meter_id, "150", "1.5"),
            ("content-safety", "3", "1.125"),
        ]
    ]
    usage = [UsageRecord(D1, ACC, "chat", 1_000_000, 150_000, 10)]
    snap = [InventorySnapshot.on(D1, (Deployment(ACC, "chat", "gpt-4o", "2024-11-20",
                                                 "GlobalStandard", 10),))]  # fmt: skip
    allocation = allocate_period(NOV, lines, usage, snap, catalogue)
    return Publication(
        allocation=allocation,
        unit_costs=tuple(unit_costs(allocation, usage)),
        unallocated_totals=tuple(unallocated_totals(allocation)),
        reconciliation=reconcile(allocation, lines, usage, catalogue),
        input_sequence=1,
    )


def doubled_cached_tokens() -> AllocationTables:
    """That November published in memory."""
    tables = AllocationTables(MemoryTableGateway())
    tables.publish(doubled_publication())
    return tables


@dataclass(frozen=True)
class StoredPeriod:
    """One allocated period as the readers serve it (report and reconciliation), in memory."""

    stored: PeriodReport
    reconciled: Reconciliation

    def report(self, period: BillingPeriod, cost_type: CostType) -> PeriodReport | None:
        found = (period, cost_type) == (self.stored.period, self.stored.cost_type)
        return self.stored if found else None

    def reconciliation(self, period: BillingPeriod, cost_type: CostType) -> Reconciliation | None:
        found = (period, cost_type) == (self.reconciled.period, self.reconciled.cost_type)
        return self.reconciled if found else None


def rounding_apart() -> StoredPeriod:
    """A November whose cents disagreed when each amount was rounded on its own.

    Input 1.004 goes to deployment a, output 1.004 to b, and two unknown meters of 0.505 and
    0.501 stay unallocated: 3.014 billed, 2.008 allocated. Rounded on their own the rows made
    1.00 + 1.00 + 0.50 + 0.50 = 3.00 against a summary of 3.01 and allocated 2.00 against 2.01,
    while the unit costs said allocated 2.00 (the step went to the 0.505 line).
    """
    catalogue = DictCatalogue()
    lines = [
        CostLine(D1, ACC, meter, f"meter {meter}", Decimal(1), Decimal(cost), "USD")
        for meter, cost in [(GPT4O_IN.meter_id, "1.004"), (GPT4O_OUT.meter_id, "1.004"),
                            ("content-safety", "0.505"), ("translator", "0.501")]
    ]  # fmt: skip
    usage = [UsageRecord(D1, ACC, "a", 1_000, 0, 1), UsageRecord(D1, ACC, "b", 0, 1_000, 1)]
    deployments = tuple(Deployment(ACC, name, "gpt-4o", "2024-11-20", "GlobalStandard", 10)
                        for name in ("a", "b"))  # fmt: skip
    allocation = allocate_period(
        NOV, lines, usage, [InventorySnapshot.on(D1, deployments)], catalogue
    )
    report = PeriodReport(
        period=NOV,
        cost_type=CostType.ACTUAL,
        currency="USD",
        billed=allocation.billed,
        allocated=allocation.allocated_cost,
        unallocated=allocation.unallocated_cost,
        unit_costs=tuple(unit_costs(allocation, usage)),
        unallocated_totals=tuple(unallocated_totals(allocation)),
    )
    return StoredPeriod(report, reconcile(allocation, lines, usage, catalogue))


def cents_of(values: object) -> Decimal:
    assert isinstance(values, list)
    return sum((Decimal(str(v)) for v in values), Decimal(0))


def get(app: object, path: str, **params: str) -> tuple[int, dict]:
    url = f"http://localhost{path}" + (f"?{urlencode(params)}" if params else "")
    req = func.HttpRequest("GET", url, params=params, body=b"")
    context = host_context("t", "http")
    resp = LOOP.run_until_complete(func.AsgiMiddleware(app).handle_async(req, context))
    return resp.status_code, json.loads(resp.get_body())


@pytest.fixture(scope="module")
def app() -> object:
    table = doubled_cached_tokens()
    return create_app(lambda: table)


def test_a_doubled_cached_token_quantity_is_flagged_in_the_response(app: object) -> None:
    status, body = get(app, "/api/reconciliation", period="2026-11", costType="actual")
    assert status == 200
    assert (body["period"], body["costType"], body["currency"]) == ("2026-11", "actual", "USD")
    assert body["tolerancePct"] == 2.0
    # cost 5.129, of which 4.004 allocated: coverage 78.0659%
    assert body["summary"] == {"rows": 4, "flaggedRows": 2, "cost": 5.13,
                               "allocatedCost": 4.0, "coveragePct": 78.0659}  # fmt: skip
    rows = {r["meterId"]: r for r in body["rows"]}
    inp, cached = rows[GPT4O_IN.meter_id], rows[GPT4O_CACHED.meter_id]
    assert inp["cost"] == 2.0 and inp["coveragePct"] == 100.0
    assert (inp["billedQuantity"], inp["billedTokens"], inp["observedTokens"]) == (
        800.0, 800_000, 1_000_000
    )  # fmt: skip
    for row in (inp, cached):
        assert (row["sideBilledTokens"], row["sideObservedTokens"]) == (1_200_000, 1_000_000)
        assert (row["varianceTokens"], row["variancePct"], row["flagged"]) == (200_000, 20.0, True)
        assert (row["side"], row["meterGroup"]) == ("input", "gpt-4o 1120 global standard")
    out = rows[GPT4O_OUT.meter_id]
    assert (out["variancePct"], out["flagged"]) == (0.0, False)
    unknown = rows["content-safety"]
    assert (unknown["tokenKind"], unknown["billedTokens"], unknown["coveragePct"]) == (
        None, None, 0.0
    )  # fmt: skip
    assert unknown["account"] == "acc" and unknown["flagged"] is False


def test_the_reconciliation_and_the_unit_costs_round_to_the_same_cents() -> None:
    stored = rounding_apart()
    app = create_app(lambda: stored)
    status, units = get(app, "/api/unit-costs", period="2026-11", costType="actual")
    assert status == 200
    status, body = get(app, "/api/reconciliation", period="2026-11", costType="actual")
    assert status == 200
    # One rounding: billed 3.014 -> 3.01, split 2.01 allocated (2.008) + 1.00 unallocated (1.006).
    assert (units["billedCost"], units["allocatedCost"], units["unallocatedCost"]) == (
        3.01, 2.01, 1.0
    )  # fmt: skip
    summary = body["summary"]
    assert (summary["cost"], summary["allocatedCost"]) == (3.01, 2.01)
    assert cents_of([r["cost"] for r in body["rows"]]) == Decimal("3.01")
    assert cents_of([r["allocatedCost"] for r in body["rows"]]) == Decimal("2.01")
    assert cents_of([d["cost"] for d in units["deployments"]]) == Decimal("2.01")
    assert cents_of([t["cost"] for t in units["unallocated"]]) == Decimal("1.00")
    rows = {r["meterId"]: (r["cost"], r["allocatedCost"]) for r in body["rows"]}
    assert rows == {GPT4O_IN.meter_id: (1.01, 1.01), GPT4O_OUT.meter_id: (1.0, 1.0),
                    "content-safety": (0.5, 0.0), "translator": (0.5, 0.0)}  # fmt: skip
    assert [d["cost"] for d in units["deployments"]] == [1.01, 1.0]  # a's input, then b's output
    # The CLI's text renders the same views, so it shows the same cents.
    views, query = ViewService(stored), PeriodQuery(NOV, CostType.ACTUAL)
    assert "cost 3.01 USD, allocated 2.01 USD" in render_reconciliation(views.reconciliation(query))
    report = render_report(views.unit_costs(query))
    assert "Billed 3.01 USD = allocated 2.01 USD + unallocated 1.00 USD" in report


@pytest.mark.parametrize(
    ("params", "field"),
    [({"period": "2026-13"}, "period"), ({}, "period"),
     ({"period": "2026-11", "costType": "billed"}, "costType")],
)  # fmt: skip
def test_bad_input_is_a_400_problem_naming_the_field(
    app: object, params: dict[str, str], field: str
) -> None:
    status, body = get(app, "/api/reconciliation", **params)
    assert status == 400
    assert (body["status"], body["field"]) == (400, field)


def test_a_period_never_reconciled_is_a_404(app: object) -> None:
    status, body = get(app, "/api/reconciliation", period="2026-10", costType="actual")
    assert (status, body["field"]) == (404, "period")
    status, _ = get(app, "/api/reconciliation", period="2026-11", costType="amortized")
    assert status == 404


def test_the_queue_trigger_reconciles_the_sample_tenant_without_a_flag(live: SampleTenant) -> None:
    tenant = live
    assert call_http("/api/reconciliation", period=str(tenant.period)).status_code == 404
    timer = TimerRequest(past_due=False)
    for name in ("collect_inventory", "collect_costs", "collect_usage"):
        registered(name).get_user_function()(timer)
    message = func.QueueMessage(body=json.dumps({"period": str(tenant.period)}).encode())
    registered("allocate_period").get_user_function()(message)

    for basis in ("actual", "amortized"):
        resp = call_http("/api/reconciliation", period=str(tenant.period), costType=basis)
        assert resp.status_code == 200
        body = json.loads(resp.get_body())
        assert body["summary"]["flaggedRows"] == 0
        served = call_http("/api/unit-costs", period=str(tenant.period), costType=basis)
        units = json.loads(served.get_body())
        summary = body["summary"]
        assert (summary["cost"], summary["allocatedCost"]) == (
            units["billedCost"], units["allocatedCost"]
        )  # fmt: skip
        assert cents_of([r["cost"] for r in body["rows"]]) == Decimal(str(summary["cost"]))
        allocated = cents_of([r["allocatedCost"] for r in body["rows"]])
        assert allocated == Decimal(str(summary["allocatedCost"]))
        compared = [r for r in body["rows"] if r["sideObservedTokens"]]
        assert len(compared) >= 20
        assert all(r["sideBilledTokens"] == r["sideObservedTokens"] for r in compared)


def test_the_cli_prints_the_stored_report_with_its_flags(
    storage_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    build_stores(Settings.from_env()).results.publish(doubled_publication())
    assert cli.main(["reconcile", "--period", "2026-11", "--cost-type", "actual"]) == 0
    out = capsys.readouterr().out
    flagged = [ln for ln in out.splitlines() if ln.rstrip().endswith("FLAG")]
    assert len(flagged) == 2 and all("+20.00%" in ln for ln in flagged)
    assert "4 rows, 2 flagged; cost 5.13 USD, allocated 4.00 USD (coverage 78.07%)" in out
    assert cli.main(["reconcile", "--period", "2026-13"]) == 2
    assert cli.main(["reconcile", "--period", "2026-10", "--cost-type", "actual"]) == 2
    err = capsys.readouterr().err
    assert "error: period: month must be 01..12" in err and "has not been reconciled" in err
