"""Cost Management export files (CSV, legacy EA/MCA or FOCUS columns) read into cost lines.

Dialects are detected from the header, case-insensitively:

* legacy EA, old layout: `Cost`, `BillingCurrency`, `Date` (MM/DD/YYYY), `Product`;
* legacy EA, dataVersion 2024-08-01: `CostInBillingCurrency`, `BillingCurrencyCode`, `ProductName`;
* legacy MCA, 2023-12-01-preview (camelCase): `costInBillingCurrency`, `billingCurrency`, `date`;
* FOCUS 1.0 / 1.2: `BilledCost` (actual) and `EffectiveCost` (amortized), `ChargePeriodStart`,
  `x_SkuMeterId`, `x_SkuMeterName` or `SkuMeter`, `PricingQuantity` (price blocks).

Quantities stay in price blocks (`UnitOfMeasure` / `x_PricingUnitDescription`, e.g. `1K`), money
is read into `Decimal` from the text, and rows with the same `CostLine.identity` are summed.

Filter (the default `service_filter`, `is_ai_services_row`), a row is kept when any holds:

1. its meter category (`MeterCategory`, FOCUS `x_SkuMeterCategory`) or FOCUS `ServiceName` is
   `Cognitive Services` or `Foundry Models` (Azure renamed the category in 2025/2026);
2. its `ResourceId` is a `Microsoft.CognitiveServices/accounts` resource (or a deployment of one);
3. it is a reservation row about Cognitive Services: product, product order, meter or subcategory
   text mentions `Provisioned` together with `OpenAI`, `Foundry` or `Cognitive`.

Pass `service_filter=None` to keep every row.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Protocol, TextIO

from shared.core.costs import (
    ChargeType,
    CostLine,
    CostType,
    merge_cost_lines,
    normalize_pricing_model,
)
from shared.errors import InvalidInput

AI_SERVICE_NAMES = frozenset({"cognitive services", "foundry models"})
_COGNITIVE_RESOURCE = re.compile(r"/providers/microsoft\.cognitiveservices/accounts/", re.I)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: [0-9:]+(?: ?[AP]M)?)?$", re.I)


class ExportDialect(Enum):
    """The column layout of a cost export."""

    EA_LEGACY = "ea-legacy"
    EA = "ea-2024-08-01"
    MCA = "mca"
    FOCUS = "focus"


@dataclass(frozen=True)
class ExportRow:
    """The columns of one export row that decide whether the row concerns AI services."""

    meter_category: str
    meter_subcategory: str
    meter_name: str
    product: str
    resource_id: str
    service_name: str = ""
    product_order_name: str = ""


RowFilter = Callable[[ExportRow], bool]


def is_ai_services_row(row: ExportRow) -> bool:
    """The default filter: Cognitive Services / Foundry Models rows and their reservations."""
    if row.meter_category.strip().lower() in AI_SERVICE_NAMES:
        return True
    if row.service_name.strip().lower() in AI_SERVICE_NAMES:
        return True
    if _COGNITIVE_RESOURCE.search(row.resource_id or ""):
        return True
    text = " ".join(
        (row.product, row.product_order_name, row.meter_name, row.meter_subcategory)
    ).lower()
    return "provisioned" in text and any(w in text for w in ("openai", "foundry", "cognitive"))


# Columns (lower-cased) that differ between legacy dialects: cost, currency, product.
_LEGACY_DIFFERENCES: dict[ExportDialect, tuple[str, str, str]] = {
    ExportDialect.EA_LEGACY: ("cost", "billingcurrency", "product"),
    ExportDialect.EA: ("costinbillingcurrency", "billingcurrencycode", "productname"),
    ExportDialect.MCA: ("costinbillingcurrency", "billingcurrency", "productname"),
}
# concept -> column names (lower-cased); the first present column wins.
_LEGACY_COMMON: dict[str, tuple[str, ...]] = {
    "date": ("date",),
    "resource_id": ("resourceid",),
    "meter_id": ("meterid",),
    "meter_name": ("metername",),
    "quantity": ("quantity",),
    "meter_category": ("metercategory",),
    "meter_subcategory": ("metersubcategory",),
    "unit": ("unitofmeasure",),
    "charge_type": ("chargetype",),
    "pricing_model": ("pricingmodel",),
    "product_order": ("productordername",),
}
_LEGACY_REQUIRED = ("date", "cost", "currency", "resource_id", "meter_id", "meter_name", "quantity")
_FOCUS: dict[str, tuple[str, ...]] = {
    "date": ("chargeperiodstart",),
    "billed": ("billedcost",),
    "effective": ("effectivecost",),
    "currency": ("billingcurrency",),
    "resource_id": ("resourceid",),
    "meter_id": ("x_skumeterid",),
    "meter_name": ("skumeter", "x_skumetername"),
    "quantity": ("pricingquantity",),
    "charge_category": ("chargecategory",),
    "charge_class": ("chargeclass",),
    "commitment_status": ("commitmentdiscountstatus",),
    "commitment_type": ("commitmentdiscounttype",),
    "pricing_category": ("pricingcategory",),
    "unit": ("x_pricingunitdescription", "pricingunit"),
    "meter_category": ("x_skumetercategory",),
    "meter_subcategory": ("x_skumetersubcategory",),
    "service_name": ("servicename",),
    "product": ("x_skudescription",),
    "product_order": ("x_skuordername",),
}
_FOCUS_REQUIRED = ("date", "currency", "resource_id", "meter_id", "meter_name", "quantity")
_FOCUS_CHARGES = {
    "usage": ChargeType.USAGE,
    "purchase": ChargeType.PURCHASE,
    "tax": ChargeType.TAX,
    "credit": ChargeType.REFUND,
    "adjustment": ChargeType.ROUNDING_ADJUSTMENT,
}
_HEADER_NAMES = {
    name.lower(): name
    for name in (
        "Date", "Cost", "CostInBillingCurrency", "BillingCurrency", "BillingCurrencyCode",
        "ResourceId", "MeterId", "MeterName", "Quantity", "ChargePeriodStart", "BilledCost",
        "EffectiveCost", "x_SkuMeterId", "SkuMeter", "PricingQuantity",
    )
}  # fmt: skip


def detect_dialect(header: Iterable[str]) -> ExportDialect:
    """The export layout named by a header row; raises InvalidInput when it is none of them."""
    names = {_norm(h) for h in header}
    if "chargeperiodstart" in names and names & {"billedcost", "effectivecost"}:
        return ExportDialect.FOCUS
    if "costinbillingcurrency" in names:
        return ExportDialect.EA if "billingcurrencycode" in names else ExportDialect.MCA
    if "cost" in names and "date" in names:
        return ExportDialect.EA_LEGACY
    raise InvalidInput(
        "header",
        "line 1: not a Cost Management export (no Cost, CostInBillingCurrency or BilledCost)",
    )


def parse_cost_export(
    lines: Iterable[str] | TextIO,
    *,
    cost_type: CostType | None = None,
    service_filter: RowFilter | None = is_ai_services_row,
) -> list[CostLine]:
    """Cost lines of an export, duplicates summed, in first-seen order.

    Legacy files hold one basis: `cost_type` says which (default ActualCost). FOCUS files hold
    both: `cost_type=None` returns the actual lines then the amortized ones.
    """
    if isinstance(lines, str):
        lines = lines.splitlines(keepends=True)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput("header", f"line 1: malformed CSV: {exc}") from None
    if header is None:
        raise InvalidInput("header", "line 1: the export is empty")
    if header:
        header[0] = header[0].lstrip("\ufeff")
    dialect = detect_dialect(header)
    index = {_norm(name): i for i, name in enumerate(header)}
    if dialect is ExportDialect.FOCUS:
        bases = [cost_type] if cost_type else [CostType.ACTUAL, CostType.AMORTIZED]
        rows = _focus_lines(reader, header, index, bases, service_filter)
    else:
        basis = cost_type or CostType.ACTUAL
        rows = _legacy_lines(reader, header, index, dialect, basis, service_filter)
    return merge_cost_lines(rows)


def read_cost_export(
    path: Path,
    *,
    cost_type: CostType | None = None,
    service_filter: RowFilter | None = is_ai_services_row,
) -> list[CostLine]:
    """`parse_cost_export` of a `.csv` or gzip-compressed `.csv.gz` file (BOM tolerated)."""
    path = Path(path)
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    if gzipped:
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as text:
            return parse_cost_export(text, cost_type=cost_type, service_filter=service_filter)
    with path.open(encoding="utf-8-sig", newline="") as text:
        return parse_cost_export(text, cost_type=cost_type, service_filter=service_filter)


class _Reader(Protocol):
    """What we use of a `csv.reader`."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


