"""Cost Management export files (CSV, legacy EA/MCA or FOCUS columns) read into cost lines.

Dialects are detected from the header, case-insensitively:

* legacy EA, old layout: `Cost`, `BillingCurrency`, `Date` (MM/DD/YYYY), `Product`;
* legacy EA, dataVersion 2024-08-01: `CostInBillingCurrency`, `BillingCurrencyCode`, `ProductName`;
* legacy MCA, 2023-12-01-preview (camelCase): `costInBillingCurrency`, `billingCurrency`, `date`;
* FOCUS 1.0 / 1.2: `BilledCost` (actual) and `EffectiveCost` (amortized), `ChargePeriodStart`,
  `x_SkuMeterId`, `x_SkuMeterName` or `SkuMeter`, `PricingQuantity` (price blocks).

Quantities stay in price blocks (`UnitOfMeasure` / `x_PricingUnitDescription`, e.g. `1K`), money
is read into `Decimal` from the text, and rows with the same `CostLine.identity` are summed (Azure
splits one meter-day over several rows, e.g. by tag or resource group).

Checks, each an InvalidInput naming the file line (one line, with the fix):

* files are UTF-8 (with or without BOM) or UTF-16 LE/BE with a BOM (Excel's "Unicode text", tab
  separated), plain or gzip-compressed; anything else is refused, never a decoding traceback;
* a record must have as many cells as the header (a truncated last row is refused, not padded);
* costs within +-`MAX_AMOUNT`, quantities within +-`MAX_QUANTITY`, an ISO 4217 currency.

Duplicates are never summed silently: a row identical in every cell to a row already read (in the
same file, or in another file of the folder through one `ExportLedger`) is read once, and the same
file twice (identical content, any name) is read once; each is a one-line warning, logged and kept
in `ExportLedger.warnings`.

Filter (the default `service_filter`, `is_ai_services_row`), a row is kept when any holds:

1. its meter category (`MeterCategory`, FOCUS `x_SkuMeterCategory`) or FOCUS `ServiceName` is
   `Cognitive Services` or `Foundry Models` (Azure renamed the category in 2025/2026);
2. its `ResourceId` is a `Microsoft.CognitiveServices/accounts` resource (or a deployment of one);
3. it is a reservation row about Cognitive Services: product, product order, meter or subcategory
   text mentions `Provisioned` together with `OpenAI`, `Foundry` or `Cognitive`.

Pass `service_filter=None` to keep every row.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import itertools
import logging
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from shared.core.costs import ChargeType, CostLine, CostType, PricingModel, merge_cost_lines
from shared.core.currency import parse_currency
from shared.core.money import bounded_amount, bounded_quantity
from shared.core.resource_id import id_key
from shared.core.service_names import is_ai_service
from shared.errors import InvalidInput, excerpt

_LOG = logging.getLogger(__name__)
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
    if is_ai_service(row.meter_category) or is_ai_service(row.service_name):
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


class ExportLedger:
    """What has been read of one folder of exports: file contents and rows, by digest.

    A file whose content was read before (any name) and a row identical in every cell to a row
    read before (same file or another file read through this ledger) are read once; each is one
    warning line in `warnings`, also logged. Rows of the same `CostLine.identity` that differ in
    any cell are not repeats: they are summed.
    """

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._files: dict[bytes, str] = {}
        self._rows: dict[bytes, tuple[str, int]] = {}
        self._repeats: dict[str, tuple[int, int, tuple[str, int]]] = {}

    def seen_file(self, name: str, digest: bytes) -> bool:
        """Whether a file of this content was read before (then warns, naming both files)."""
        first = self._files.get(digest)
        if first is None:
            self._files[digest] = name
            return False
        self._warn(f"{name} has the same content as {first}: read once, not summed twice")
        return True

    def seen_row(self, source: str, line: int, digest: bytes) -> bool:
        """Whether an identical row was read before; repeats are counted per source file."""
        first = self._rows.get(digest)
        if first is None:
            self._rows[digest] = (source, line)
            return False
        count, first_line, original = self._repeats.get(source, (0, line, first))
        self._repeats[source] = (count + 1, first_line, original)
        return True

    def finish(self, source: str) -> None:
        """Warn, in one line, about the repeated rows of `source` (none: no warning)."""
        repeat = self._repeats.pop(source, None)
        if repeat is None:
            return
        count, line, (first_source, first_line) = repeat
        same = f"line {first_line}" if first_source == source else _at(first_source, first_line)
        rows = "row" if count == 1 else "rows"
        self._warn(
            f"{source or 'export'}: {count} {rows} identical in every cell to rows read before, "
            f"read once (the first at line {line}, same as {same})"
        )

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        _LOG.warning(message)


@dataclass(frozen=True)
class ExportReading:
    """The cost lines of some export files, and the warnings about what was read once."""

    lines: tuple[CostLine, ...]
    warnings: tuple[str, ...]


def parse_cost_export(
    lines: Iterable[str] | TextIO,
    *,
    cost_type: CostType | None = None,
    service_filter: RowFilter | None = is_ai_services_row,
    source: str = "",
    ledger: ExportLedger | None = None,
) -> list[CostLine]:
    """Cost lines of an export, duplicates summed, in first-seen order.

    Legacy files hold one basis: `cost_type` says which (default ActualCost). FOCUS files hold
    both: `cost_type=None` returns the actual lines then the amortized ones. `source` (the file
    name) goes with the line numbers of errors and warnings; a row identical in every cell to a
    row already in `ledger` (a new one when None) is read once, with a warning.
    """
    return merge_cost_lines(
        _parse_export(
            lines, cost_type=cost_type, service_filter=service_filter, source=source, ledger=ledger
        )
    )


def _parse_export(
    lines: Iterable[str] | TextIO,
    *,
    cost_type: CostType | None,
    service_filter: RowFilter | None,
    source: str,
    ledger: ExportLedger | None,
) -> list[CostLine]:
    """The cost lines of an export, one per kept row, not yet merged."""
    ledger = ledger if ledger is not None else ExportLedger()
    if isinstance(lines, str):
        lines = lines.splitlines(keepends=True)
    rest = iter(lines)
    first = next(rest, None)
    # Excel's "Unicode text" is tab separated: a header with tabs and no comma says so.
    delimiter = "\t" if first is not None and "\t" in first and "," not in first else ","
    reader = csv.reader(
        itertools.chain([] if first is None else [first], rest), delimiter=delimiter
    )
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput("header", f"{_at(source, 1)}: malformed CSV: {exc}") from None
    if header is None:
        raise InvalidInput("header", f"{_at(source, 1)}: the export is empty")
    if header:
        header[0] = header[0].lstrip("\ufeff")
    try:
        dialect = detect_dialect(header)
    except InvalidInput as exc:
        raise InvalidInput(exc.field, _in(source, exc.problem)) from None
    index = {_norm(name): i for i, name in enumerate(header)}
    records = _records(reader, header, index, source)
    if dialect is ExportDialect.FOCUS:
        bases = [cost_type] if cost_type else [CostType.ACTUAL, CostType.AMORTIZED]
        rows = _focus_lines(records, index, bases, service_filter, source, ledger)
    else:
        basis = cost_type or CostType.ACTUAL
        rows = _legacy_lines(records, index, dialect, basis, service_filter, source, ledger)
    found = list(rows)
    ledger.finish(source)
    return found


def read_cost_export(
    path: Path,
    *,
    cost_type: CostType | None = None,
    service_filter: RowFilter | None = is_ai_services_row,
    ledger: ExportLedger | None = None,
) -> list[CostLine]:
    """`parse_cost_export` of a `.csv` or gzip-compressed `.csv.gz` file.

    UTF-8 (BOM or not) and UTF-16 with a BOM are read; errors and warnings name the file. With a
    `ledger`, a file whose content was read before through it gives no lines (and a warning).
    """
    return merge_cost_lines(_read_export(path, cost_type, service_filter, ledger))


def _read_export(
    path: Path,
    cost_type: CostType | None,
    service_filter: RowFilter | None,
    ledger: ExportLedger | None,
) -> list[CostLine]:
    """The cost lines of one export file, not yet merged."""
    path = Path(path)
    encoding, digest = _inspect(path)
    if ledger is not None and ledger.seen_file(path.name, digest):
        return []
    with _open_binary(path) as binary, io.TextIOWrapper(binary, encoding, newline="") as text:
        return _parse_export(
            text,
            cost_type=cost_type,
            service_filter=service_filter,
            source=path.name,
            ledger=ledger,
        )


def read_cost_exports(
    paths: Sequence[Path],
    *,
    cost_type: CostType | None = None,
    service_filter: RowFilter | None = is_ai_services_row,
) -> ExportReading:
    """The cost lines of several export files (one folder), each file and each row read once,
    summed across the files as `parse_cost_export` sums them within one (one line per identity,
    as a `CostSource` answers)."""
    ledger = ExportLedger()
    lines: list[CostLine] = []
    for path in paths:
        lines.extend(_read_export(path, cost_type, service_filter, ledger))
    return ExportReading(tuple(merge_cost_lines(lines)), tuple(ledger.warnings))


_GZIP_MAGIC = b"\x1f\x8b"
_SAVE_AS_UTF8 = "save it as UTF-8 CSV (Excel: CSV UTF-8) and read it again"


def _open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzip (whatever its name)."""
    raw = path.open("rb")
    if raw.peek(2)[:2] != _GZIP_MAGIC:
        return raw
    raw.close()
    return gzip.open(path, "rb")  # type: ignore[return-value]


