"""The sample tenant: deterministic, in Azure's real formats, consistent with its ground truth."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.formats.export_csv import read_cost_export
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel
from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.service_names import AI_SERVICE_NAMES
from shared.demo.sample_tenant import DEFAULT_PERIOD, SampleTenant, generate
from shared.demo.sample_tenant_catalogue import (
    CONTENT_SAFETY_METER,
    DEPLOYMENTS,
    METERS,
    PTU_GLOBAL_METER,
    RESERVATION_PRICE_PER_PTU_MONTH,
    RESERVED_PTU,
)
from shared.demo.sample_tenant_files import EA_2024_08_01_COLUMNS

RETAIL = Path(__file__).resolve().parents[3] / "shared" / "payloads" / "azure-cost"
RETAIL_FILES = (
    "retail-prices_azure-openai_eastus2_consumption_2025-08-25.ndjson",
    "retail-prices_aoai-swedencentral-westeurope_2025-08-25.ndjson",
    "retail-prices_azure-openai_ptu-hourly_all-regions_2025-08-25.ndjson",
)
RETAIL_RESERVATIONS = "retail-prices_azure-openai_ptu-reservations_all-regions_2025-08-25.ndjson"
UTILIZATION = "AzureOpenAIProvisionedManagedUtilizationV2"
METRIC_FIELDS = {
    "ProcessedPromptTokens": "input_tokens",
    "GeneratedTokens": "output_tokens",
    "AzureOpenAIRequests": "requests",
}
EIGHT_DECIMALS = Decimal("1e-8")
PTU = next(d for d in DEPLOYMENTS if d.name == "chat-ptu")
# The reservation covers RESERVED_PTU PTUs in every hour of the month.
RESERVED_HOURS_PER_DAY = Decimal(RESERVED_PTU * 24)
PURCHASE = RESERVED_PTU * RESERVATION_PRICE_PER_PTU_MONTH


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> SampleTenant:
    return generate(tmp_path_factory.mktemp("tenant"))


def csv_rows(tenant: SampleTenant, cost_type: CostType = CostType.ACTUAL) -> list[dict[str, str]]:
    path = tenant.cost_export if cost_type is CostType.ACTUAL else tenant.amortized_export
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def money(value: Decimal) -> Decimal:
    return value.quantize(EIGHT_DECIMALS, rounding=ROUND_HALF_UP)


def hourly_reservation_price(period: BillingPeriod) -> Decimal:
    """The amortized price of one reserved PTU-hour: the monthly price over the month's hours."""
    return RESERVATION_PRICE_PER_PTU_MONTH / (len(list(period.window.days())) * 24)


def reserved(lines: list[CostLine] | tuple[CostLine, ...], charge: ChargeType) -> list[CostLine]:
    """The reservation lines of a charge type (covered hours are Usage, Reservation)."""
    return [
        ln
        for ln in lines
        if ln.charge_type is charge and ln.pricing_model is PricingModel.RESERVATION
    ]


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def metric_totals(tenant: SampleTenant) -> dict[tuple[str, str, date, str], float | None]:
    """(account name, deployment, day, metric) -> total (None where the point has no total)."""
    totals: dict[tuple[str, str, date, str], float | None] = {}
    for path in tenant.metrics_files:
        for metric in load(path)["value"]:
            for series in metric["timeseries"]:
                (meta,) = series["metadatavalues"]
                assert meta["name"]["value"] == "modeldeploymentname"
                for point in series["data"]:
                    day = date.fromisoformat(point["timeStamp"][:10])
                    key = (path.stem, meta["value"], day, metric["name"]["value"])
                    totals[key] = point.get("average" if metric["unit"] == "Percent" else "total")
    return totals


# --- determinism ----------------------------------------------------------------------------------


def test_the_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    first, second = generate(tmp_path / "a"), generate(tmp_path / "b")
    names = [p.relative_to(first.out_dir) for p in first.files]
    assert names == [p.relative_to(second.out_dir) for p in second.files]
    for name in names:
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes()
    assert first.cost_lines == second.cost_lines
    assert first.amortized_lines == second.amortized_lines
    assert first.usage == second.usage


