"""The deployment inventory: which deployment runs which model on which SKU, as of a day."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from shared.core import arm_ids
from shared.core.arm_ids import AccountRef, deployment_key, parse_account_id
from shared.core.meters import DeploymentType, Mode
from shared.core.period import midnight_utc

# ARM `sku.name` of a deployment, as ARM spells it, -> (deployment type, mode).
ARM_SKUS: tuple[tuple[str, DeploymentType, Mode], ...] = (
    ("GlobalStandard", DeploymentType.GLOBAL, Mode.STANDARD),
    ("DataZoneStandard", DeploymentType.DATA_ZONE, Mode.STANDARD),
    ("Standard", DeploymentType.REGIONAL, Mode.STANDARD),
    ("GlobalProvisionedManaged", DeploymentType.GLOBAL, Mode.PROVISIONED),
    ("DataZoneProvisionedManaged", DeploymentType.DATA_ZONE, Mode.PROVISIONED),
    ("ProvisionedManaged", DeploymentType.REGIONAL, Mode.PROVISIONED),
    ("GlobalBatch", DeploymentType.GLOBAL, Mode.BATCH),
    ("DataZoneBatch", DeploymentType.DATA_ZONE, Mode.BATCH),
    ("DeveloperTier", DeploymentType.GLOBAL, Mode.FINE_TUNING),
)
# Lower-cased ARM SKU name -> (deployment type, mode), and back to the name ARM spells.
SKU_TYPES: dict[str, tuple[DeploymentType, Mode]] = {n.lower(): (t, m) for n, t, m in ARM_SKUS}
SKU_NAME: dict[tuple[DeploymentType, Mode], str] = {(t, m): n for n, t, m in ARM_SKUS}


@dataclass(frozen=True)
class Deployment:
    """One model deployment of a Cognitive Services account.

    Its parsed account and ARM id are derived once per instance (cached: the fields are frozen),
    so allocating a period does not parse the account id again for every line and day.
    """

    account_id: str
    name: str
    model: str
    model_version: str
    sku: str
    capacity: int
    model_format: str = "OpenAI"
    account_location: str = ""
    created_at: datetime | None = None
    modified_at: datetime | None = None

    @functools.cached_property
    def account(self) -> AccountRef:
        return parse_account_id(self.account_id)

    @functools.cached_property
    def deployment_id(self) -> str:
        """The ARM id, the account's part spelled as `AccountRef.id` renders it."""
        return arm_ids.deployment_id(self.account.id, self.name)

    @property
    def key(self) -> str:
        return deployment_key(self.account, self.name)

    @property
    def sku_type(self) -> tuple[DeploymentType, Mode] | None:
        """The deployment type and mode of the SKU, or None for a SKU we do not know."""
        return SKU_TYPES.get(self.sku.lower())

    @property
    def is_fine_tuned(self) -> bool:
        """A fine-tuned model (`gpt-4o-mini-2024-07-18.ft-<job>`), billed on fine-tuning meters."""
        return ".ft-" in self.model.lower()

    @property
    def base_model(self) -> str:
        """The model a fine-tuned model was trained from (`gpt-4o-mini`), else the model."""
        if not self.is_fine_tuned:
            return self.model
        return _DATED_SUFFIX.sub("", self._base())

    @property
    def base_version(self) -> str:
        """The base model's version a fine-tuned model name carries (`2024-07-18`), else ""."""
        found = _DATED_SUFFIX.search(self._base()) if self.is_fine_tuned else None
        return found.group(0).lstrip("-") if found else ""

    def _base(self) -> str:
        cut = self.model.lower().find(".ft-")
        return self.model if cut < 0 else self.model[:cut]


_DATED_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$|-\d{4}$")


@dataclass(frozen=True)
class InventorySnapshot:
    """All deployments as seen at one moment (UTC)."""

    taken_at: datetime
    deployments: tuple[Deployment, ...]

    @classmethod
    def on(cls, day: date, deployments: tuple[Deployment, ...]) -> InventorySnapshot:
        """A snapshot taken at midnight UTC starting `day`."""
        return cls(midnight_utc(day), deployments)

    @property
    def as_of(self) -> date:
        return self.taken_at.date()


def by_account(deployments: Iterable[Deployment]) -> dict[str, list[Deployment]]:
    """Deployments grouped by account (`id_key` of the account id)."""
    groups: dict[str, list[Deployment]] = {}
    for dep in deployments:
        groups.setdefault(dep.account.norm, []).append(dep)
    return groups
