"""Queue messages: the allocation request `{"period": "YYYY-MM"}`, and what the poison queue
`{queue}-poison` receives for a request that can never succeed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from shared.core.period import BillingPeriod
from shared.core.shards import AccountShard
from shared.errors import InvalidInput, excerpt, one_line

# What a poison message keeps of the original text and of the reason (queue messages hold 64 KB).
POISON_MESSAGE_CHARS = 4096
POISON_REASON_CHARS = 500


@dataclass(frozen=True)
class AllocationRequest:
    """`{"period": "YYYY-MM"}`: allocate the period (or fan it out into shards); with `"shard":
    {"index", "count", "from", "to", "plan"}`: allocate that shard of it (shared/core/shards.py)."""

    period: BillingPeriod
    shard: AccountShard | None = None

    def to_json(self) -> str:
        body: dict[str, object] = {"period": str(self.period)}
        if self.shard is not None:
            s = self.shard
            body["shard"] = {
                "index": s.index, "count": s.count, "from": s.lower, "to": s.upper, "plan": s.plan
            }  # fmt: skip
        return json.dumps(body)

    @classmethod
    def from_json(cls, body: str | bytes, *, today: date | None = None) -> AllocationRequest:
        """Parse a message body; a malformed one raises InvalidInput naming the field and quoting
        at most 40 characters of what it got. With `today`, a period later than next month is
        refused too (no billing month yet: a producer's bug, not a request to wait for)."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise InvalidInput("message", f"not JSON: {excerpt(_text(body))}") from None
        if not isinstance(data, dict):
            raise InvalidInput("message", f"expected a JSON object, got {type(data).__name__}")
        if "period" not in data:
            raise InvalidInput("period", "missing")
        if not isinstance(data["period"], str):
            raise InvalidInput("period", f"must be a string YYYY-MM, got {excerpt(data['period'])}")
        period = BillingPeriod.parse(data["period"])
        if today is not None:
            period.not_after(BillingPeriod.of(today).next())
        return cls(period, _shard(data["shard"]) if data.get("shard") is not None else None)


def _shard(data: object) -> AccountShard:
    if not isinstance(data, dict):
        raise InvalidInput("shard", f"expected a JSON object, got {type(data).__name__}")
    ints = {name: data.get(name) for name in ("index", "count")}
    texts = {name: data.get(name) for name in ("from", "to", "plan")}
    for name, value in ints.items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput(f"shard.{name}", f"must be an integer, got {excerpt(value)}")
    for name, value in texts.items():
        if not isinstance(value, str):
            raise InvalidInput(f"shard.{name}", f"must be a string, got {excerpt(value)}")
    return AccountShard(
        index=int(str(ints["index"])),
        count=int(str(ints["count"])),
        lower=str(texts["from"]),
        upper=str(texts["to"]),
        plan=str(texts["plan"]),
    )


@dataclass(frozen=True)
class PoisonedMessage:
    """A message taken off the queue for good, with why. As JSON (`to_json`):

    `{"message": original text (first 4096 characters), "messageLength": its full length,
    "reason": one line, "errorType": the exception's class name, "failedAt": ISO 8601 UTC,
    "messageId": the queue's id or null, "dequeueCount": deliveries so far or null}`
    """

    text: str
    reason: str
    error_type: str
    failed_at: datetime
    message_id: str | None = None
    dequeue_count: int | None = None

    @classmethod
    def of(
        cls,
        body: str | bytes,
        error: BaseException,
        failed_at: datetime,
        message_id: str | None = None,
        dequeue_count: int | None = None,
    ) -> PoisonedMessage:
        return cls(
            text=_text(body),
            reason=one_line(str(error) or type(error).__name__, POISON_REASON_CHARS),
            error_type=type(error).__name__,
            failed_at=failed_at,
            message_id=message_id,
            dequeue_count=dequeue_count,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "message": _encodable(self.text[:POISON_MESSAGE_CHARS]),
                "messageLength": len(self.text),
                "reason": one_line(self.reason, POISON_REASON_CHARS),
                "errorType": self.error_type,
                "failedAt": _iso_utc(self.failed_at),
                "messageId": self.message_id,
                "dequeueCount": self.dequeue_count,
            },
            ensure_ascii=False,  # 4096 characters stay within a queue message's 64 KB
        )


def _text(body: str | bytes) -> str:
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body


def _encodable(text: str) -> str:
    """`text` without lone surrogates, which UTF-8 (hence the queue) cannot carry."""
    return text.encode("utf-8", errors="replace").decode("utf-8")


def _iso_utc(moment: datetime) -> str:
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class QueuedMessage:
    """One received message. `text` is the decoded body; when the body could not be decoded,
    `text` is the raw content and `undecodable` says why. `receipt` is the adapter's own handle
    (what `complete` needs)."""

    id: str
    text: str
    dequeue_count: int
    receipt: object = field(default=None, compare=False, repr=False)
    undecodable: str | None = None