def _inspect(path: Path) -> tuple[str, bytes]:
    """The text encoding of an export (from its BOM) and a digest of its decompressed content.

    Raises InvalidInput naming the file (and the line, for UTF-8) when the bytes do not decode.
    """
    try:
        with _open_binary(path) as binary:
            head = binary.read(4)
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                return "utf-16", _check_utf16(head, binary, path.name)
            if b"\x00" in head:
                raise InvalidInput(
                    path.name, f"line 1: UTF-16 text without a byte-order mark; {_SAVE_AS_UTF8}"
                )
            return "utf-8-sig", _check_utf8(head, binary, path.name)
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(path.name, f"cannot be read: {exc}") from None


def _check_utf8(head: bytes, binary: BinaryIO, name: str) -> bytes:
    """The digest of the content; InvalidInput naming the first line that is not UTF-8."""
    digest = hashlib.sha256()
    lines = itertools.chain(io.BytesIO(head + binary.readline()), binary)
    for number, raw_line in enumerate(lines, start=1):
        digest.update(raw_line)
        try:
            raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                name,
                f"line {number}: not UTF-8 text (byte 0x{raw_line[exc.start]:02x}); "
                + _SAVE_AS_UTF8,
            ) from None
    return digest.digest()


def _check_utf16(head: bytes, binary: BinaryIO, name: str) -> bytes:
    """The digest of the content; InvalidInput when it is not UTF-16 (decoded in chunks)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-16")()
    try:
        for chunk in itertools.chain([head], iter(lambda: binary.read(1 << 20), b"")):
            digest.update(chunk)
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InvalidInput(name, f"not valid UTF-16 text; {_SAVE_AS_UTF8}") from None
    return digest.digest()


def _at(source: str, line: int) -> str:
    """Where a record is: `line 7`, or `export.csv line 7`."""
    return f"{source} line {line}" if source else f"line {line}"


def _in(source: str, problem: str) -> str:
    """A problem that starts with `line N`, told with the file name."""
    return f"{source} {problem}" if source and problem.startswith("line ") else problem


class _Reader(Protocol):
    """What we use of a `csv.reader`."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


