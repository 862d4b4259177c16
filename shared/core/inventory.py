"""The deployment inventory: which deployment runs which model on which SKU, as of a day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from shared.core.arm_ids import AccountRef, deployment_key, parse_account_id
from shared.core.meters import DeploymentType, Mode

# ARM `sku.name` of a deployment -> (deployment type, mode).
SKU_TYPES: dict[str, tuple[DeploymentType, Mode]] = {
    "globalstandard": (DeploymentType.GLOBAL, Mode.STANDARD),
    "datazonestandard": (DeploymentType.DATA_ZONE, Mode.STANDARD),
    "standard": (DeploymentType.REGIONAL, Mode.STANDARD),
    "globalprovisionedmanaged": (DeploymentType.GLOBAL, Mode.PROVISIONED),
    "datazoneprovisionedmanaged": (DeploymentType.DATA_ZONE, Mode.PROVISIONED),
    "provisionedmanaged": (DeploymentType.REGIONAL, Mode.PROVISIONED),
    "globalbatch": (DeploymentType.GLOBAL, Mode.BATCH),
    "datazonebatch": (DeploymentType.DATA_ZONE, Mode.BATCH),
    "developertier": (DeploymentType.GLOBAL, Mode.FINE_TUNING),
}


@dataclass(frozen=True)
class Deployment:
    """One model deployment of a Cognitive Services account."""

    account_id: str
    name: str
    model: str
    model_version: str
    sku: str
    capacity: int
    model_format: str = "OpenAI"
    account_location: str = ""

    @property
    def account(self) -> AccountRef:
        return parse_account_id(self.account_id)

    @property
    def deployment_id(self) -> str:
        return f"{self.account.id}/deployments/{self.name}"

    @property
    def key(self) -> str:
        return deployment_key(self.account, self.name)

    @property
    def sku_type(self) -> tuple[DeploymentType, Mode] | None:
        """The deployment type and mode of the SKU, or None for a SKU we do not know."""
        return SKU_TYPES.get(self.sku.lower())


@dataclass(frozen=True)
class InventorySnapshot:
    """All deployments as seen on one day."""

    as_of: date
    deployments: tuple[Deployment, ...]


def deployments_on(snapshots: Sequence[InventorySnapshot], day: date) -> tuple[Deployment, ...]:
    """The deployments in force on `day`: the latest snapshot on or before it, else the earliest."""
    if not snapshots:
        return ()
    ordered = sorted(snapshots, key=lambda s: s.as_of)
    chosen = ordered[0]
    for snap in ordered:
        if snap.as_of <= day:
            chosen = snap
    return chosen.deployments


def by_account(deployments: Iterable[Deployment]) -> dict[str, list[Deployment]]:
    """Deployments grouped by lower-cased account id."""
    groups: dict[str, list[Deployment]] = {}
    for dep in deployments:
        groups.setdefault(dep.account.norm, []).append(dep)
    return groups