class _Row:
    """One CSV record with its starting line number and the header's column names."""

    def __init__(self, cells: list[str], line: int, header: list[str], index: Mapping[str, int]):
        self.cells, self.line, self.header, self.index = cells, line, header, index

    def column(self, names: tuple[str, ...]) -> str | None:
        """The header spelling of the first present column among `names`."""
        for name in names:
            if name in self.index:
                return self.header[self.index[name]]
        return None

    def text(self, names: tuple[str, ...]) -> str:
        for name in names:
            i = self.index.get(name)
            if i is not None:
                return self.cells[i].strip() if i < len(self.cells) else ""
        return ""

    def decimal(self, names: tuple[str, ...], *, empty_is_zero: bool = False) -> Decimal:
        column = self.column(names) or names[0]
        raw = self.text(names)
        if not raw and empty_is_zero:
            return Decimal(0)
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            value = Decimal("NaN")
        if not value.is_finite():
            raise InvalidInput(column, f"line {self.line}: not a number: {raw!r}")
        return value

    def day(self, names: tuple[str, ...]) -> date:
        column = self.column(names) or names[0]
        raw = self.text(names)
        try:
            return parse_export_date(raw)
        except ValueError:
            raise InvalidInput(column, f"line {self.line}: not a date: {raw!r}") from None


