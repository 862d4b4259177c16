"""FileCostSource: a folder of export files read once each, never silently as "no costs"."""

from __future__ import annotations

import gzip
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shared.adapters.formats.file_sources import FileCostSource
from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.demo.sample_tenant_files import EA_2024_08_01_COLUMNS
from shared.errors import InvalidInput
from tests.unit.test_export_csv import GPT4O_IN, GPT4O_OUT, csv_text, ea_row

OCT = BillingPeriod(2026, 10).window


def export(folder: Path, name: str, rows: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(csv_text(EA_2024_08_01_COLUMNS, rows), encoding="utf-8")
    return path


def test_a_folder_that_does_not_exist_is_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "cost"  # a typo of costs/
    with pytest.raises(InvalidInput) as err:
        FileCostSource(missing).fetch(OCT)
    assert err.value.field == str(missing)
    assert "--from-files" in str(err.value)


def test_a_folder_without_an_export_file_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("exports go here", encoding="utf-8")
    (tmp_path / "old.csv").mkdir()  # a folder named like an export is not one
    with pytest.raises(InvalidInput) as err:
        FileCostSource(tmp_path).fetch(OCT)
    assert err.value.field == str(tmp_path)
    assert "*.csv" in str(err.value)


def test_an_export_with_only_a_header_reads_as_no_lines(tmp_path: Path) -> None:
    export(tmp_path, "part_0.csv", [])
    assert FileCostSource(tmp_path).fetch(OCT) == []


def test_lines_of_the_window_and_basis_of_every_file_are_read(tmp_path: Path) -> None:
    export(tmp_path, "a.csv", [ea_row(GPT4O_IN, "1", "0.25"),
                               ea_row(GPT4O_IN, "1", "9", Date="11/01/2026")])  # fmt: skip
    with gzip.open(tmp_path / "b.csv.gz", "wt", encoding="utf-8", newline="") as f:
        f.write(csv_text(EA_2024_08_01_COLUMNS, [ea_row(GPT4O_OUT, "2", "0.5")]))

    lines = FileCostSource(tmp_path).fetch(OCT)

    assert sorted((ln.meter_id, ln.cost) for ln in lines) == sorted(
        [(GPT4O_IN[0], Decimal("0.25")), (GPT4O_OUT[0], Decimal("0.5"))]
    )
    assert {ln.date for ln in lines} == {date(2026, 10, 3)}
    assert FileCostSource(tmp_path, CostType.AMORTIZED).fetch(OCT)[0].cost_type is (
        CostType.AMORTIZED
    )


def test_a_copy_of_a_file_and_a_second_export_run_are_not_summed_twice(tmp_path: Path) -> None:
    run1 = [ea_row(GPT4O_IN, "1", "0.25"), ea_row(GPT4O_OUT, "1", "0.5")]
    export(tmp_path, "run1.csv", run1)
    export(tmp_path, "run1 - Copy.csv", run1)
    export(tmp_path, "run2.csv", [*run1, ea_row(GPT4O_IN, "4", "1", Date="10/05/2026")])
    source = FileCostSource(tmp_path)

    reading = source.read(OCT)

    assert sum(ln.cost for ln in reading.lines) == Decimal("1.75")
    assert source.fetch(OCT) == list(reading.lines)
    assert reading.warnings == (
        "run1.csv has the same content as run1 - Copy.csv: read once, not summed twice",
        "run2.csv: 2 rows identical in every cell to rows read before, read once "
        "(the first at line 2, same as run1 - Copy.csv line 2)",
    )


def test_an_error_in_one_file_names_the_file_and_its_line(tmp_path: Path) -> None:
    export(tmp_path, "a.csv", [ea_row(GPT4O_IN, "1", "0.25")])
    export(tmp_path, "b.csv", [ea_row(GPT4O_IN, "1", "0.25", BillingCurrencyCode="XYZ")])
    with pytest.raises(InvalidInput) as err:
        FileCostSource(tmp_path).fetch(OCT)
    assert err.value.field == "BillingCurrencyCode"
    assert "b.csv line 2" in str(err.value)