def test_another_seed_gives_another_month_of_usage(tmp_path: Path) -> None:
    first, other = generate(tmp_path / "a"), generate(tmp_path / "b", seed=7)
    assert first.cost_export.read_bytes() != other.cost_export.read_bytes()
    assert first.total_billed != other.total_billed


def test_the_files_are_where_the_file_sources_look_for_them(tenant: SampleTenant) -> None:
    relative = sorted(str(p.relative_to(tenant.out_dir)) for p in tenant.files)
    assert relative == sorted(
        [
            "accounts.json",
            "costs/actual-2026-10.csv",
            "costs-amortized/amortized-2026-10.csv",
            "deployments/contoso-ai-eus2.json",
            "deployments/contoso-openai-swc.json",
            "deployments/contoso-ai-rag-swc.json",
            "metrics/contoso-ai-eus2.json",
            "metrics/contoso-openai-swc.json",
            "metrics/contoso-ai-rag-swc.json",
            "metrics-pt1m/contoso-ai-eus2.json",
            "metrics-pt1m/contoso-openai-swc.json",
            "metrics-pt1m/contoso-ai-rag-swc.json",
        ]
    )
    assert tenant.period == DEFAULT_PERIOD == BillingPeriod(2026, 10)


# --- the cost export ------------------------------------------------------------------------------


@pytest.mark.parametrize("cost_type", list(CostType))
def test_the_cost_exports_are_ea_2024_08_01_files_with_a_bom_and_us_dates(
    tenant: SampleTenant, cost_type: CostType
) -> None:
    path = tenant.cost_export if cost_type is CostType.ACTUAL else tenant.amortized_export
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfInvoiceSectionName,AccountName,")
    assert b"\r\n" not in raw
    rows = csv_rows(tenant, cost_type)
    assert tuple(rows[0]) == EA_2024_08_01_COLUMNS and len(EA_2024_08_01_COLUMNS) == 57
    assert {r["Date"][:3] for r in rows} == {"10/"}
    assert {r["BillingCurrencyCode"] for r in rows} == {"USD"}
    costs = [r["CostInBillingCurrency"] for r in rows]
    assert [c for c in costs if "." not in c or len(c.split(".")[1]) != 8] == []


@pytest.mark.parametrize("cost_type", list(CostType))
def test_every_row_costs_its_quantity_times_its_effective_price(
    tenant: SampleTenant, cost_type: CostType
) -> None:
    hourly = hourly_reservation_price(tenant.period)
    for row in csv_rows(tenant, cost_type):
        quantity, price = Decimal(row["Quantity"]), Decimal(row["EffectivePrice"])
        cost = Decimal(row["CostInBillingCurrency"])
        unit_price = Decimal(row["UnitPrice"])
        assert unit_price == Decimal(row["PayGPrice"]) * Decimal("0.96")
        assert cost == money(quantity * price)
        charge, model = row["ChargeType"], row["PricingModel"]
        if row["MeterId"] != PTU_GLOBAL_METER:  # token and record meters: on demand, discounted
            assert (charge, model) == ("Usage", "OnDemand")
            assert price == unit_price
        elif charge == "Purchase":  # the monthly reservation, bought at its list price
            assert cost_type is CostType.ACTUAL
            assert (quantity, price, model) == (RESERVED_PTU, RESERVATION_PRICE_PER_PTU_MONTH,
                                                "Reservation")  # fmt: skip
        elif model == "OnDemand":  # PTU hours above the reservation: hourly price, discounted
            assert charge == "Usage" and price == unit_price == Decimal("0.96")
        elif cost_type is CostType.ACTUAL:  # covered hours: prepaid, free on the actual bill
            assert (charge, model, price, cost) == ("Usage", "Reservation", 0, 0)
        else:  # covered and unused hours carry the prorated reservation price
            assert charge in {"Usage", "UnusedReservation"} and model == "Reservation"
            assert cost == money(quantity * hourly) > 0


def test_the_parsed_export_equals_the_ground_truth_cost_lines_exactly(tenant: SampleTenant) -> None:
    lines = read_cost_export(tenant.cost_export)
    assert lines == list(tenant.cost_lines)
    total = sum((line.cost for line in lines), Decimal(0))
    assert total == tenant.total_billed
    assert total == sum(Decimal(r["CostInBillingCurrency"]) for r in csv_rows(tenant))