def parse_export_date(text: str) -> date:
    """A day from `YYYY-MM-DD`, an ISO datetime (date part kept) or `MM/DD/YYYY`."""
    raw = text.strip()
    iso = _ISO_DATE.match(raw)
    if iso:
        return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    us = _US_DATE.match(raw)
    if us:
        return date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
    raise ValueError(f"not a date: {text!r}")


def _records(reader: _Reader, header: list[str], index: Mapping[str, int]) -> Iterator[_Row]:
    """Non-blank records, each with the file line it starts on (quoted fields may span lines)."""
    line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput("file", f"line {reader.line_num}: malformed CSV: {exc}") from None
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        yield _Row(cells, start, header, index)


def _require(
    index: Mapping[str, int], columns: Mapping[str, tuple[str, ...]], needed: Iterable[str]
) -> None:
    for concept in needed:
        names = columns[concept]
        if not any(name in index for name in names):
            label = _HEADER_NAMES.get(names[0], names[0])
            raise InvalidInput(label, "line 1: missing column in the export header")


def _legacy_lines(
    reader: _Reader,
    header: list[str],
    index: Mapping[str, int],
    dialect: ExportDialect,
    basis: CostType,
    service_filter: RowFilter | None,
) -> Iterator[CostLine]:
    cost, currency, product = _LEGACY_DIFFERENCES[dialect]
    cols = {**_LEGACY_COMMON, "cost": (cost,), "currency": (currency,), "product": (product,)}
    _require(index, cols, _LEGACY_REQUIRED)
    for row in _records(reader, header, index):
        facts = ExportRow(
            meter_category=row.text(cols["meter_category"]),
            meter_subcategory=row.text(cols["meter_subcategory"]),
            meter_name=row.text(cols["meter_name"]),
            product=row.text(cols["product"]),
            resource_id=row.text(cols["resource_id"]),
            product_order_name=row.text(cols["product_order"]),
        )
        if service_filter is not None and not service_filter(facts):
            continue
        yield CostLine(
            date=row.day(cols["date"]),
            account_id=_account_id(facts.resource_id),
            meter_id=row.text(cols["meter_id"]),
            meter_name=facts.meter_name,
            quantity=row.decimal(cols["quantity"], empty_is_zero=True),
            cost=row.decimal(cols["cost"]),
            currency=row.text(cols["currency"]).upper(),
            charge_type=ChargeType.parse(row.text(cols["charge_type"])),
            pricing_model=normalize_pricing_model(row.text(cols["pricing_model"])),
            cost_type=basis,
            unit_of_measure=row.text(cols["unit"]),
            meter_category=facts.meter_category,
            meter_subcategory=facts.meter_subcategory,
        )


