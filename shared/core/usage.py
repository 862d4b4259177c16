"""Usage: tokens and requests per deployment and day, from Azure Monitor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core import arm_ids
from shared.core.resource_id import id_key


@dataclass(frozen=True)
class UsageRecord:
    """Observed usage of one deployment (by name, within its account) on one UTC day.

    `ptu_utilization` is the day's average `AzureOpenAIProvisionedManagedUtilizationV2` in percent
    (provisioned deployments only; None when Azure reported none). `peak_tpm` is the day's highest
    per-minute `TokenTransaction` total (input + output tokens); None when Azure reported none or
    it was not collected.
    """

    date: date
    account_id: str
    deployment: str
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    ptu_utilization: Decimal | None = None
    peak_tpm: int | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def deployment_id(self) -> str:
        """The deployment's ARM id, as `Deployment.deployment_id` spells it up to case."""
        return arm_ids.deployment_id(self.account_id, self.deployment)


def merge_usage(records: Iterable[UsageRecord]) -> list[UsageRecord]:
    """Records of one day, account and deployment (case-insensitive) summed, first-seen order.

    Peaks are summed like the tokens (the records are slices of one deployment's traffic, so the
    sum bounds the merged peak from above), and None if a record with tokens has none (unknown).
    """
    merged: dict[tuple[object, ...], UsageRecord] = {}
    for rec in records:
        key = (rec.date, id_key(rec.account_id), id_key(rec.deployment))
        seen = merged.get(key)
        merged[key] = (
            rec
            if seen is None
            else UsageRecord(
                seen.date,
                seen.account_id,
                seen.deployment,
                seen.input_tokens + rec.input_tokens,
                seen.output_tokens + rec.output_tokens,
                seen.requests + rec.requests,
                seen.ptu_utilization if seen.ptu_utilization is not None else rec.ptu_utilization,
                _merged_peak(seen, rec),
            )
        )
    return list(merged.values())


def _merged_peak(a: UsageRecord, b: UsageRecord) -> int | None:
    """The sum of the known peaks; None if a record with tokens has no peak, or neither has one."""
    if (a.peak_tpm is None and a.total_tokens) or (b.peak_tpm is None and b.total_tokens):
        return None
    if a.peak_tpm is None and b.peak_tpm is None:
        return None
    return (a.peak_tpm or 0) + (b.peak_tpm or 0)


@dataclass(frozen=True)
class UsageIndex:
    """Usage merged per UTC day and deployment, looked up by ARM deployment id (any case)."""

    rows: Mapping[tuple[date, str], UsageRecord]

    @classmethod
    def build(cls, usage: Iterable[UsageRecord]) -> UsageIndex:
        return cls({(r.date, id_key(r.deployment_id)): r for r in merge_usage(usage)})

    def get(self, day: date, deployment_id: str) -> UsageRecord | None:
        return self.rows.get((day, id_key(deployment_id)))