class _Row:
    """One CSV record with its starting line number and the header's column names."""

    def __init__(
        self,
        cells: list[str],
        line: int,
        header: list[str],
        index: Mapping[str, int],
        source: str = "",
    ) -> None:
        self.cells, self.line, self.header, self.index = cells, line, header, index
        self.where = _at(source, line)

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
            raise InvalidInput(column, f"{self.where}: not a number: {excerpt(raw)}")
        return value

    def amount(self, names: tuple[str, ...]) -> Decimal:
        """A cost cell: a number within +-MAX_AMOUNT."""
        return bounded_amount(self.decimal(names), self.column(names) or names[0], self.where)

    def quantity(self, names: tuple[str, ...]) -> Decimal:
        """A quantity cell (empty is zero): a number within +-MAX_QUANTITY."""
        value = self.decimal(names, empty_is_zero=True)
        return bounded_quantity(value, self.column(names) or names[0], self.where)

    def currency(self, names: tuple[str, ...]) -> str:
        column = self.column(names) or _HEADER_NAMES.get(names[0], names[0])
        return parse_currency(self.text(names), self.where, column)

    def day(self, names: tuple[str, ...]) -> date:
        column = self.column(names) or names[0]
        raw = self.text(names)
        try:
            return parse_export_date(raw)
        except ValueError:
            raise InvalidInput(column, f"{self.where}: not a date: {excerpt(raw)}") from None

    def digest(self) -> bytes:
        """The row's cells by column name: identical for rows identical in every cell."""
        cells = sorted(zip((_norm(h) for h in self.header), self.cells, strict=True))
        text = "\x1f".join(f"{name}\x1e{cell}" for name, cell in cells)
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


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