def test_the_parsed_amortized_export_equals_the_ground_truth_amortized_lines_exactly(
    tenant: SampleTenant,
) -> None:
    lines = read_cost_export(tenant.amortized_export, cost_type=CostType.AMORTIZED)
    assert lines == list(tenant.amortized_lines) == list(tenant.lines(CostType.AMORTIZED))
    assert {line.cost_type for line in lines} == {CostType.AMORTIZED}
    total = sum((line.cost for line in lines), Decimal(0))
    assert total == tenant.billed(CostType.AMORTIZED)
    rows = csv_rows(tenant, CostType.AMORTIZED)
    assert total == sum(Decimal(r["CostInBillingCurrency"]) for r in rows)


def test_billed_quantities_are_the_true_tokens_of_every_deployment_on_the_meter(
    tenant: SampleTenant,
) -> None:
    tokens: dict[tuple[date, str, str], int] = defaultdict(int)
    for count in tenant.token_counts:
        tokens[(count.date, count.account_id.lower(), count.meter_id)] += count.tokens
    expected = {key: Decimal(value) for key, value in tokens.items()}
    for cost_type in CostType:
        billed: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
        lines: dict[tuple[date, str, str], list[CostLine]] = defaultdict(list)
        for line in tenant.lines(cost_type):
            if line.meter_id == CONTENT_SAFETY_METER or line.charge_type is not ChargeType.USAGE:
                continue  # records, not tokens; the purchase and unused hours bill no deployment
            key = (line.date, line.account_id.lower(), line.meter_id)
            billed[key] += line.quantity * METERS[line.meter_id].block
            lines[key].append(line)
        assert billed == expected
        for (_, _, meter_id), found in lines.items():
            if meter_id == PTU_GLOBAL_METER:  # covered by the reservation, the excess on demand
                assert len(found) <= 2 and {ln.pricing_model for ln in found} <= {
                    PricingModel.RESERVATION,
                    PricingModel.ON_DEMAND,
                }
            else:  # a token meter is one bill line a day (split rows summed)
                assert [ln.pricing_model for ln in found] == [PricingModel.ON_DEMAND]


def test_the_ptu_meter_bills_capacity_times_the_hours_deployed(tenant: SampleTenant) -> None:
    assert PTU.sku == "GlobalProvisionedManaged" and PTU.capacity == 50
    assert METERS[PTU_GLOBAL_METER].unit == "1/Hour" and METERS[PTU_GLOBAL_METER].block == 1
    counts = [c for c in tenant.token_counts if c.deployment == "chat-ptu"]
    assert {(c.kind, c.meter_id) for c in counts} == {(TokenKind.PTU_HOUR, PTU_GLOBAL_METER)}
    hours = {c.date.day: c.tokens for c in counts}
    assert min(hours) == 10 and hours[10] == 12 * 50  # created on day 10 at 12:00
    assert hours == {day: 24 * 50 for day in range(11, 32)} | {10: 12 * 50}
    billed: dict[int, Decimal] = defaultdict(Decimal)
    for line in tenant.cost_lines:
        if line.meter_id == PTU_GLOBAL_METER and line.charge_type is ChargeType.USAGE:
            assert line.unit_of_measure == "1/Hour"
            billed[line.date.day] += line.quantity
    assert billed == {day: Decimal(h) for day, h in hours.items()}
    on_demand = {
        line.date.day: line.quantity
        for line in tenant.cost_lines
        if line.meter_id == PTU_GLOBAL_METER and line.pricing_model is PricingModel.ON_DEMAND
    }
    assert on_demand == {day: Decimal(h) * (50 - RESERVED_PTU) / 50 for day, h in hours.items()}


