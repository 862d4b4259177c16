"""File sources: a cost export CSV, saved metrics responses and saved deployment listings.

They feed the same parsers as the live sources, so a folder of files can stand in for a tenant:
`costs/*.csv[.gz]`, `metrics/*.json` (daily), `metrics-pt1m/*.json` (per minute, optional),
`deployments/*.json` and `accounts.json` (ARM listings).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from shared.adapters.formats.deployments_json import parse_deployments
from shared.adapters.formats.export_csv import ExportReading, read_cost_exports
from shared.adapters.formats.metrics_json import (
    DailyPeak,
    attach_peaks,
    parse_metrics_response,
    parse_peak_tpm,
)
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment
from shared.core.period import DateWindow
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput

_Parsed = TypeVar("_Parsed")


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(str(path), f"not a readable JSON file: {exc}") from None


@dataclass(frozen=True)
class FileCostSource:
    """Cost lines of one price basis from every export file (`*.csv`, `*.csv.gz`) in a folder.

    A folder that does not exist or holds no export file is an InvalidInput naming it (a mistyped
    folder must not read as "no costs"); an export with only a header gives no lines. The same
    file twice and rows identical in every cell are read once, with a warning (`read`). Lines
    of one identity are summed across the files, so it answers one line per identity.
    """

    folder: Path
    cost_type: CostType = CostType.ACTUAL

    def fetch(self, window: DateWindow) -> list[CostLine]:
        return list(self.read(window).lines)

    def read(self, window: DateWindow) -> ExportReading:
        """The window's lines and the warnings about what was read once (also logged)."""
        if not self.folder.is_dir():
            raise InvalidInput(
                str(self.folder),
                "no such folder of cost exports; check the --from-files folder (it holds costs/)",
            )
        files = sorted(self.folder.glob("*.csv")) + sorted(self.folder.glob("*.csv.gz"))
        files = [path for path in files if path.is_file()]
        if not files:
            raise InvalidInput(
                str(self.folder), "holds no cost export file (*.csv or *.csv.gz); add the exports"
            )
        reading = read_cost_exports(files, cost_type=self.cost_type)
        lines = tuple(
            ln for ln in reading.lines if ln.date in window and ln.cost_type is self.cost_type
        )
        return ExportReading(lines, reading.warnings)


@dataclass(frozen=True)
class FileUsageSource:
    """Usage from saved metrics responses, one file per account, named by account.

    `folder` holds the daily (P1D) Metrics-List or getBatch responses of the usage. `peaks_folder`,
    when given and present, holds `TokenTransaction` responses at PT1M (getBatch or Metrics-List,
    the live peaks call's answer): each day's peak tokens per minute is put on that day's record
    as the Monitor source puts it (`attach_peaks`); absent, the records have no peak. A file that
    is not such a response is an InvalidInput naming it.
    """

    folder: Path
    peaks_folder: Path | None = None

    def fetch(self, window: DateWindow, accounts: Sequence[tuple[str, str]]) -> list[UsageRecord]:
        records: list[UsageRecord] = []
        for path, account_id in _account_files(self.folder, accounts):
            records.extend(_parse_file(path, account_id, parse_metrics_response))
        in_window = [r for r in records if r.date in window]
        if self.peaks_folder is None or not self.peaks_folder.is_dir():
            return in_window
        peaks: list[DailyPeak] = []
        for path, account_id in _account_files(self.peaks_folder, accounts):
            peaks.extend(_parse_file(path, account_id, parse_peak_tpm))
        return attach_peaks(in_window, peaks)


def _account_files(folder: Path, accounts: Sequence[tuple[str, str]]) -> list[tuple[Path, str]]:
    """The folder's `*.json` files named by one of the accounts, with that account's id."""
    by_name = {id_key(account_id.rsplit("/", 1)[-1]): account_id for account_id, _ in accounts}
    found = []
    for path in sorted(folder.glob("*.json")):
        account_id = by_name.get(id_key(path.stem))
        if account_id is not None:
            found.append((path, account_id))
    return found


def _parse_file(
    path: Path,
    account_id: str,
    parse: Callable[[Mapping[str, Any], str | None], list[_Parsed]],
) -> list[_Parsed]:
    payload = _read_json(path)
    if not isinstance(payload, dict):
        raise InvalidInput(str(path), "expected a metrics response object")
    try:
        return parse(payload, account_id)
    except InvalidInput as err:
        raise InvalidInput(str(path), str(err)) from None


@dataclass(frozen=True)
class FileInventorySource:
    """Deployments from saved ARM listings; account regions from `accounts.json` when present."""

    folder: Path

    def fetch(self) -> list[Deployment]:
        locations = self._locations()
        deployments: list[Deployment] = []
        for path in sorted((self.folder / "deployments").glob("*.json")):
            payload = _read_json(path)
            if not isinstance(payload, dict | list):
                raise InvalidInput(str(path), "expected a deployments listing")
            for dep in parse_deployments(payload):
                location = locations.get(dep.account.norm, dep.account_location)
                deployments.append(_with_location(dep, location))
        return deployments

    def _locations(self) -> dict[str, str]:
        path = self.folder / "accounts.json"
        if not path.exists():
            return {}
        payload = _read_json(path)
        items = payload.get("value", []) if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            raise InvalidInput(str(path), "expected an ARM listing with `value`")
        return {
            id_key(str(item["id"])): str(item.get("location", ""))
            for item in items
            if isinstance(item, dict) and "id" in item
        }


def _with_location(dep: Deployment, location: str) -> Deployment:
    return replace(dep, account_location=location)
