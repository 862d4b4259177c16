"""parse_query_rows: Cost Management Query rows read into cost lines, by column name."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.adapters.formats.cost_query_rows import parse_query_rows
from shared.core.costs import ChargeType, CostType, PricingModel, merge_cost_lines
from shared.errors import CurrencyMismatch, InvalidInput

PAYLOADS = Path("/work/shared/payloads/azure-api")
ACCOUNT = (
    "/subscriptions/6f1c2a3b-0000-4000-8000-00000000a001/resourceGroups/RG-AI"
    "/providers/Microsoft.CognitiveServices/accounts/AOAI-Prod"
)
COLUMNS = [
    {"name": "Cost", "type": "Number"},
    {"name": "UsageQuantity", "type": "Number"},
    {"name": "UsageDate", "type": "Number"},
    {"name": "ResourceId", "type": "String"},
    {"name": "ResourceGuid", "type": "String"},
    {"name": "Meter", "type": "String"},
    {"name": "ChargeType", "type": "String"},
    {"name": "PricingModel", "type": "String"},
    {"name": "Currency", "type": "String"},
]
METER = "2f6b8c57-8d43-4a52-9c6f-5a0d7d1b8e01"


def spec_example(name: str) -> dict[str, Any]:
    body = json.loads((PAYLOADS / name).read_text(), parse_float=Decimal)
    return body["responses"]["200"]["body"]["properties"]


def row(cost: str, day: int = 20261103, account: str = ACCOUNT, **cells: str) -> list[object]:
    return [
        Decimal(cost),
        Decimal(cells.get("quantity", "1000")),
        day,
        account,
        cells.get("meter_id", METER),
        cells.get("meter", "gpt-4o-0806-Inp-glbl Tokens"),
        cells.get("charge", "Usage"),
        cells.get("pricing", "OnDemand"),
        cells.get("currency", "USD"),
    ]


def test_the_spec_example_is_read_by_column_name_and_its_rows_summed_exactly() -> None:
    props = spec_example("azure-rest-api-specs_2025-03-01_BillingAccountQuery.json")

    (line,) = parse_query_rows(props["columns"], props["rows"], CostType.ACTUAL)

    # The example groups by ResourceGroup only, which a cost line does not keep: one bill line.
    assert line.cost == sum(
        (Decimal(v) for v in ("19.545363672276512", "173.41979241290323", "20.35941656262545")),
        Decimal("0.16677720329728665"),
    )
    assert (line.date, line.currency, line.account_id, line.quantity) == (
        date(2018, 3, 31),
        "USD",
        "",
        Decimal(0),
    )


def test_a_result_without_usage_date_is_refused_naming_the_column() -> None:
    props = spec_example("azure-rest-api-specs_2025-03-01_SubscriptionQueryGrouping.json")

    with pytest.raises(InvalidInput, match="UsageDate"):
        parse_query_rows(props["columns"], props["rows"], CostType.ACTUAL)


def test_columns_are_found_by_name_whatever_their_order_and_case() -> None:
    rows = [row("1.5"), row("2.25", 20261104, meter="gpt-4o-0806-Outp-glbl Tokens")]
    order = [8, 3, 0, 6, 2, 5, 1, 7, 4]
    shuffled_columns = [{**COLUMNS[i], "name": COLUMNS[i]["name"].upper()} for i in order]
    shuffled_rows = [[r[i] for i in order] for r in rows]

    assert parse_query_rows(shuffled_columns, shuffled_rows, CostType.ACTUAL) == parse_query_rows(
        COLUMNS, rows, CostType.ACTUAL
    )


def test_every_field_of_a_row_lands_in_the_cost_line() -> None:
    (line,) = parse_query_rows(
        COLUMNS,
        [
            row(
                "48",
                quantity="24",
                charge="UnusedReservation",
                pricing="Reservation",
                currency="eur",
            )
        ],
        CostType.AMORTIZED,
    )

    assert line.date == date(2026, 11, 3)
    assert line.account_id == ACCOUNT
    assert line.meter_id == METER
    assert line.meter_name == "gpt-4o-0806-Inp-glbl Tokens"
    assert (line.cost, line.quantity, line.currency) == (Decimal(48), Decimal(24), "EUR")
    assert line.charge_type is ChargeType.UNUSED_RESERVATION
    assert line.pricing_model is PricingModel.RESERVATION
    assert line.cost_type is CostType.AMORTIZED


def test_resource_ids_are_kept_as_billed_and_casings_of_one_resource_are_summed() -> None:
    # JSON text as the API sends it: 0.1 + 0.2 must come out as 0.3, not 0.30000000000000004.
    first = f'[0.1, 1, 20261103, "{ACCOUNT.lower()}", "{METER}", "m", "Usage", "OnDemand", "USD"]'
    second = f'[0.2, 2, 20261103, "{ACCOUNT}", "{METER.upper()}", "m", "Usage", "OnDemand", "USD"]'
    payload = json.loads(f'{{"rows": [{first}, {second}]}}', parse_float=Decimal)

    (line,) = parse_query_rows(COLUMNS, payload["rows"], CostType.ACTUAL)

    assert line.account_id == ACCOUNT.lower()  # the first casing seen, as billed
    assert line.cost == Decimal("0.3")
    assert line.quantity == Decimal(3)


@pytest.mark.parametrize(
    ("billed", "expected"),
    [("On Demand", PricingModel.ON_DEMAND), ("", PricingModel.ON_DEMAND),
     ("Reservation", PricingModel.RESERVATION), ("Spot", PricingModel.SPOT)],
)  # fmt: skip
def test_pricing_models_are_spelled_one_way(billed: str, expected: PricingModel) -> None:
    (line,) = parse_query_rows(COLUMNS, [row("1", pricing=billed)], CostType.ACTUAL)

    assert line.pricing_model is expected


@pytest.mark.parametrize("day", [20261103, "20261103", Decimal("20261103"), "2026-11-03T00:00:00"])
def test_usage_dates_are_read_from_numbers_and_texts(day: object) -> None:
    (line,) = parse_query_rows(COLUMNS, [row("1", day=day)], CostType.ACTUAL)  # type: ignore[arg-type]

    assert line.date == date(2026, 11, 3)


def test_a_row_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"rows\[0\]"):
        parse_query_rows(COLUMNS, [row("1")[:-1]], CostType.ACTUAL)


def test_a_result_without_a_cost_column_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Cost"):
        parse_query_rows(COLUMNS[1:], [row("1")[1:]], CostType.ACTUAL)


def test_a_bad_usage_date_is_refused() -> None:
    with pytest.raises(InvalidInput, match="UsageDate"):
        parse_query_rows(COLUMNS, [row("1", day=20261340)], CostType.ACTUAL)


def test_one_bill_line_in_two_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        parse_query_rows(COLUMNS, [row("1"), row("2", currency="EUR")], CostType.ACTUAL)


def test_no_rows_give_no_lines() -> None:
    assert parse_query_rows(COLUMNS, [], CostType.ACTUAL) == []


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=-1000, max_value=1000, places=8, allow_nan=False),
            st.sampled_from(["gpt-4o Inp", "gpt-4o Outp", "PTU"]),
            st.sampled_from([20261101, 20261102]),
            st.sampled_from([ACCOUNT, ACCOUNT.lower()]),
        ),
        max_size=30,
    )
)
def test_summing_by_identity_keeps_every_cent_and_leaves_one_line_per_identity(
    cells: list[tuple[Decimal, str, int, str]],
) -> None:
    rows = [row(str(cost), day, account, meter=meter) for cost, meter, day, account in cells]

    lines = parse_query_rows(COLUMNS, rows, CostType.ACTUAL)

    assert sum((ln.cost for ln in lines), Decimal(0)) == sum((c[0] for c in cells), Decimal(0))
    assert len(lines) == len({(c[1], c[2]) for c in cells})
    assert merge_cost_lines(lines) == lines


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"cost": "1000000000000000.5"}, "Cost"),
        ({"cost": "-1e16"}, "Cost"),
        ({"quantity": "2e18"}, "UsageQuantity"),
    ],
)
def test_a_value_beyond_the_bounds_names_the_column_the_row_its_date_and_meter(
    cells: dict[str, str], column: str
) -> None:
    bad = row(cells.get("cost", "1"), 20261104, quantity=cells.get("quantity", "1"))
    with pytest.raises(InvalidInput) as err:
        parse_query_rows(COLUMNS, [row("1"), bad], CostType.ACTUAL)
    message = str(err.value)
    assert err.value.field == column
    assert "rows[1]" in message
    assert "2026-11-04" in message
    assert "gpt-4o-0806-Inp-glbl Tokens" in message
    assert "\n" not in message


def test_an_amount_at_the_bound_is_read_exactly() -> None:
    top = Decimal("999999999999999.999999999999")
    (line,) = parse_query_rows(COLUMNS, [row(str(top))], CostType.ACTUAL)
    assert line.cost == top


def test_a_non_number_names_the_row() -> None:
    bad = row("1")
    bad[0] = "n/a"
    with pytest.raises(InvalidInput) as err:
        parse_query_rows(COLUMNS, [bad], CostType.ACTUAL)
    assert err.value.field == "Cost"
    assert "rows[0]" in str(err.value)


@pytest.mark.parametrize("currency", ["XYZ", "", None, "Dollar"])
def test_an_unknown_or_missing_currency_is_refused_naming_the_row(currency: str | None) -> None:
    bad = row("1")
    bad[8] = currency
    with pytest.raises(InvalidInput) as err:
        parse_query_rows(COLUMNS, [row("2"), bad], CostType.ACTUAL)
    assert err.value.field == "Currency"
    assert "rows[1]" in str(err.value)
    assert "ISO 4217" in str(err.value)