@pytest.mark.skipif(not (RETAIL / RETAIL_FILES[0]).exists(), reason="no retail price snapshot")
def test_every_meter_billed_is_a_real_retail_meter_with_its_name_unit_and_list_price(
    tenant: SampleTenant,
) -> None:
    retail: dict[tuple[str, str], dict[str, Any]] = {}
    for name in RETAIL_FILES:
        for text in (RETAIL / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(text)
            retail[(item["meterId"], item["armRegionName"])] = item
    reservations = {
        (item["meterId"], item["armRegionName"], item["reservationTerm"]): item
        for item in map(json.loads, (RETAIL / RETAIL_RESERVATIONS).read_text().splitlines())
    }
    seen = set()
    for row in csv_rows(tenant) + csv_rows(tenant, CostType.AMORTIZED):
        region = METERS[row["MeterId"]].region
        item = retail[(row["MeterId"], region)]
        assert item["type"] == "Consumption"
        assert item["meterName"] == row["MeterName"]
        assert item["unitOfMeasure"] == row["UnitOfMeasure"]
        assert item["productName"] == row["MeterSubCategory"]
        assert item["location"] == row["MeterRegion"]
        assert Decimal(str(item["retailPrice"])) == Decimal(row["PayGPrice"])
        if row["ChargeType"] == "Purchase":  # a one-month reservation of the same meter
            bought = reservations[(row["MeterId"], region, "1 Month")]
            assert Decimal(str(bought["retailPrice"])) == Decimal(row["EffectivePrice"])
        seen.add(row["MeterId"])
    assert seen == set(METERS)


# --- metrics, deployments, accounts ---------------------------------------------------------------


def test_the_metrics_files_have_the_metrics_list_shape(tenant: SampleTenant) -> None:
    for path in tenant.metrics_files:
        body = load(path)
        assert list(body) == [
            "cost",
            "timespan",
            "interval",
            "value",
            "namespace",
            "resourceregion",
        ]
        assert body["interval"] == "P1D"
        assert body["timespan"] == "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z"
        assert body["namespace"] == "Microsoft.CognitiveServices/accounts"
        assert body["resourceregion"] in {"eastus2", "swedencentral"}
        assert [m["name"]["value"] for m in body["value"]] == [UTILIZATION, *METRIC_FIELDS]
        assert len(body["value"]) == 4
        for metric in body["value"]:
            percent = metric["name"]["value"] == UTILIZATION
            assert metric["unit"] == ("Percent" if percent else "Count")
            assert metric["errorCode"] == "Success"
            for series in metric["timeseries"]:
                stamps = [p["timeStamp"] for p in series["data"]]
                assert stamps == [f"2026-10-{d:02d}T00:00:00Z" for d in range(1, 32)]
                assert all("total" not in p for p in series["data"]) is percent
        (utilization,) = [m for m in body["value"] if m["name"]["value"] == UTILIZATION]
        series_of = [s["metadatavalues"][0]["value"] for s in utilization["timeseries"]]
        assert series_of == (["chat-ptu"] if path.stem == "contoso-ai-eus2" else [])


def test_the_per_minute_files_are_getbatch_answers_whose_minutes_give_the_days_tokens_and_peak(
    tenant: SampleTenant,
) -> None:
    truth = {(u.account_id.lower(), u.deployment, u.date): u for u in tenant.usage}
    seen = 0
    for path in tenant.peak_metrics_files:
        (item,) = load(path)["values"]
        assert item["interval"] == "PT1M" and item["resourceid"].endswith(f"/{path.stem}")
        assert item["starttime"] == "2026-10-01T00:00:00Z"
        assert item["endtime"] == "2026-11-01T00:00:00Z"
        (metric,) = item["value"]
        assert metric["name"]["value"] == "TokenTransaction" and metric["errorCode"] == "Success"
        for series in metric["timeseries"]:
            (meta,) = series["metadatavalues"]
            assert len(series["data"]) == 31 * 1440  # every minute, some with only a time stamp
            days: dict[date, list[float]] = {}
            for point in series["data"]:
                days.setdefault(date.fromisoformat(point["timeStamp"][:10]), []).append(
                    point.get("total", 0)
                )
            for day, minutes in days.items():
                record = truth[(item["resourceid"], meta["value"], day)]
                assert sum(minutes) == record.total_tokens
                assert (max(minutes) or None) == record.peak_tpm
                seen += 1
    assert seen == len(tenant.usage)


def test_the_utilization_metric_is_the_daily_ptu_utilization_from_creation_on(
    tenant: SampleTenant,
) -> None:
    totals = metric_totals(tenant)
    observed = {
        (u.deployment, u.date): u.ptu_utilization
        for u in tenant.usage
        if u.deployment == "chat-ptu"
    }
    assert len(observed) == 31
    for (deployment, day), utilization in observed.items():
        average = totals[("contoso-ai-eus2", deployment, day, UTILIZATION)]
        if day.day < 10:  # not deployed yet
            assert utilization is None and average is None
        else:
            assert utilization is not None and 0 < utilization <= 100
            assert average == float(utilization)
    assert all(u.ptu_utilization is None for u in tenant.usage if u.deployment != "chat-ptu")


def test_the_metrics_totals_per_deployment_and_day_equal_the_ground_truth_usage(
    tenant: SampleTenant,
) -> None:
    totals = metric_totals(tenant)
    counted = {key: total for key, total in totals.items() if key[3] in METRIC_FIELDS}
    assert len(counted) == len(tenant.usage) * len(METRIC_FIELDS)
    for record in tenant.usage:
        account = record.account_id.rsplit("/", 1)[1]
        for metric, field in METRIC_FIELDS.items():
            total = totals[(account, record.deployment, record.date, metric)]
            assert (total or 0) == getattr(record, field)


def test_observed_prompt_tokens_are_input_plus_cached_tokens_except_on_a_metrics_gap(
    tenant: SampleTenant,
) -> None:
    truth: dict[tuple[str, date], dict[TokenKind, int]] = defaultdict(lambda: defaultdict(int))
    for count in tenant.token_counts:
        truth[(count.deployment, count.date)][count.kind] += count.tokens
    gaps = {
        (d, day) for case in tenant.cases("no-usage") for d in case.deployments for day in case.days
    }
    for record in tenant.usage:
        kinds = truth.get((record.deployment, record.date), {})
        if record.deployment == "chat-ptu":  # bills PTU-hours; its tokens are only observed
            assert set(kinds) <= {TokenKind.PTU_HOUR}
            assert (record.input_tokens > 0) is (record.date.day >= 10)
            assert record.output_tokens > 0 or record.date.day < 10
            continue
        if (record.deployment, record.date) in gaps:
            assert record.input_tokens == 0 and kinds[TokenKind.INPUT] > 0
            continue
        prompt = kinds.get(TokenKind.INPUT, 0) + kinds.get(TokenKind.CACHED_INPUT, 0)
        assert (record.input_tokens, record.output_tokens) == (
            prompt,
            kinds.get(TokenKind.OUTPUT, 0),
        )


def test_the_deployment_listings_have_the_arm_shape_and_match_the_inventory(
    tenant: SampleTenant,
) -> None:
    listed = []
    for path in tenant.deployments_files:
        for item in load(path)["value"]:
            assert item["type"] == "Microsoft.CognitiveServices/accounts/deployments"
            assert item["id"].endswith(f"/accounts/{path.stem}/deployments/{item['name']}")
            assert item["properties"]["provisioningState"] == "Succeeded"
            model = item["properties"]["model"]
            listed.append(
                (
                    item["id"].rsplit("/deployments/", 1)[0],
                    item["name"],
                    model["name"],
                    model["version"],
                    item["sku"]["name"],
                    item["sku"]["capacity"],
                    model["format"],
                )
            )
    inventory = [
        (d.account_id, d.name, d.model, d.model_version, d.sku, d.capacity, d.model_format)
        for d in tenant.deployments
    ]
    assert listed == inventory


def test_the_ptu_deployment_was_created_on_day_10_at_noon_and_the_others_before(
    tenant: SampleTenant,
) -> None:
    created = {
        item["name"]: item["systemData"]["createdAt"]
        for path in tenant.deployments_files
        for item in load(path)["value"]
    }
    assert created.pop("chat-ptu") == "2026-10-10T12:00:00.0000000Z"
    assert created and all(text < "2026-10-01" for text in created.values())
    (ptu,) = [d for d in tenant.deployments if d.name == "chat-ptu"]
    assert (ptu.sku, ptu.capacity) == ("GlobalProvisionedManaged", 50)
    assert ptu.created_at == datetime(2026, 10, 10, 12, tzinfo=UTC)
    assert all(
        d.created_at is not None and d.created_at < datetime(2026, 10, 1, tzinfo=UTC)
        for d in tenant.deployments
        if d.name != "chat-ptu"
    )
    (case,) = tenant.cases("created-mid-month")
    assert case.deployments == ("chat-ptu",) and case.meter_ids == (PTU_GLOBAL_METER,)
    assert case.reason == "" and case.days == tuple(date(2026, 10, d) for d in range(10, 32))


def test_the_tenant_has_two_subscriptions_and_three_accounts_in_two_regions(
    tenant: SampleTenant,
) -> None:
    accounts = load(tenant.accounts_file)["value"]
    assert len(accounts) == 3
    assert {a["location"] for a in accounts} == {"eastus2", "swedencentral"}
    assert len({a["id"].split("/")[2] for a in accounts}) == 2
    assert {a["kind"] for a in accounts} == {"OpenAI", "AIServices"}
    assert all(a["type"] == "Microsoft.CognitiveServices/accounts" for a in accounts)
    locations = {a["id"]: a["location"] for a in accounts}
    assert all(d.account_location == locations[d.account_id] for d in tenant.deployments)
    skus = {(d.model, d.sku) for d in tenant.deployments}
    assert {
        ("gpt-4o", "GlobalStandard"),
        ("gpt-4o-mini", "GlobalStandard"),
        ("gpt-4.1", "DataZoneStandard"),
        ("text-embedding-3-small", "GlobalStandard"),
        ("o4-mini", "GlobalStandard"),
        ("gpt-4o-mini", "Standard"),
    } <= skus


# --- the edge cases -------------------------------------------------------------------------------


def lines_of(tenant: SampleTenant, account_id: str, meter_id: str, day: date) -> list[Any]:
    return [
        ln
        for ln in tenant.cost_lines
        if ln.account_id.lower() == account_id.lower()
        and ln.meter_id == meter_id
        and ln.date == day
    ]


def test_two_deployments_share_one_gpt_4o_meter_on_one_bill_line(tenant: SampleTenant) -> None:
    (case,) = tenant.cases("shared-meter")
    assert case.deployments == ("chat-prod", "chat-test") and len(case.days) >= 15
    models = {(d.name, d.model, d.model_version, d.sku) for d in tenant.deployments}
    assert {
        ("chat-prod", "gpt-4o", "2024-11-20", "GlobalStandard"),
        ("chat-test", "gpt-4o", "2024-11-20", "GlobalStandard"),
    } <= models
    usage = {(u.deployment, u.date): u for u in tenant.usage}
    for day in case.days:
        assert usage[("chat-prod", day)].input_tokens > 0 < usage[("chat-test", day)].input_tokens
        for meter_id in case.meter_ids:  # input, cached input and output
            assert len(lines_of(tenant, case.account_id, meter_id, day)) == 1
    cached = [m for m in case.meter_ids if "cached" in METERS[m].meter_name]
    assert (
        cached
        and tenant.true_tokens()[f"{case.account_id}/deployments/chat-prod"][TokenKind.CACHED_INPUT]
        > 0
    )


def test_a_content_safety_meter_is_billed_that_no_deployment_uses(tenant: SampleTenant) -> None:
    (case,) = tenant.cases("account-level-charge")
    assert case.reason == "account-level-charge" and case.meter_ids == (CONTENT_SAFETY_METER,)
    rows = [r for r in csv_rows(tenant) if r["MeterId"] == CONTENT_SAFETY_METER]
    assert {r["MeterName"] for r in rows} == {"Standard Text Records"}
    assert {r["MeterSubCategory"] for r in rows} == {"Azure AI Content Safety"}
    assert len(rows) == len(case.days) > 0
    assert all(c.meter_id != CONTENT_SAFETY_METER for c in tenant.token_counts)


def test_a_meter_of_a_deleted_deployment_has_no_matching_deployment(tenant: SampleTenant) -> None:
    (case,) = tenant.cases("no-matching-deployment")
    assert case.deployments == ("gpt41-mini-pilot",) and case.days
    for day in case.days:
        assert all(lines_of(tenant, case.account_id, m, day) for m in case.meter_ids)
    same_account = [d for d in tenant.deployments if d.account_id == case.account_id]
    assert same_account and all(d.model != "gpt-4.1-mini" for d in same_account)


def test_a_deployment_has_cost_but_no_usage_on_a_metrics_gap_day(tenant: SampleTenant) -> None:
    (case,) = tenant.cases("no-usage")
    (day,) = case.days
    (name,) = case.deployments
    assert name == "mini-regional"
    assert {d.sku for d in tenant.deployments if d.name == name} == {"Standard"}
    assert all(lines_of(tenant, case.account_id, m, day)[0].cost > 0 for m in case.meter_ids)
    (record,) = [u for u in tenant.usage if u.deployment == name and u.date == day]
    assert (record.input_tokens, record.output_tokens, record.requests) == (0, 0, 0)
    totals = metric_totals(tenant)
    assert totals[("contoso-openai-swc", name, day, "ProcessedPromptTokens")] is None


def test_the_bill_uses_both_service_names_and_lower_cased_resource_ids(
    tenant: SampleTenant,
) -> None:
    rows = csv_rows(tenant)
    assert {r["MeterCategory"] for r in rows} == set(AI_SERVICE_NAMES)
    ids = {r["ResourceId"] for r in rows if r["ResourceId"]}  # the purchase has no resource
    canonical = {
        line.account_id for line in tenant.cost_lines if line.account_id != line.account_id.lower()
    }
    assert any(rid == rid.lower() and rid not in canonical for rid in ids)
    assert tenant.cases("foundry-models-category") and tenant.cases("lower-cased-resource-id")


def test_one_meter_is_billed_in_two_rows_that_the_parser_sums(tenant: SampleTenant) -> None:
    (case,) = tenant.cases("split-rows")
    (day,) = case.days
    (meter_id,) = case.meter_ids
    rows = [
        r
        for r in csv_rows(tenant)
        if r["MeterId"] == meter_id
        and r["Date"] == day.strftime("%m/%d/%Y")
        and r["ResourceId"].lower() == case.account_id.lower()
    ]
    assert len(rows) == 2 and rows[0]["ResourceId"] != rows[1]["ResourceId"]
    (line,) = lines_of(tenant, case.account_id, meter_id, day)
    assert line.cost == sum(Decimal(r["CostInBillingCurrency"]) for r in rows)


def test_usage_is_higher_on_weekdays_than_at_weekends(tenant: SampleTenant) -> None:
    days: dict[bool, list[int]] = {True: [], False: []}
    for record in tenant.usage:
        if record.deployment == "chat-prod":
            days[record.date.weekday() < 5].append(record.input_tokens)
    weekday = sum(days[True]) / len(days[True])
    weekend = sum(days[False]) / len(days[False])
    assert weekend < 0.6 * weekday
    assert all(
        u.input_tokens == 0
        for u in tenant.usage
        if u.deployment == "chat-test" and u.date.weekday() >= 5
    )


def test_the_bill_has_per_1k_and_per_1m_token_meters_and_an_hourly_ptu_meter(
    tenant: SampleTenant,
) -> None:
    for cost_type in CostType:
        lines = tenant.lines(cost_type)
        units = {line.unit_of_measure for line in lines if line.meter_id != PTU_GLOBAL_METER}
        assert units == {"1K", "1M"}
        assert {ln.unit_of_measure for ln in lines if ln.meter_id == PTU_GLOBAL_METER} == {"1/Hour"}


# --- the PTU reservation --------------------------------------------------------------------------


def test_the_actual_cost_has_one_purchase_of_the_month_and_no_unused_hours(
    tenant: SampleTenant,
) -> None:
    purchases = [r for r in csv_rows(tenant) if r["ChargeType"] == "Purchase"]
    (row,) = purchases
    assert Decimal(row["CostInBillingCurrency"]) == PURCHASE == Decimal(10_400)
    assert (row["Date"], row["ResourceId"], row["PricingModel"]) == (
        "10/01/2026",
        "",
        "Reservation",
    )
    assert row["MeterId"] == PTU_GLOBAL_METER and row["ReservationId"]
    (line,) = reserved(tenant.cost_lines, ChargeType.PURCHASE)
    assert (line.date, line.account_id, line.cost) == (date(2026, 10, 1), "", PURCHASE)
    assert not [r for r in csv_rows(tenant) if r["ChargeType"] == "UnusedReservation"]
    assert all(line.cost == 0 for line in reserved(tenant.cost_lines, ChargeType.USAGE))


def test_the_amortized_cost_spreads_the_reservation_over_every_reserved_hour(
    tenant: SampleTenant,
) -> None:
    rows = csv_rows(tenant, CostType.AMORTIZED)
    assert not [r for r in rows if r["ChargeType"] == "Purchase"]
    lines = tenant.amortized_lines
    covered, unused = (
        reserved(lines, ChargeType.USAGE),
        reserved(lines, ChargeType.UNUSED_RESERVATION),
    )
    assert all(line.account_id == "" for line in unused)
    assert all(line.account_id and line.meter_id == PTU_GLOBAL_METER for line in covered)
    hours: dict[date, Decimal] = defaultdict(Decimal)
    for line in covered + unused:
        hours[line.date] += line.quantity
    assert hours == {day: RESERVED_HOURS_PER_DAY for day in tenant.period.window.days()}
    assert {ln.date.day for ln in unused} == set(range(1, 11))  # idle until chat-ptu runs all day
    assert {ln.date.day for ln in covered} == set(range(10, 32))


def test_the_amortized_total_swaps_the_purchase_for_the_prorated_reserved_hours(
    tenant: SampleTenant,
) -> None:
    lines = tenant.amortized_lines
    covered, unused = (
        reserved(lines, ChargeType.USAGE),
        reserved(lines, ChargeType.UNUSED_RESERVATION),
    )
    amortized_reservation = sum((ln.cost for ln in covered + unused), Decimal(0))
    actual, amortized = tenant.billed(CostType.ACTUAL), tenant.billed(CostType.AMORTIZED)
    assert amortized == actual - PURCHASE + amortized_reservation
    assert amortized != actual
    rows = [r for r in csv_rows(tenant, CostType.AMORTIZED) if r["PricingModel"] == "Reservation"]
    assert abs(amortized_reservation - PURCHASE) <= EIGHT_DECIMALS * len(rows)
    # everything that is not the reservation is billed the same on both bases
    rest = [ln for ln in tenant.cost_lines if ln.pricing_model is not PricingModel.RESERVATION]
    same = [ln for ln in lines if ln.pricing_model is not PricingModel.RESERVATION]
    assert [(ln.date, ln.account_id, ln.meter_id, ln.quantity, ln.cost) for ln in rest] == [
        (ln.date, ln.account_id, ln.meter_id, ln.quantity, ln.cost) for ln in same
    ]


def test_another_month_has_its_own_number_of_days(tmp_path: Path) -> None:
    february = generate(tmp_path, BillingPeriod(2027, 2))
    assert {u.date.month for u in february.usage} == {2}
    assert len({u.date for u in february.usage}) == 28
    assert february.cost_export.name == "actual-2027-02.csv"
    assert read_cost_export(february.cost_export) == list(february.cost_lines)
    assert february.amortized_export.name == "amortized-2027-02.csv"
    amortized = read_cost_export(february.amortized_export, cost_type=CostType.AMORTIZED)
    assert amortized == list(february.amortized_lines)
    covered = reserved(amortized, ChargeType.USAGE)
    unused = reserved(amortized, ChargeType.UNUSED_RESERVATION)
    hourly = hourly_reservation_price(february.period)
    assert hourly == Decimal(260) / 672
    assert all(ln.cost == money(ln.quantity * hourly) for ln in covered + unused)
    assert sum((ln.quantity for ln in covered + unused), Decimal(0)) == 28 * RESERVED_HOURS_PER_DAY
    total = sum((ln.cost for ln in covered + unused), Decimal(0))
    assert abs(total - PURCHASE) <= EIGHT_DECIMALS * len(covered + unused)
