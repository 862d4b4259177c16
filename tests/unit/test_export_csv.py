"""The Cost Management export parser: dialects, filter, bases, sums, exact money, errors."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.adapters.formats.export_csv import (
    ExportDialect,
    ExportLedger,
    ExportRow,
    detect_dialect,
    is_ai_services_row,
    parse_cost_export,
    parse_export_date,
    read_cost_export,
    read_cost_exports,
)
from shared.core.costs import ChargeType, CostType, PricingModel
from shared.demo.sample_tenant_files import EA_2024_08_01_COLUMNS
from shared.errors import InvalidInput

PAYLOADS = Path(__file__).resolve().parents[3] / "shared" / "payloads" / "azure-cost"
EA_ACTUAL = PAYLOADS / "finops-toolkit_EA_ActualCost_Small.csv"
EA_AMORTIZED = PAYLOADS / "finops-toolkit_EA_AmortizedCost_Small.csv"
needs_payloads = pytest.mark.skipif(not EA_ACTUAL.exists(), reason="no shared payloads folder")

SUB = "5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10"
ACCOUNT = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/ai1"
)
VM = f"/subscriptions/{SUB}/resourceGroups/rg-vm/providers/Microsoft.Compute/virtualMachines/vm1"
# Real meters (Retail Prices snapshot 2025-08-25, eastus2).
GPT4O_IN = ("e44b94b3-934f-5f67-bf3a-c9a64d3a83d5", "gpt 4o 1120 Inp glbl Tokens")
GPT4O_OUT = ("39ae1495-1ea6-51c4-b153-3b303891275b", "gpt 4o 1120 Outp glbl Tokens")
GPT5_MINI_IN = ("c49bbc0f-4a04-5700-b71a-92aa11ab9cee", "GPT 5 Mini Inpt Glbl 1M Tokens")
TEXT_RECORDS = ("af6658fb-4d3b-5bdb-974b-a001d996ff6d", "Standard Text Records")
PTU_GLOBAL = "Provisioned Managed Global Unit"
RESERVATION = "/providers/Microsoft.Capacity/reservationOrders/0f1e/reservations/9a8b"


def csv_text(header: list[str] | tuple[str, ...], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue()


def ea_row(meter: tuple[str, str], quantity: str, cost: str, **extra: str) -> dict[str, str]:
    return {
        "Date": "10/03/2026",
        "MeterCategory": "Cognitive Services",
        "MeterSubCategory": "Azure OpenAI",
        "MeterId": meter[0],
        "MeterName": meter[1],
        "UnitOfMeasure": "1K",
        "Quantity": quantity,
        "CostInBillingCurrency": cost,
        "BillingCurrencyCode": "USD",
        "ResourceId": ACCOUNT,
        "ChargeType": "Usage",
        "PricingModel": "OnDemand",
        **extra,
    }


# --- the real finops-toolkit EA samples (no AOAI rows) -------------------------------------------


@needs_payloads
def test_the_real_ea_actual_sample_is_detected_as_the_old_ea_layout_despite_its_bom() -> None:
    header = EA_ACTUAL.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[0].startswith("\ufeff")
    assert detect_dialect(header) is ExportDialect.EA_LEGACY


@needs_payloads
def test_the_real_ea_actual_sample_parses_every_row_when_the_filter_is_off() -> None:
    lines = read_cost_export(EA_ACTUAL, service_filter=None)
    with EA_ACTUAL.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(lines) == len(rows) == 11
    purchase = lines[0]
    assert purchase.date == date(2023, 9, 21)
    assert purchase.charge_type is ChargeType.PURCHASE
    assert purchase.pricing_model is PricingModel.RESERVATION
    assert purchase.account_id == ""  # a reservation order, not a subscription resource
    assert purchase.cost == Decimal("3.25")
    storage = lines[1]
    assert (storage.quantity, storage.cost, storage.unit_of_measure) == (
        Decimal("0.0004"),
        Decimal("0.00004"),
        "10K",
    )
    assert all(line.cost_type is CostType.ACTUAL and line.currency == "USD" for line in lines)
    assert sum(line.cost for line in lines) == sum(Decimal(r["Cost"]) for r in rows)


@needs_payloads
def test_the_real_ea_amortized_sample_keeps_every_digit_of_its_decimals() -> None:
    lines = read_cost_export(EA_AMORTIZED, cost_type=CostType.AMORTIZED, service_filter=None)
    with EA_AMORTIZED.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(line.cost_type is CostType.AMORTIZED for line in lines)
    assert {line.date for line in lines} <= {date(2023, 9, d) for d in range(1, 31)}
    assert Decimal("0.0000000072922557592391990000") in {line.cost for line in lines}
    assert sum(line.cost for line in lines) == sum(Decimal(r["Cost"]) for r in rows)
    assert len(lines) < len(rows)  # the sample repeats rows of the same identity: summed


@needs_payloads
def test_the_real_ea_samples_hold_no_ai_services_rows_so_the_default_filter_drops_all() -> None:
    assert read_cost_export(EA_ACTUAL) == []
    assert read_cost_export(EA_AMORTIZED, cost_type=CostType.AMORTIZED) == []


# --- legacy EA 2024-08-01 and MCA -----------------------------------------------------------------


def test_an_ea_2024_export_keeps_cognitive_services_and_foundry_models_rows_only() -> None:
    rows = [
        ea_row(GPT4O_IN, "1200.5", "2.88120000"),
        ea_row(GPT4O_OUT, "300", "2.88", MeterCategory="Foundry Models"),
        ea_row(TEXT_RECORDS, "2.1", "0.756", MeterSubCategory="Azure AI Content Safety"),
        ea_row(
            ("vm-meter", "D2 v3/D2s v3"),
            "24",
            "2.64",
            MeterCategory="Virtual Machines",
            ResourceId=VM,
            UnitOfMeasure="1 Hour",
        ),
    ]
    text = csv_text(EA_2024_08_01_COLUMNS, rows)
    assert detect_dialect(EA_2024_08_01_COLUMNS) is ExportDialect.EA
    lines = parse_cost_export(io.StringIO(text))
    assert [line.meter_name for line in lines] == [GPT4O_IN[1], GPT4O_OUT[1], TEXT_RECORDS[1]]
    first = lines[0]
    assert first.date == date(2026, 10, 3)
    assert first.account_id == ACCOUNT
    assert first.meter_id == GPT4O_IN[0]
    assert first.quantity == Decimal("1200.5")  # thousands of tokens, as billed
    assert first.cost == Decimal("2.88120000")
    assert first.meter_category == "Cognitive Services"
    assert first.meter_subcategory == "Azure OpenAI"
    assert lines[1].meter_category == "Foundry Models"
    assert len(parse_cost_export(io.StringIO(text), service_filter=None)) == 4


def test_a_row_on_a_cognitive_services_account_is_kept_whatever_its_category() -> None:
    rows = [
        ea_row(
            GPT5_MINI_IN,
            "1.25",
            "0.3",
            MeterCategory="Something New",
            UnitOfMeasure="1M",
            ResourceId=ACCOUNT.lower(),
        )
    ]
    lines = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert [(line.account_id, line.unit_of_measure) for line in lines] == [(ACCOUNT.lower(), "1M")]


def test_a_provisioned_throughput_reservation_purchase_is_kept_with_no_account() -> None:
    product = f"Azure AI Foundry Provisioned Throughput Reservation - {PTU_GLOBAL}"
    rows = [
        ea_row(
            ("ptu-meter", PTU_GLOBAL),
            "50",
            "13000",
            MeterCategory="",
            ResourceId=RESERVATION,
            ProductName=product,
            ChargeType="Purchase",
            PricingModel="Reservation",
            UnitOfMeasure="1/Hour",
        ),
        ea_row(
            ("vm-ri", "B1s"),
            "1",
            "3.25",
            MeterCategory="Virtual Machines",
            ResourceId=RESERVATION,
            ProductName="Reserved VM Instance, Standard_B1s",
            ChargeType="Purchase",
            PricingModel="Reservation",
        ),
    ]
    lines = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert len(lines) == 1
    assert lines[0].account_id == ""
    assert lines[0].charge_type is ChargeType.PURCHASE
    assert lines[0].pricing_model is PricingModel.RESERVATION


def test_the_filter_is_a_plain_function_of_the_row() -> None:
    assert is_ai_services_row(ExportRow("Foundry Models", "", "", "", ""))
    assert is_ai_services_row(ExportRow("", "", "", "", "", service_name="cognitive services"))
    assert not is_ai_services_row(ExportRow("Storage", "Tiered Block Blob", "LRS", "", VM))


def test_a_legacy_export_is_actual_cost_unless_the_caller_says_amortized() -> None:
    text = csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "0.0024")])
    assert parse_cost_export(text)[0].cost_type is CostType.ACTUAL
    amortized = parse_cost_export(text, cost_type=CostType.AMORTIZED)
    assert amortized[0].cost_type is CostType.AMORTIZED


def test_an_mca_export_with_camel_case_columns_and_iso_dates_parses() -> None:
    header = [
        "invoiceId",
        "billingAccountId",
        "date",
        "serviceFamily",
        "meterId",
        "meterName",
        "meterCategory",
        "meterSubCategory",
        "ProductName",
        "SubscriptionId",
        "ResourceId",
        "quantity",
        "unitOfMeasure",
        "chargeType",
        "billingCurrency",
        "costInBillingCurrency",
        "costInUsd",
        "pricingModel",
    ]
    rows = [
        {
            "date": "2026-10-04",
            "meterId": GPT4O_OUT[0],
            "meterName": GPT4O_OUT[1],
            "meterCategory": "Foundry Models",
            "meterSubCategory": "Azure OpenAI",
            "ResourceId": ACCOUNT,
            "quantity": "12.345",
            "unitOfMeasure": "1K",
            "chargeType": "Usage",
            "billingCurrency": "eur",
            "costInBillingCurrency": "0.1135740",
            "costInUsd": "0.12345",
            "pricingModel": "On Demand",
        },
    ]
    assert detect_dialect(header) is ExportDialect.MCA
    (line,) = parse_cost_export(csv_text(header, rows))
    assert line.date == date(2026, 10, 4)
    assert line.cost == Decimal("0.1135740")  # the billing currency, not costInUsd
    assert line.currency == "EUR"
    assert line.pricing_model is PricingModel.ON_DEMAND  # "On Demand" folded


def test_the_old_ea_layout_reads_cost_and_billing_currency_and_us_dates() -> None:
    header = [
        "BillingAccountId",
        "Date",
        "Product",
        "MeterId",
        "MeterCategory",
        "MeterSubCategory",
        "MeterName",
        "Quantity",
        "EffectivePrice",
        "Cost",
        "BillingCurrency",
        "ResourceId",
        "UnitOfMeasure",
        "ChargeType",
        "PricingModel",
    ]
    rows = [
        {
            "Date": "09/21/2025",
            "MeterId": GPT4O_IN[0],
            "MeterName": GPT4O_IN[1],
            "MeterCategory": "Cognitive Services",
            "Quantity": "10",
            "Cost": "0.025",
            "BillingCurrency": "USD",
            "ResourceId": ACCOUNT,
            "UnitOfMeasure": "1K",
        }
    ]
    (line,) = parse_cost_export(io.StringIO("\ufeff" + csv_text(header, rows)))
    assert (line.date, line.cost, line.charge_type) == (
        date(2025, 9, 21),
        Decimal("0.025"),
        ChargeType.USAGE,
    )


# --- FOCUS --------------------------------------------------------------------------------

FOCUS_10 = [
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "ChargeCategory",
    "ChargeClass",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "EffectiveCost",
    "ListCost",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ResourceId",
    "ServiceName",
    "x_PricingUnitDescription",
    "x_SkuMeterCategory",
    "x_SkuMeterId",
    "x_SkuMeterName",
    "x_SkuMeterSubcategory",
]
FOCUS_12 = [*FOCUS_10, "SkuMeter", "PricingCurrency", "InvoiceId"]


def focus_row(
    meter: tuple[str, str], blocks: str, billed: str, effective: str, **extra: str
) -> dict[str, str]:
    return {
        "BilledCost": billed,
        "EffectiveCost": effective,
        "BillingCurrency": "USD",
        "ChargeCategory": "Usage",
        "ChargePeriodStart": "2026-10-05T00:00:00Z",
        "ChargePeriodEnd": "2026-10-06T00:00:00Z",
        "PricingCategory": "Standard",
        "PricingQuantity": blocks,
        "ConsumedQuantity": str(Decimal(blocks) * 1000),
        "ConsumedUnit": "Units",
        "PricingUnit": "Units",
        "ResourceId": ACCOUNT,
        "ServiceName": "Azure OpenAI Service",
        "x_PricingUnitDescription": "1K",
        "x_SkuMeterCategory": "Cognitive Services",
        "x_SkuMeterId": meter[0],
        "x_SkuMeterName": meter[1],
        "x_SkuMeterSubcategory": "Azure OpenAI",
        **extra,
    }


def focus_ptu_file() -> str:
    ptu = ("ptu-global", PTU_GLOBAL)
    reserved = dict(
        PricingCategory="Committed",
        CommitmentDiscountType="Reservation",
        x_PricingUnitDescription="1/Hour",
    )
    rows = [
        focus_row(GPT4O_IN, "100", "0.25", "0.25"),
        focus_row(ptu, "360", "0", "130.00", CommitmentDiscountStatus="Used", **reserved),
        focus_row(
            ptu,
            "120",
            "0",
            "43.33",
            CommitmentDiscountStatus="Unused",
            ResourceId="",
            x_SkuMeterCategory="",
            ServiceName="",
            x_SkuMeterSubcategory="Azure AI Foundry Provisioned Throughput Reservation",
            **reserved,
        ),
        focus_row(
            ptu, "15", "3900", "0", ChargeCategory="Purchase", ResourceId=RESERVATION, **reserved
        ),
    ]
    return csv_text(FOCUS_10, rows)


def test_a_focus_file_gives_both_bases_when_no_cost_type_is_asked() -> None:
    lines = parse_cost_export(focus_ptu_file())
    actual = [line for line in lines if line.cost_type is CostType.ACTUAL]
    amortized = [line for line in lines if line.cost_type is CostType.AMORTIZED]
    assert len(actual) == len(amortized) == 4
    assert lines[:4] == actual  # actual first, then amortized
    assert sum(line.cost for line in actual) == Decimal("3900.25")
    assert sum(line.cost for line in amortized) == Decimal("173.58")
    charges = [line.charge_type for line in amortized]
    assert charges == [
        ChargeType.USAGE,
        ChargeType.USAGE,
        ChargeType.UNUSED_RESERVATION,
        ChargeType.PURCHASE,
    ]
    assert [line.pricing_model for line in actual] == [
        PricingModel.ON_DEMAND,
        *[PricingModel.RESERVATION] * 3,
    ]


def test_a_focus_file_gives_only_the_basis_asked_for() -> None:
    lines = parse_cost_export(focus_ptu_file(), cost_type=CostType.AMORTIZED)
    assert {line.cost_type for line in lines} == {CostType.AMORTIZED}
    billed_only = [ln for ln in parse_cost_export(focus_ptu_file(), cost_type=CostType.ACTUAL)]
    assert [line.cost for line in billed_only] == [Decimal(x) for x in ("0.25", "0", "0", "3900")]


def test_focus_quantities_are_pricing_blocks_not_consumed_tokens() -> None:
    (line, _) = parse_cost_export(csv_text(FOCUS_10, [focus_row(GPT4O_IN, "1.5", "1", "1")]))
    assert line.quantity == Decimal("1.5")
    assert line.unit_of_measure == "1K"
    assert line.date == date(2026, 10, 5)


def test_a_focus_12_file_prefers_sku_meter_and_maps_credits_and_adjustments() -> None:
    rows = [
        focus_row(
            GPT4O_IN,
            "2",
            "0.005",
            "0.005",
            SkuMeter="gpt 4o 1120 Inp glbl Tokens",
            x_SkuMeterName="",
            ChargePeriodStart="2026-10-07",
        ),
        focus_row(GPT4O_OUT, "0", "-1.00", "-1.00", ChargeCategory="Credit"),
        focus_row(GPT4O_OUT, "0", "0.01", "0.01", ChargeCategory="Adjustment"),
    ]
    lines = parse_cost_export(csv_text(FOCUS_12, rows), cost_type=CostType.ACTUAL)
    assert lines[0].meter_name == GPT4O_IN[1]
    assert lines[0].date == date(2026, 10, 7)
    assert [ln.charge_type for ln in lines] == [
        ChargeType.USAGE,
        ChargeType.REFUND,
        ChargeType.ROUNDING_ADJUSTMENT,
    ]


# --- sums and exact money ------------------------------------------------------------------


def test_rows_of_the_same_identity_are_summed_even_when_azure_lower_cases_the_resource_id() -> None:
    rows = [
        ea_row(GPT4O_IN, "1000.1", "2.40024"),
        ea_row(GPT4O_IN, "0.2", "0.00048", ResourceId=ACCOUNT.lower()),
        ea_row(GPT4O_IN, "5", "0", PricingModel="Reservation"),  # another pricing model
        ea_row(GPT4O_IN, "7", "0.0168", Date="10/04/2026"),  # another day
    ]
    lines = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert len(lines) == 3
    assert (lines[0].quantity, lines[0].cost) == (Decimal("1000.3"), Decimal("2.40072"))
    assert lines[0].account_id == ACCOUNT  # the first spelling seen


def test_money_is_summed_in_decimal_without_float_drift() -> None:
    rows = [ea_row(GPT4O_IN, "1", cost) for cost in ("0.1", "0.2", "0.00000001")]
    (line,) = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert line.cost == Decimal("0.30000001")
    assert isinstance(line.cost, Decimal)


@given(
    st.lists(
        st.decimals(
            min_value=-(10**6), max_value=10**6, places=10, allow_nan=False, allow_infinity=False
        ),
        min_size=1,
        max_size=20,
    )
)
def test_any_costs_of_one_identity_sum_exactly(costs: list[Decimal]) -> None:
    # Azure splits one meter-day over rows that differ in another column (here the tags).
    rows = [
        ea_row(GPT4O_IN, "1", f"{cost:f}", Tags=f'{{"row": "{i}"}}') for i, cost in enumerate(costs)
    ]
    (line,) = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert line.cost == sum(costs, Decimal(0))
    assert line.quantity == len(costs)


def test_scientific_notation_and_empty_quantities_are_read() -> None:
    rows = [ea_row(GPT4O_IN, "", "7.5E-05")]
    (line,) = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert (line.quantity, line.cost) == (Decimal(0), Decimal("0.000075"))


# --- files and errors -----------------------------------------------------------------------------


def test_a_gzipped_export_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "part_0_0001.csv.gz"
    text = csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "0.0024")])
    with gzip.open(path, "wt", encoding="utf-8-sig", newline="") as f:
        f.write(text)
    assert [line.cost for line in read_cost_export(path)] == [Decimal("0.0024")]


def test_a_missing_required_column_is_named() -> None:
    header = [c for c in EA_2024_08_01_COLUMNS if c != "MeterId"]
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(csv_text(header, [ea_row(GPT4O_IN, "1", "1")]))
    assert err.value.field == "MeterId"
    assert "line 1" in str(err.value)


def test_a_focus_file_without_the_basis_asked_for_names_that_column() -> None:
    header = [c for c in FOCUS_10 if c != "EffectiveCost"]
    text = csv_text(header, [focus_row(GPT4O_IN, "1", "1", "1")])
    assert parse_cost_export(text, cost_type=CostType.ACTUAL)
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(text)
    assert err.value.field == "EffectiveCost"


def test_an_unparseable_cost_names_the_column_and_the_line() -> None:
    rows = [ea_row(GPT4O_IN, "1", "0.1"), ea_row(GPT4O_IN, "1", "1,5")]
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert err.value.field == "CostInBillingCurrency"
    assert "line 3" in str(err.value)
    assert "'1,5'" in str(err.value)


def test_line_numbers_count_physical_lines_after_a_multi_line_quoted_field() -> None:
    rows = [
        ea_row(GPT4O_IN, "1", "0.1", AdditionalInfo='{"a":\n"b"}'),
        ea_row(GPT4O_IN, "abc", "0.1"),
    ]
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert err.value.field == "Quantity"
    assert "line 4" in str(err.value)


@pytest.mark.parametrize("bad", ["2026-13-01", "31/10/2026", "yesterday", ""])
def test_an_unparseable_date_names_the_column_and_the_line(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "1", Date=bad)]))
    assert err.value.field == "Date"
    assert "line 2" in str(err.value)


def test_a_nan_cost_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "NaN")]))


def test_a_malformed_csv_is_refused_as_invalid_input() -> None:
    text = csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "1")])
    with pytest.raises(InvalidInput) as err:
        parse_cost_export([text])  # one string holding many lines: not a line iterable
    assert "malformed CSV" in str(err.value)


def test_a_file_that_is_not_a_cost_export_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_cost_export("name,value\nx,1\n")
    assert err.value.field == "header"
    with pytest.raises(InvalidInput):
        parse_cost_export([])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-31", date(2026, 10, 31)),
        ("2026-10-31T00:00:00Z", date(2026, 10, 31)),
        ("2026-10-31T00:00:00.0000000Z", date(2026, 10, 31)),
        ("2026-10-31 00:00:00", date(2026, 10, 31)),
        ("2026-10-31T00:00:00+00:00", date(2026, 10, 31)),
        ("10/31/2026", date(2026, 10, 31)),
        ("1/5/2026", date(2026, 1, 5)),
    ],
)
def test_export_dates_come_in_iso_and_us_forms(text: str, expected: date) -> None:
    assert parse_export_date(text) == expected


# --- bounds and currencies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"CostInBillingCurrency": "1000000000000000.01"}, "CostInBillingCurrency"),
        ({"CostInBillingCurrency": "-2E+15"}, "CostInBillingCurrency"),
        ({"Quantity": "1e19"}, "Quantity"),
    ],
)
def test_a_value_beyond_the_bounds_names_the_column_and_the_line(
    cells: dict[str, str], column: str
) -> None:
    rows = [ea_row(GPT4O_IN, "1", "0.1"), ea_row(GPT4O_IN, "1", "0.2", **cells)]
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert err.value.field == column
    assert "line 3" in str(err.value)
    assert "\n" not in str(err.value)


def test_an_amount_at_the_bound_is_read_exactly() -> None:
    top = "999999999999999.999999999999"
    rows = [ea_row(GPT4O_IN, "1", top), ea_row(GPT4O_IN, "1", "-" + top, Date="10/04/2026")]
    lines = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert [line.cost for line in lines] == [Decimal(top), -Decimal(top)]


def test_a_focus_effective_cost_beyond_the_bound_is_named() -> None:
    text = csv_text(FOCUS_10, [focus_row(GPT4O_IN, "1", "1", "1e16")])
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(text)
    assert err.value.field == "EffectiveCost"
    assert "line 2" in str(err.value)


@pytest.mark.parametrize("currency", ["XYZ", "", "US Dollar"])
def test_an_unknown_or_missing_currency_names_the_column_and_the_line(currency: str) -> None:
    rows = [
        ea_row(GPT4O_IN, "1", "0.1"),
        ea_row(GPT4O_IN, "1", "0.2", BillingCurrencyCode=currency),
    ]
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows))
    assert err.value.field == "BillingCurrencyCode"
    assert "line 3" in str(err.value)
    assert "ISO 4217" in str(err.value)


def test_a_focus_row_without_a_billing_currency_is_refused() -> None:
    text = csv_text(FOCUS_10, [focus_row(GPT4O_IN, "1", "1", "1", BillingCurrency="")])
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(text)
    assert err.value.field == "BillingCurrency"


def test_a_row_the_filter_drops_is_not_checked_for_its_currency() -> None:
    vm = ea_row(("vm", "D2 v3"), "1", "9", MeterCategory="Virtual Machines", ResourceId=VM,
                BillingCurrencyCode="")  # fmt: skip
    lines = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "1"), vm]))
    assert len(lines) == 1


# --- encodings ------------------------------------------------------------------------------------


def one_row_export(meter_name: str = GPT4O_IN[1], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", delimiter=delimiter)
    writer.writerow(EA_2024_08_01_COLUMNS)
    row = ea_row((GPT4O_IN[0], meter_name), "2", "0.0048")
    writer.writerow([row.get(column, "") for column in EA_2024_08_01_COLUMNS])
    return out.getvalue()


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
    ],
)
def test_utf8_with_or_without_bom_and_utf16_with_bom_are_read(
    tmp_path: Path, encoding: str, bom: bytes
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(bom + one_row_export("gpt 4o 1120 Inp glbl Tokens – café").encode(encoding))
    (line,) = read_cost_export(path)
    assert line.meter_name == "gpt 4o 1120 Inp glbl Tokens – café"
    assert (line.cost, line.currency) == (Decimal("0.0048"), "USD")


def test_excels_unicode_text_utf16_tab_separated_and_gzipped_is_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv.gz"
    path.write_bytes(
        gzip.compress(b"\xff\xfe" + one_row_export(delimiter="\t").encode("utf-16-le"))
    )
    (line,) = read_cost_export(path)
    assert (line.meter_id, line.cost) == (GPT4O_IN[0], Decimal("0.0048"))


def test_a_file_in_another_encoding_is_one_invalid_input_naming_the_file_and_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "saved-by-excel.csv"
    path.write_bytes(one_row_export("Résumé tokens").encode("cp1252"))
    with pytest.raises(InvalidInput) as err:
        read_cost_export(path)
    message = str(err.value)
    assert err.value.field == "saved-by-excel.csv"
    assert "line 2" in message
    assert "UTF-8" in message
    assert "\n" not in message


def test_utf16_without_a_bom_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(one_row_export().encode("utf-16-le"))
    with pytest.raises(InvalidInput, match="save it as UTF-8 CSV"):
        read_cost_export(path)


def test_a_broken_gzip_file_is_an_invalid_input_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(one_row_export().encode())[:-12])
    with pytest.raises(InvalidInput) as err:
        read_cost_export(path)
    assert err.value.field == "export.csv.gz"


# --- records of the wrong length, header only -----------------------------------------------------


def test_a_truncated_last_row_is_refused_naming_the_file_line(tmp_path: Path) -> None:
    text = csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "1"), ea_row(GPT4O_IN, "2", "2")])
    path = tmp_path / "part_1.csv"
    path.write_text(text[: text.rindex(",USD,")], encoding="utf-8")  # cut mid-row
    with pytest.raises(InvalidInput) as err:
        read_cost_export(path)
    assert err.value.field == "part_1.csv"
    assert "line 3" in str(err.value)
    assert "truncated" in str(err.value)


def test_a_row_with_more_cells_than_the_header_is_refused() -> None:
    text = csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "1")])
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n") + ",1,5\n"  # an unquoted decimal comma
    with pytest.raises(InvalidInput) as err:
        parse_cost_export(lines)
    assert "line 2" in str(err.value)
    assert f"{len(EA_2024_08_01_COLUMNS) + 2} cells" in str(err.value)


def test_an_export_with_only_a_header_gives_no_lines(tmp_path: Path) -> None:
    path = tmp_path / "empty-month.csv"
    path.write_text(",".join(EA_2024_08_01_COLUMNS) + "\n", encoding="utf-8")
    assert read_cost_export(path) == []


# --- duplicates -----------------------------------------------------------------------------------


def test_rows_identical_in_every_cell_are_read_once_with_one_warning() -> None:
    first, other = ea_row(GPT4O_IN, "1", "0.25"), ea_row(GPT4O_OUT, "2", "0.5")
    text = csv_text(EA_2024_08_01_COLUMNS, [first, other, first, first, other])
    ledger = ExportLedger()

    lines = parse_cost_export(text, ledger=ledger, source="export.csv")

    assert [(ln.meter_id, ln.cost) for ln in lines] == [
        (GPT4O_IN[0], Decimal("0.25")),
        (GPT4O_OUT[0], Decimal("0.5")),
    ]
    (warning,) = ledger.warnings
    assert warning.startswith("export.csv: 3 rows identical in every cell")
    assert "line 4" in warning  # the first repeat
    assert "same as line 2" in warning


def test_rows_of_one_identity_that_differ_in_another_cell_are_still_summed() -> None:
    rows = [ea_row(GPT4O_IN, "1", "0.25", ResourceGroup=group) for group in ("rg-a", "rg-b")]
    ledger = ExportLedger()
    (line,) = parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, rows), ledger=ledger)
    assert (line.cost, line.quantity) == (Decimal("0.50"), Decimal(2))
    assert ledger.warnings == []


def test_a_repeated_row_is_logged_as_one_warning_line(caplog: pytest.LogCaptureFixture) -> None:
    row = ea_row(GPT4O_IN, "1", "0.25")
    with caplog.at_level("WARNING", logger="shared.adapters.formats.export_csv"):
        parse_cost_export(csv_text(EA_2024_08_01_COLUMNS, [row, row]))
    (record,) = caplog.records
    assert "1 row identical in every cell" in record.getMessage()
    assert "\n" not in record.getMessage()


def test_the_same_file_twice_under_another_name_is_read_once(tmp_path: Path) -> None:
    text = csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_IN, "1", "0.25")])
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    (tmp_path / "a (copy).csv").write_text(text, encoding="utf-8")
    with gzip.open(tmp_path / "a.csv.gz", "wt", encoding="utf-8", newline="") as f:
        f.write(text)
    paths = [tmp_path / "a.csv", tmp_path / "a (copy).csv", tmp_path / "a.csv.gz"]

    reading = read_cost_exports(paths)

    assert [line.cost for line in reading.lines] == [Decimal("0.25")]
    assert reading.warnings == (
        "a (copy).csv has the same content as a.csv: read once, not summed twice",
        "a.csv.gz has the same content as a.csv: read once, not summed twice",
    )


def test_overlapping_export_runs_read_their_common_rows_once(tmp_path: Path) -> None:
    day1 = [ea_row(GPT4O_IN, "1", "0.25"), ea_row(GPT4O_OUT, "1", "0.5")]
    day2 = [ea_row(GPT4O_IN, "3", "0.75", Date="10/04/2026")]
    (tmp_path / "run1.csv").write_text(csv_text(EA_2024_08_01_COLUMNS, day1), encoding="utf-8")
    (tmp_path / "run2.csv").write_text(
        csv_text(EA_2024_08_01_COLUMNS, [day1[1], *day2, day1[0]]), encoding="utf-8"
    )

    reading = read_cost_exports([tmp_path / "run1.csv", tmp_path / "run2.csv"])

    assert sum(line.cost for line in reading.lines) == Decimal("1.50")
    assert reading.warnings == (
        "run2.csv: 2 rows identical in every cell to rows read before, read once "
        "(the first at line 2, same as run1.csv line 3)",
    )
