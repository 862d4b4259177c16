"""The export's CSV against the FOCUS 1.3 Cost and Usage columns: every Mandatory column
present, FOCUS columns before our `x_` ones, every value of its column's data type, the columns
that allow no null never null, and the JSON objects valid (AllocatedMethodDetails against the
1.3 schema's rules: `Elements` required, `AllocatedRatio` in 0..1, `UsageUnit` with
`UsageQuantity`, custom keys `^x_[A-Z][a-zA-Z0-9]*$`). The rows are the crafted November of
tests/unit/test_focus_export.py; the CSV is read back as text, as a consumer would."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest

from shared.adapters.formats.export_csv import parse_cost_export
from shared.adapters.formats.focus_csv import FocusCsv, decimal_text, json_text
from shared.core.costs import CostLine, CostType
from shared.core.focus_columns import (
    COLUMNS,
    CUSTOM,
    CUSTOM_NAME,
    EXPORTED,
    DataType,
    FeatureLevel,
)
from shared.core.focus_rows import COLUMN_ORDER, focus_rows
from shared.core.resource_id import id_key
from tests.unit.test_focus_export import crafted, crafted_lines

DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")  # NumericFormat, as we write it: no exponent
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TYPES = {c.name: c.data_type for c in CUSTOM}


def exported() -> tuple[list[str], list[dict[str, str]]]:
    out = io.StringIO()
    count = FocusCsv().write(focus_rows(crafted()), out)
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    rows = list(reader)
    assert len(rows) == count == 9
    return list(reader.fieldnames or []), rows


def test_every_mandatory_column_is_present_and_focus_columns_come_before_ours() -> None:
    header, _ = exported()
    assert header == list(COLUMN_ORDER)
    mandatory = {c.name for c in COLUMNS.values() if c.feature_level is FeatureLevel.MANDATORY}
    assert mandatory <= set(header), mandatory - set(header)
    allocated = {"AllocatedMethodId", "AllocatedMethodDetails", "AllocatedResourceId",
                 "AllocatedResourceName", "AllocatedTags"}  # fmt: skip
    assert allocated <= set(header)
    focus = [n for n in header if not n.startswith("x_")]
    assert header[: len(focus)] == focus == list(EXPORTED)  # no x_ column among them
    assert all(name in COLUMNS for name in focus)
    assert all(CUSTOM_NAME.match(n) for n in header[len(focus) :])
    assert header[len(focus) :] == [c.name for c in CUSTOM]


def test_every_value_parses_as_its_columns_data_type_and_non_null_columns_are_never_null() -> None:
    header, rows = exported()
    for row in rows:
        for name in header:
            text = row[name]
            column = COLUMNS.get(name)
            if column is not None and not column.allows_nulls:
                assert text, f"{name} is null"
            if not text:
                continue
            kind = column.data_type if column else TYPES[name]
            if kind is DataType.DECIMAL:
                assert DECIMAL.match(text), (name, text)
                Decimal(text)
            elif kind is DataType.DATETIME:
                assert DATETIME.match(text), (name, text)
                assert datetime.fromisoformat(text).utcoffset() is not None
            elif kind is DataType.JSON:
                assert isinstance(json.loads(text, parse_float=Decimal), dict), (name, text)


def details_problems(details: object) -> list[str]:
    """The 1.3 AllocatedMethodDetails schema's rules (the stricter of its two stored variants:
    no nulls, UsageUnit required with UsageQuantity), checked by hand."""
    if not isinstance(details, dict):
        return ["not an object"]
    extra = [k for k in details if k != "Elements" and not CUSTOM_NAME.match(k)]
    problems = [f"top-level key {k}" for k in extra]
    elements = details.get("Elements")
    if not isinstance(elements, list) or not elements:
        return [*problems, "Elements must be a non-empty array"]
    for element in elements:
        if not isinstance(element, dict):
            problems.append("an element is not an object")
            continue
        known = {"AllocatedRatio", "UsageUnit", "UsageQuantity"}
        problems += [f"key {k}" for k in element if k not in known and not CUSTOM_NAME.match(k)]
        value = element.get("AllocatedRatio")
        if not isinstance(value, int | Decimal) or isinstance(value, bool) or not 0 <= value <= 1:
            problems.append(f"AllocatedRatio {value!r}")
        if "UsageUnit" in element and not isinstance(element["UsageUnit"], str):
            problems.append("UsageUnit is not a string")
        if "UsageQuantity" in element:
            if "UsageUnit" not in element:
                problems.append("UsageQuantity without UsageUnit")
            if not isinstance(element["UsageQuantity"], int | Decimal):
                problems.append("UsageQuantity is not a number")
    return problems


def test_the_checker_of_the_method_details_can_fail() -> None:
    assert details_problems({"Elements": []})
    assert details_problems({"Elements": [{"AllocatedRatio": Decimal("1.2")}]})
    assert details_problems({"Elements": [{"AllocatedRatio": 1, "UsageQuantity": 3}]})
    assert details_problems({"Elements": [{"AllocatedRatio": 1, "x_lower": 3}]})
    assert details_problems({"Elements": [{"AllocatedRatio": 1}], "Other": 1})
    assert not details_problems({"Elements": [{"AllocatedRatio": 1, "x_Why": "no-usage"}]})


def test_the_allocated_columns_follow_the_1_3_rules() -> None:
    _, rows = exported()
    ratios: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for row in rows:
        assert row["AllocatedMethodId"], "every row is part of the split"
        details = json.loads(row["AllocatedMethodDetails"], parse_float=Decimal)
        assert details_problems(details) == [], row["AllocatedMethodDetails"]
        assert bool(row["AllocatedResourceId"]) == bool(row["AllocatedResourceName"])
        if row["AllocatedTags"]:
            tags = json.loads(row["AllocatedTags"])
            assert all(isinstance(v, str | int | float | bool) for v in tags.values()), tags
        origin = tuple(row[c] for c in ("ChargePeriodStart", "ResourceId", "x_SkuMeterId",
                                        "SkuMeter", "x_ChargeType", "x_PricingModel"))  # fmt: skip
        for element in details["Elements"]:
            ratios[origin] += element["AllocatedRatio"]
    assert len(ratios) == 6 and set(ratios.values()) == {1}


def test_our_focus_reader_reads_the_export_back_into_the_stored_bill() -> None:
    """The project's own FOCUS importer (shared/adapters/formats/export_csv.py) reads the file:
    per basis, day, account and meter, the costs are the stored lines' (the allocated charges of
    a line sum back to it)."""
    out = io.StringIO()
    FocusCsv().write(focus_rows(crafted()), out)
    read = parse_cost_export(out.getvalue(), service_filter=None, source="focus.csv")
    actual, amortized = crafted_lines()

    def costs(lines: list[CostLine]) -> dict[tuple[object, ...], Decimal]:
        found: dict[tuple[object, ...], Decimal] = defaultdict(Decimal)
        for ln in lines:
            found[(ln.cost_type, ln.date, id_key(ln.account_id), ln.meter_id)] += ln.cost
        return {k: v for k, v in found.items() if v}

    assert costs(read) == costs([*actual, *amortized])
    assert {ln.cost_type for ln in read} == {CostType.ACTUAL, CostType.AMORTIZED}


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("0.500000000000"), "0.5"), (Decimal("1E+3"), "1000"), (Decimal("-0E-12"), "0"),
     (Decimal("0.000000000001"), "0.000000000001"), (Decimal("-2.50"), "-2.5")],
)  # fmt: skip
def test_decimals_are_written_in_full_without_an_exponent(value: Decimal, text: str) -> None:
    assert decimal_text(value) == text


def test_json_numbers_keep_their_decimal_digits() -> None:
    value = {"Elements": [{"AllocatedRatio": Decimal("0.333333333333"), "x_Why": 'a"b'}]}
    text = json_text(value)
    assert text == '{"Elements":[{"AllocatedRatio":0.333333333333,"x_Why":"a\\"b"}]}'
    assert json.loads(text, parse_float=Decimal) == value
