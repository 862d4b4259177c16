"""FileCostSource: a folder of export files read once each, never silently as "no costs"."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shared.adapters.formats.file_sources import FileCostSource, FileUsageSource
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


# --- usage: daily metrics, and peaks from the per-minute files ------------------------------------

ACCOUNT_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ai"
    "/providers/Microsoft.CognitiveServices/accounts/contoso-ai"
)
ACCOUNTS = [(ACCOUNT_ID, "eastus2")]
DAY_1, DAY_2, DAY_3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)


def metric(name: str, deployment: str, points: list[dict[str, object]]) -> dict[str, object]:
    meta = {"name": {"value": "modeldeploymentname"}, "value": deployment}
    return {
        "id": f"{ACCOUNT_ID}/providers/Microsoft.Insights/metrics/{name}",
        "name": {"value": name},
        "unit": "Count",
        "timeseries": [{"metadatavalues": [meta], "data": points}],
        "errorCode": "Success",
    }


def daily_file(folder: Path, days: list[date], deployment: str = "chat") -> None:
    """A P1D Metrics-List file of `contoso-ai`: 1,000 prompt tokens on each of the days."""
    points: list[dict[str, object]] = [
        {"timeStamp": f"{day.isoformat()}T00:00:00Z", "total": 1000.0} for day in days
    ]
    body = {"interval": "P1D", "value": [metric("ProcessedPromptTokens", deployment, points)]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "contoso-ai.json").write_text(json.dumps(body), encoding="utf-8")


def minutes_file(folder: Path, minutes: dict[str, float | None], deployment: str) -> Path:
    """A PT1M getBatch file of `contoso-ai` (lower-cased, as Azure answers): `TokenTransaction`
    per minute, a None a minute with only its time stamp."""
    points: list[dict[str, object]] = [
        {"timeStamp": stamp} if total is None else {"timeStamp": stamp, "total": total}
        for stamp, total in minutes.items()
    ]
    item = {
        "interval": "PT1M",
        "value": [metric("TokenTransaction", deployment, points)],
        "resourceid": ACCOUNT_ID.lower(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "contoso-ai.json"
    path.write_text(json.dumps({"values": [item]}), encoding="utf-8")
    return path


def test_each_days_peak_tokens_per_minute_is_put_on_its_usage_record(tmp_path: Path) -> None:
    daily_file(tmp_path / "metrics", [DAY_1, DAY_2])
    minutes = {
        "2026-10-01T09:00:00Z": 40.0,
        "2026-10-01T09:01:00Z": 70.0,
        "2026-10-01T09:02:00Z": None,  # no data, not zero
        "2026-10-02T00:00:00Z": None,  # a day with usage and no minute data: no peak
        "2026-10-03T12:00:00Z": 99.0,  # minutes of a day without a record are dropped
    }
    minutes_file(tmp_path / "metrics-pt1m", minutes, "CHAT")  # matched in any case
    source = FileUsageSource(tmp_path / "metrics", tmp_path / "metrics-pt1m")
    records = source.fetch(OCT, ACCOUNTS)
    assert [(r.date, r.deployment, r.input_tokens, r.peak_tpm) for r in records] == [
        (DAY_1, "chat", 1000, 70),
        (DAY_2, "chat", 1000, None),
    ]
    assert all(r.account_id == ACCOUNT_ID for r in records)


def test_without_the_per_minute_folder_the_records_have_no_peak(tmp_path: Path) -> None:
    daily_file(tmp_path / "metrics", [DAY_1, DAY_3])
    expected = [(DAY_1, 1000, None), (DAY_3, 1000, None)]
    for source in (
        FileUsageSource(tmp_path / "metrics"),
        FileUsageSource(tmp_path / "metrics", tmp_path / "metrics-pt1m"),  # absent
    ):
        records = source.fetch(OCT, ACCOUNTS)
        assert [(r.date, r.input_tokens, r.peak_tpm) for r in records] == expected


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "not a readable JSON file"),
        ("[]", "expected a metrics response object"),
        (json.dumps({"values": [{"interval": "P1D", "value": []}]}), "expected PT1M buckets"),
    ],
)
def test_a_malformed_per_minute_file_is_refused_naming_it(
    tmp_path: Path, body: str, problem: str
) -> None:
    daily_file(tmp_path / "metrics", [DAY_1])
    path = minutes_file(tmp_path / "metrics-pt1m", {}, "chat")
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        FileUsageSource(tmp_path / "metrics", tmp_path / "metrics-pt1m").fetch(OCT, ACCOUNTS)
    assert err.value.field == str(path)
    assert problem in str(err.value)


def test_a_bad_point_in_a_per_minute_file_is_refused_naming_the_file_and_the_point(
    tmp_path: Path,
) -> None:
    daily_file(tmp_path / "metrics", [DAY_1])
    path = minutes_file(tmp_path / "metrics-pt1m", {"yesterday": 5.0}, "chat")
    with pytest.raises(InvalidInput) as err:
        FileUsageSource(tmp_path / "metrics", tmp_path / "metrics-pt1m").fetch(OCT, ACCOUNTS)
    assert err.value.field == str(path)
    assert "values[0].value[0].timeseries[0].data[0].timeStamp" in str(err.value)