def _focus_lines(
    reader: _Reader,
    header: list[str],
    index: Mapping[str, int],
    bases: list[CostType],
    service_filter: RowFilter | None,
) -> Iterator[CostLine]:
    cost_columns = {CostType.ACTUAL: "billed", CostType.AMORTIZED: "effective"}
    _require(index, _FOCUS, [*_FOCUS_REQUIRED, *(cost_columns[b] for b in bases)])
    per_basis: dict[CostType, list[CostLine]] = {basis: [] for basis in bases}
    for row in _records(reader, header, index):
        facts = ExportRow(
            meter_category=row.text(_FOCUS["meter_category"]),
            meter_subcategory=row.text(_FOCUS["meter_subcategory"]),
            meter_name=row.text(_FOCUS["meter_name"]),
            product=row.text(_FOCUS["product"]),
            resource_id=row.text(_FOCUS["resource_id"]),
            service_name=row.text(_FOCUS["service_name"]),
            product_order_name=row.text(_FOCUS["product_order"]),
        )
        if service_filter is not None and not service_filter(facts):
            continue
        line = CostLine(
            date=row.day(_FOCUS["date"]),
            account_id=_account_id(facts.resource_id),
            meter_id=row.text(_FOCUS["meter_id"]),
            meter_name=facts.meter_name,
            quantity=row.decimal(_FOCUS["quantity"], empty_is_zero=True),
            cost=Decimal(0),
            currency=row.text(_FOCUS["currency"]).upper(),
            charge_type=_focus_charge(row),
            pricing_model=_focusnormalize_pricing_model(row),
            unit_of_measure=row.text(_FOCUS["unit"]),
            meter_category=facts.meter_category or facts.service_name,
            meter_subcategory=facts.meter_subcategory,
        )
        for basis in bases:
            cost = row.decimal(_FOCUS[cost_columns[basis]])
            per_basis[basis].append(replace(line, cost=cost, cost_type=basis))
    for basis in bases:
        yield from per_basis[basis]


def _focus_charge(row: _Row) -> ChargeType:
    category = row.text(_FOCUS["charge_category"]).lower()
    status = row.text(_FOCUS["commitment_status"]).lower()
    if category == "usage" and status == "unused":
        kind = row.text(_FOCUS["commitment_type"]).replace(" ", "").lower()
        return (
            ChargeType.UNUSED_SAVINGS_PLAN
            if kind == "savingsplan"
            else ChargeType.UNUSED_RESERVATION
        )
    if category == "purchase" and row.text(_FOCUS["charge_class"]).lower() == "correction":
        return ChargeType.REFUND
    return _FOCUS_CHARGES.get(category, ChargeType.OTHER if category else ChargeType.USAGE)


def _focusnormalize_pricing_model(row: _Row) -> str:
    category = row.text(_FOCUS["pricing_category"]).lower()
    if category == "committed":
        kind = row.text(_FOCUS["commitment_type"]).replace(" ", "").lower()
        return "SavingsPlan" if kind == "savingsplan" else "Reservation"
    return normalize_pricing_model(category)


def _account_id(resource_id: str) -> str:
    """The resource id as billed; "" for rows with no subscription-scoped resource."""
    rid = resource_id.strip()
    return rid if rid.lower().startswith("/subscriptions/") else ""


def _norm(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()