def _records(
    reader: _Reader,
    header: list[str],
    index: Mapping[str, int],
    source: str,
) -> Iterator[_Row]:
    """Non-blank records, each with the file line it starts on (quoted fields may span lines).

    A record with fewer or more cells than the header is refused, naming its line.
    """
    field = source or "file"
    line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(field, f"line {reader.line_num}: malformed CSV: {exc}") from None
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problem = "truncated" if len(cells) < len(header) else "longer than the header"
            raise InvalidInput(
                field,
                f"line {start}: {len(cells)} cells for the {len(header)} columns of the header "
                f"(the record is {problem}); export the file again",
            )
        yield _Row(cells, start, header, index, source)


def _kept(
    rows: Iterable[_Row],
    facts: Callable[[_Row], ExportRow],
    service_filter: RowFilter | None,
    source: str,
    ledger: ExportLedger,
) -> Iterator[tuple[_Row, ExportRow]]:
    """The rows the filter keeps, each row identical in every cell to one read before left out."""
    for row in rows:
        found = facts(row)
        if service_filter is not None and not service_filter(found):
            continue
        if ledger.seen_row(source, row.line, row.digest()):
            continue
        yield row, found


def _require(
    index: Mapping[str, int],
    columns: Mapping[str, tuple[str, ...]],
    needed: Iterable[str],
    source: str,
) -> None:
    for concept in needed:
        names = columns[concept]
        if not any(name in index for name in names):
            label = _HEADER_NAMES.get(names[0], names[0])
            raise InvalidInput(label, f"{_at(source, 1)}: missing column in the export header")


def _legacy_lines(
    records: Iterable[_Row],
    index: Mapping[str, int],
    dialect: ExportDialect,
    basis: CostType,
    service_filter: RowFilter | None,
    source: str,
    ledger: ExportLedger,
) -> Iterator[CostLine]:
    cost, currency, product = _LEGACY_DIFFERENCES[dialect]
    cols = {**_LEGACY_COMMON, "cost": (cost,), "currency": (currency,), "product": (product,)}
    _require(index, cols, _LEGACY_REQUIRED, source)

    def facts(row: _Row) -> ExportRow:
        return _export_row(row, cols)

    for row, found in _kept(records, facts, service_filter, source, ledger):
        yield CostLine(
            date=row.day(cols["date"]),
            account_id=_account_id(found.resource_id),
            meter_id=row.text(cols["meter_id"]),
            meter_name=found.meter_name,
            quantity=row.quantity(cols["quantity"]),
            cost=row.amount(cols["cost"]),
            currency=row.currency(cols["currency"]),
            charge_type=ChargeType.parse(row.text(cols["charge_type"])),
            pricing_model=PricingModel.parse(row.text(cols["pricing_model"])),
            cost_type=basis,
            unit_of_measure=row.text(cols["unit"]),
            meter_category=found.meter_category,
            meter_subcategory=found.meter_subcategory,
        )


