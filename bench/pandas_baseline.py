"""The float baseline of benchmark (b): the token rule of the allocation as a pandas
merge/groupby, on the same generated inputs as `allocate_period`.

What it covers, exactly (and nothing more):
- token meters only: input and cached-input meters weighed by input tokens, output meters by
  output tokens (`TokenKind.is_input_side` / `OUTPUT`), classified by the same meter catalogue;
- candidates: the deployments of the line's account (ids compared lower-cased) whose SKU has the
  meter's deployment type and mode and whose model and version fit the meter (the version check
  is done once per meter and deployment, not per row);
- one inventory snapshot in which every deployment ran every day of the period (no timeline, no
  created/deleted deployments, no scale changes), usage already one record per deployment and day;
- share = cost x weight / (sum of the line's weights), in float64; a line whose weights sum to 0,
  or with no candidate, is left out (the allocation leaves it unallocated with a reason).

Not covered: PTU units and their idle part, fine-tuning hosting, per-request meters, purchases,
refunds' charge types, exact money and the largest-remainder rounding. Building the frames from
the records is not part of the timed work (`frames`): it is what a pandas pipeline reads its
inputs into once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from shared.core.costs import CostLine
from shared.core.inventory import Deployment
from shared.core.meters import MeterCatalogue
from shared.core.usage import UsageRecord


@dataclass(frozen=True)
class Frames:
    """The inputs as pandas frames (built once, outside the timed allocation)."""

    lines: Any  # pd.DataFrame: line, date, account, meter_id, cost
    usage: Any  # pd.DataFrame: date, deployment, input_tokens, output_tokens
    deployments: Any  # pd.DataFrame: account, deployment, sku, model, version
    meters: Any  # pd.DataFrame: meter_id, driver, sku, model, version


def frames(
    lines: Sequence[CostLine],
    usage: Sequence[UsageRecord],
    deployments: Sequence[Deployment],
    catalogue: MeterCatalogue,
) -> Frames:
    line_frame = pd.DataFrame(
        {
            "line": range(len(lines)),
            "date": [ln.date for ln in lines],
            "account": [ln.account_id.lower() for ln in lines],
            "meter_id": [ln.meter_id for ln in lines],
            "cost": [float(ln.cost) for ln in lines],
        }
    )
    usage_frame = pd.DataFrame(
        {
            "date": [u.date for u in usage],
            "deployment": [u.deployment_id.lower() for u in usage],
            "input_tokens": [u.input_tokens for u in usage],
            "output_tokens": [u.output_tokens for u in usage],
        }
    )
    deployment_frame = pd.DataFrame(
        {
            "account": [d.account_id.lower() for d in deployments],
            "deployment": [d.deployment_id.lower() for d in deployments],
            "sku": [_sku(d) for d in deployments],
            "model": [d.model.lower() for d in deployments],
            "version": [d.model_version.replace("-", "") for d in deployments],
        }
    )
    meter_rows = []
    for meter_id, name in sorted({(ln.meter_id, ln.meter_name) for ln in lines}):
        meter = catalogue.classify(meter_id, name)
        if meter is None or not meter.kind.is_token:
            continue
        driver = "input_tokens" if meter.kind.is_input_side else "output_tokens"
        sku = f"{meter.deployment_type.value}/{meter.mode.value}"
        meter_rows.append((meter_id, driver, sku, meter.model.lower(), meter.version))
    columns = ["meter_id", "driver", "sku", "model", "version"]
    meter_frame = pd.DataFrame(meter_rows, columns=columns)
    return Frames(line_frame, usage_frame, deployment_frame, meter_frame)


def _sku(dep: Deployment) -> str:
    sku = dep.sku_type
    return "" if sku is None else f"{sku[0].value}/{sku[1].value}"


def allocate(f: Frames) -> Any:
    """One row per (line, deployment) with a positive share: line, deployment, weight, cost."""
    fits = f.meters.merge(f.deployments, on=["sku", "model"], suffixes=("_meter", ""))
    versioned = [
        not code or version.endswith(code)
        for code, version in zip(fits["version_meter"], fits["version"], strict=True)
    ]
    fits = fits.loc[versioned, ["meter_id", "driver", "account", "deployment"]]
    rows = f.lines.merge(fits, on=["account", "meter_id"])
    rows = rows.merge(f.usage, on=["date", "deployment"], how="left")
    tokens = rows[["input_tokens", "output_tokens"]].fillna(0)
    rows["weight"] = tokens["input_tokens"].where(rows["driver"] == "input_tokens",
                                                  tokens["output_tokens"])  # fmt: skip
    total = rows.groupby("line")["weight"].transform("sum")
    rows = rows.loc[(rows["weight"] > 0) & (total > 0)]
    rows["share"] = rows["cost"] * rows["weight"] / total[rows.index]
    return rows[["line", "deployment", "weight", "share"]]
