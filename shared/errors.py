"""The one error hierarchy of the project.

Every error says whether trying again can help (`retryable`):

- deterministic (`retryable = False`): `InvalidInput`, `NotFound`, `ConfigurationError`,
  `CurrencyMismatch`. The same input fails the same way every time: the allocation-request
  consumer (shared/services/allocation_requests.py) poison-queues such a message at once, with
  the reason, instead of letting the host retry it five times.
- transient (`retryable = True`, the default of `FinOpsError`): `SourceError` (and
  `ThrottledError`), `StorageUnavailable`, and any error that does not say otherwise. Queue and
  timer functions let these propagate so that the Functions host retries; so does every exception
  that is not a `FinOpsError` (an SDK's AzureError, a bug).

HTTP maps `InvalidInput`, `NotFound` and `Conflict` to 4xx problem bodies. Messages are one line
and quote caller input through `excerpt`, never whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """`value` quoted for an error message: its repr, at most `limit` characters of it shown
    (then an ellipsis and the full length), always on one line."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    shown = repr(text[:limit]) if isinstance(value, str) else text[:limit]
    return f"{shown}\u2026 ({len(text)} chars)"


def one_line(text: str, limit: int = 500) -> str:
    """`text` with every run of whitespace (newlines included) made one space, cut to `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def is_retryable(error: BaseException) -> bool:
    """Whether trying the same thing again may succeed: a project error says so itself; any other
    exception (an SDK error, a bug) is treated as transient, so the host retries it."""
    return error.retryable if isinstance(error, FinOpsError) else True


class FinOpsError(Exception):
    """Base of every error the project raises on purpose."""

    # Whether the same operation may succeed when tried again (see the module docstring).
    retryable: ClassVar[bool] = True


class ConfigurationError(FinOpsError):
    """A setting is missing or malformed; names the setting."""

    retryable = False

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"setting {setting}: {problem}")
        self.setting = setting
        self.problem = problem


class InvalidInput(FinOpsError):
    """Input from a caller (HTTP, queue message, CLI, file) is malformed; names the field."""

    retryable = False

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class InvalidDefinitions(InvalidInput):
    """Several fields of one input are malformed (a use-case file, a use case): every problem as
    (field path, detail); `field` and `problem` are the first. HTTP answers one 400 listing them
    all (`errors`), the CLI one line each."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        assert problems, "InvalidDefinitions needs at least one problem"
        super().__init__(*problems[0])
        self.problems = tuple(problems)

    def lines(self) -> list[str]:
        return [f"{field}: {detail}" if field else detail for field, detail in self.problems]


class NotFound(FinOpsError):
    """The thing asked for does not exist (unknown deployment, period never allocated)."""

    retryable = False

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} not found: {key}")
        self.what = what
        self.key = key


class Conflict(FinOpsError):
    """A write contradicts what is stored (an outcome event id re-sent with another count);
    names the field, and `index`, the item of the batch it is about (when it is one). HTTP
    answers 409; nothing of the request was stored."""

    retryable = False

    def __init__(self, field: str, problem: str, index: int | None = None) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.index = index


class SourceError(FinOpsError):
    """A cost, usage or inventory source failed; nothing of the window was stored."""

    retryable = True


class PartlyAccepted(SourceError):
    """A send of several events failed part-way: `accepted_ids` were accepted before it (the
    caller marks them sent), the rest were not."""

    def __init__(self, message: str, accepted_ids: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.accepted_ids = tuple(accepted_ids)


class ThrottledError(SourceError):
    """A source kept throttling past the retry budget."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class StorageUnavailable(FinOpsError):
    """Table or Queue Storage cannot be reached (connection refused, DNS, timeout, 5xx after the
    SDK's retries, or access refused); names the endpoint, never a key."""

    retryable = True

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(f"storage {endpoint} unreachable ({reason})")
        self.endpoint = endpoint
        self.reason = reason


class CurrencyMismatch(FinOpsError):
    """Cost data for one period comes in more than one billing currency."""

    retryable = False

    def __init__(self, currencies: set[str]) -> None:
        names = ", ".join(sorted(currencies))
        super().__init__(f"cost data mixes billing currencies: {names}")
        self.currencies = frozenset(currencies)


class CollectionRefused(FinOpsError):
    """A collection was refused before anything was stored (a source answered far less than is
    stored, or nothing); names the source and the counts."""

    retryable = False


class CollectionInProgress(SourceError):
    """Another collection is writing the same inputs right now; try again in a few minutes."""


class ConcurrentPublication(FinOpsError):
    """A period's allocation kept changing while it was published or read; try again."""


class NoData(FinOpsError):
    """What was asked for has no data to compute it from (a period with no collected costs)."""

    retryable = False