def _export_row(row: _Row, cols: Mapping[str, tuple[str, ...]]) -> ExportRow:
    """The columns that decide whether a row concerns AI services, in a dialect's names."""
    return ExportRow(
        meter_category=row.text(cols["meter_category"]),
        meter_subcategory=row.text(cols["meter_subcategory"]),
        meter_name=row.text(cols["meter_name"]),
        product=row.text(cols["product"]),
        resource_id=row.text(cols["resource_id"]),
        service_name=row.text(cols["service_name"]) if "service_name" in cols else "",
        product_order_name=row.text(cols["product_order"]),
    )


def _focus_facts(row: _Row) -> ExportRow:
    return _export_row(row, _FOCUS)


def _focus_lines(
    records: Iterable[_Row],
    index: Mapping[str, int],
    bases: list[CostType],
    service_filter: RowFilter | None,
    source: str,
    ledger: ExportLedger,
) -> Iterator[CostLine]:
    cost_columns = {CostType.ACTUAL: "billed", CostType.AMORTIZED: "effective"}
    _require(index, _FOCUS, [*_FOCUS_REQUIRED, *(cost_columns[b] for b in bases)], source)
    per_basis: dict[CostType, list[CostLine]] = {basis: [] for basis in bases}
    for row, facts in _kept(records, _focus_facts, service_filter, source, ledger):
        costs = {basis: row.amount(_FOCUS[cost_columns[basis]]) for basis in bases}
        line = CostLine(
            date=row.day(_FOCUS["date"]),
            account_id=_account_id(facts.resource_id),
            meter_id=row.text(_FOCUS["meter_id"]),
            meter_name=facts.meter_name,
            quantity=row.quantity(_FOCUS["quantity"]),
            cost=costs[bases[0]],
            currency=row.currency(_FOCUS["currency"]),
            charge_type=_focus_charge(row),
            pricing_model=_focus_pricing_model(row),
            cost_type=bases[0],
            unit_of_measure=row.text(_FOCUS["unit"]),
            meter_category=facts.meter_category or facts.service_name,
            meter_subcategory=facts.meter_subcategory,
        )
        for basis in bases:
            per_basis[basis].append(replace(line, cost=costs[basis], cost_type=basis))
    for basis in bases:
        yield from per_basis[basis]


def _focus_charge(row: _Row) -> ChargeType:
    category = row.text(_FOCUS["charge_category"]).lower()
    status = row.text(_FOCUS["commitment_status"]).lower()
    if category == "usage" and status == "unused":
        return (
            ChargeType.UNUSED_SAVINGS_PLAN
            if _is_savings_plan(row)
            else ChargeType.UNUSED_RESERVATION
        )
    if category == "purchase" and row.text(_FOCUS["charge_class"]).lower() == "correction":
        return ChargeType.REFUND
    return _FOCUS_CHARGES.get(category, ChargeType.OTHER if category else ChargeType.USAGE)


def _focus_pricing_model(row: _Row) -> PricingModel:
    category = row.text(_FOCUS["pricing_category"])
    if category.lower() == "committed":
        return PricingModel.SAVINGS_PLAN if _is_savings_plan(row) else PricingModel.RESERVATION
    return PricingModel.parse(category)


def _is_savings_plan(row: _Row) -> bool:
    """Whether the row's commitment discount is a savings plan (else a reservation)."""
    return row.text(_FOCUS["commitment_type"]).replace(" ", "").lower() == "savingsplan"


def _account_id(resource_id: str) -> str:
    """The resource id as billed; "" for rows with no subscription-scoped resource."""
    rid = resource_id.strip()
    return rid if id_key(rid).startswith("/subscriptions/") else ""


def _norm(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()
