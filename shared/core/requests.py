"""Queue messages: the allocation request `{"period": "YYYY-MM"}`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from shared.core.period import BillingPeriod
from shared.errors import InvalidInput


@dataclass(frozen=True)
class AllocationRequest:
    period: BillingPeriod

    def to_json(self) -> str:
        return json.dumps({"period": str(self.period)})

    @classmethod
    def from_json(cls, body: str | bytes) -> AllocationRequest:
        """Parse a message body; a malformed one raises InvalidInput naming the field."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput("message", "not JSON") from None
        if not isinstance(data, dict) or "period" not in data:
            raise InvalidInput("period", "missing")
        if not isinstance(data["period"], str):
            raise InvalidInput("period", "must be a string YYYY-MM")
        return cls(BillingPeriod.parse(data["period"]))
