"""File sources: a cost export CSV, saved metrics responses and saved deployment listings.

They feed the same parsers as the live sources, so a folder of files can stand in for a tenant:
`costs/*.csv[.gz]`, `metrics/*.json`, `deployments/*.json` and `accounts.json` (ARM listings).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from shared.adapters.formats.deployments_json import parse_deployments
from shared.adapters.formats.export_csv import ExportReading, read_cost_exports
from shared.adapters.formats.metrics_json import parse_metrics_response
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment
from shared.core.period import DateWindow
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput


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
    """Usage from saved Metrics-List responses, one file per account, named by account."""

    folder: Path

    def fetch(self, window: DateWindow, accounts: Sequence[tuple[str, str]]) -> list[UsageRecord]:
        by_name = {id_key(account_id.rsplit("/", 1)[-1]): account_id for account_id, _ in accounts}
        records: list[UsageRecord] = []
        for path in sorted(self.folder.glob("*.json")):
            account_id = by_name.get(id_key(path.stem))
            if account_id is None:
                continue
            payload = _read_json(path)
            if not isinstance(payload, dict):
                raise InvalidInput(str(path), "expected a metrics response object")
            records.extend(parse_metrics_response(payload, account_id))
        return [r for r in records if r.date in window]


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
