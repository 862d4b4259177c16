"""Usage: tokens and requests per deployment and day, from Azure Monitor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class UsageRecord:
    """Observed usage of one deployment (by name, within its account) on one UTC day."""

    date: date
    account_id: str
    deployment: str
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens
