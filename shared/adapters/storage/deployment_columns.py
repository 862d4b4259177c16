"""The columns a deployment is stored with, wherever a row names one (inventory, unit costs)."""

from __future__ import annotations

from shared.adapters.storage.table_gateway import Entity
from shared.core.inventory import Deployment


def deployment_columns(d: Deployment) -> Entity:
    """The deployment's columns (no keys, no timestamps)."""
    return {
        "DeploymentId": d.deployment_id,
        "AccountId": d.account_id,
        "AccountLocation": d.account_location,
        "Deployment": d.name,
        "Model": d.model,
        "ModelVersion": d.model_version,
        "ModelFormat": d.model_format,
        "Sku": d.sku,
        "Capacity": d.capacity,
    }


def deployment_of(row: Entity) -> Deployment:
    """The deployment a row's columns describe (timestamps are the caller's)."""
    return Deployment(
        account_id=str(row["AccountId"]),
        name=str(row["Deployment"]),
        model=str(row["Model"]),
        model_version=str(row["ModelVersion"]),
        sku=str(row["Sku"]),
        capacity=int(row["Capacity"]),
        model_format=str(row.get("ModelFormat", "")),
        account_location=str(row.get("AccountLocation", "")),
    )
