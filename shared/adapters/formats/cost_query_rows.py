"""Cost Management Query API rows (`properties.columns` + `properties.rows`) read into cost lines.

Columns are found by name, case-insensitively, never by position. Numbers should arrive as
`Decimal` (`json.loads(text, parse_float=Decimal)`); ints and numeric strings are accepted too.
`UsageDate` is a number `yyyymmdd`. Resource ids are kept as billed (Azure may lower-case them).
Rows with the same `CostLine.identity` are summed.

Every row is checked as it enters: a cost within +-`MAX_AMOUNT`, a quantity within
+-`MAX_QUANTITY`, an ISO 4217 currency; a bad row is an InvalidInput naming the column and the
row (its index, usage date and meter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.core.costs import ChargeType, CostLine, CostType, PricingModel, merge_cost_lines
from shared.core.currency import parse_currency
from shared.core.money import ZERO, bounded_amount, bounded_quantity, to_decimal
from shared.errors import InvalidInput, excerpt

# Accepted names per field, first match wins (Query API aggregation / dimension names).
COST_COLUMNS = ("Cost", "PreTaxCost", "CostUSD", "PreTaxCostUSD")
QUANTITY_COLUMNS = ("UsageQuantity", "Quantity")
DATE_COLUMNS = ("UsageDate", "BillingMonth")
RESOURCE_COLUMNS = ("ResourceId",)
METER_ID_COLUMNS = ("ResourceGuid", "MeterId")
METER_NAME_COLUMNS = ("Meter", "MeterName")
CHARGE_TYPE_COLUMNS = ("ChargeType",)
PRICING_MODEL_COLUMNS = ("PricingModel",)
CURRENCY_COLUMNS = ("Currency", "BillingCurrency")
CATEGORY_COLUMNS = ("ServiceName", "MeterCategory")
SUBCATEGORY_COLUMNS = ("ServiceTier", "MeterSubcategory")
UNIT_COLUMNS = ("UnitOfMeasure",)

_YYYYMMDD = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_query_rows(
    columns: Sequence[Mapping[str, Any]],
    rows: Sequence[Sequence[Any]],
    cost_type: CostType,
) -> list[CostLine]:
    """Cost lines from one Query result (or several pages' rows), summed by identity."""
    if not rows:
        return []
    index = _column_index(columns)
    cost_at = _require(index, COST_COLUMNS)
    date_at = _require(index, DATE_COLUMNS)
    currency_at = _require(index, CURRENCY_COLUMNS)
    lines = []
    for number, row in enumerate(rows):
        if len(row) != len(columns):
            raise InvalidInput(
                f"rows[{number}]", f"has {len(row)} cells for {len(columns)} columns"
            )

        def text(names: tuple[str, ...], row: Sequence[Any] = row) -> str:
            at = _find(index, names)
            value = row[at] if at is not None else None
            return "" if value is None else str(value).strip()

        quantity_at = _find(index, QUANTITY_COLUMNS)
        day = _usage_date(row[date_at], f"rows[{number}].UsageDate")
        meter = text(METER_NAME_COLUMNS) or text(METER_ID_COLUMNS)
        where = f"rows[{number}] ({day.isoformat()}, meter {excerpt(meter)})"
        cost_column = _name(columns, cost_at)
        cost = _number(row[cost_at], cost_column, where, required=True)
        quantity = ZERO
        if quantity_at is not None:
            quantity_column = _name(columns, quantity_at)
            quantity = bounded_quantity(
                _number(row[quantity_at], quantity_column, where), quantity_column, where
            )
        currency = row[currency_at]
        lines.append(
            CostLine(
                date=day,
                account_id=text(RESOURCE_COLUMNS),
                meter_id=text(METER_ID_COLUMNS),
                meter_name=text(METER_NAME_COLUMNS),
                quantity=quantity,
                cost=bounded_amount(cost, cost_column, where),
                currency=parse_currency(
                    "" if currency is None else str(currency), where, _name(columns, currency_at)
                ),
                charge_type=ChargeType.parse(text(CHARGE_TYPE_COLUMNS)),
                pricing_model=PricingModel.parse(text(PRICING_MODEL_COLUMNS)),
                cost_type=cost_type,
                unit_of_measure=text(UNIT_COLUMNS),
                meter_category=text(CATEGORY_COLUMNS),
                meter_subcategory=text(SUBCATEGORY_COLUMNS),
            )
        )
    return merge_cost_lines(lines)


def _column_index(columns: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    index: dict[str, int] = {}
    for at, column in enumerate(columns):
        name = column.get("name") if isinstance(column, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"columns[{at}]", "has no name")
        index.setdefault(name.strip().lower(), at)
    return index


def _find(index: Mapping[str, int], names: tuple[str, ...]) -> int | None:
    for name in names:
        at = index.get(name.lower())
        if at is not None:
            return at
    return None


def _require(index: Mapping[str, int], names: tuple[str, ...]) -> int:
    at = _find(index, names)
    if at is None:
        raise InvalidInput("columns", f"no {names[0]} column (looked for {', '.join(names)})")
    return at


def _name(columns: Sequence[Mapping[str, Any]], at: int) -> str:
    return str(columns[at]["name"]).strip()


def _number(value: object, column: str, where: str, *, required: bool = False) -> Decimal:
    if value is None or value == "":
        if required:
            raise InvalidInput(column, f"{where}: has no cost")
        return ZERO
    try:
        return to_decimal(value, column)
    except InvalidInput as exc:
        raise InvalidInput(column, f"{where}: {exc.problem}") from None


def _usage_date(value: object, field: str) -> date:
    """`20251103` (number or text), or an ISO date-time text as in `BillingMonth`."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    text = str(value).strip() if isinstance(value, int | str) else ""
    match = _YYYYMMDD.match(text)
    try:
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    raise InvalidInput(field, f"not a usage date: {value!r}")
