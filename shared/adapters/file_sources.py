"""File sources: a cost export CSV, saved metrics responses and saved deployment listings.

They feed the same parsers as the live sources, so a folder of files can stand in for a tenant:
`costs/*.csv[.gz]`, `metrics/*.json`, `deployments/*.json` and `accounts.json` (ARM listings).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from shared.adapters.deployments_json import parse_deployments
from shared.adapters.export_csv import read_cost_export
from shared.adapters.metrics_json import parse_metrics_response
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment
from shared.core.period import DateWindow
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(str(path), f"not a readable JSON file: {exc}") from None


@dataclass(frozen=True)
class FileCostSource:
    """Cost lines of one price basis from every export file in a folder."""

    folder: Path
    cost_type: CostType = CostType.ACTUAL

    def fetch(self, window: DateWindow) -> list[CostLine]:
        files = sorted(self.folder.glob("*.csv")) + sorted(self.folder.glob("*.csv.gz"))
        lines: list[CostLine] = []
        for path in files:
            lines.extend(read_cost_export(path, cost_type=self.cost_type))
        return [ln for ln in lines if ln.date in window and ln.cost_type is self.cost_type]


@dataclass(frozen=True)
class FileUsageSource:
    """Usage from saved Metrics-List responses, one file per account, named by account."""

    folder: Path

    def fetch(self, window: DateWindow, accounts: Sequence[tuple[str, str]]) -> list[UsageRecord]:
        by_name = {account_id.rsplit("/", 1)[-1].lower(): account_id for account_id, _ in accounts}
        records: list[UsageRecord] = []
        for path in sorted(self.folder.glob("*.json")):
            account_id = by_name.get(path.stem.lower())
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
            for dep in parse_deployments(payload):  # type: ignore[arg-type]
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
            str(item["id"]).lower(): str(item.get("location", ""))
            for item in items
            if isinstance(item, dict) and "id" in item
        }


def _with_location(dep: Deployment, location: str) -> Deployment:
    return replace(dep, account_location=location)
