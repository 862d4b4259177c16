"""The one error hierarchy of the project.

HTTP maps `InvalidInput` and `NotFound` to 4xx problem bodies; queue and timer functions let every
other error propagate so that the Functions host retries and, in the end, poison-queues the message.
"""

from __future__ import annotations


class FinOpsError(Exception):
    """Base of every error the project raises on purpose."""


class ConfigurationError(FinOpsError):
    """A setting is missing or malformed; names the setting."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"setting {setting}: {problem}")
        self.setting = setting
        self.problem = problem


class InvalidInput(FinOpsError):
    """Input from a caller (HTTP, queue message, CLI, file) is malformed; names the field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFound(FinOpsError):
    """The thing asked for does not exist (unknown deployment, period never allocated)."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} not found: {key}")
        self.what = what
        self.key = key


class SourceError(FinOpsError):
    """A cost, usage or inventory source failed; nothing of the window was stored."""


class ThrottledError(SourceError):
    """A source kept throttling past the retry budget."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class CurrencyMismatch(FinOpsError):
    """Cost data for one period comes in more than one billing currency."""

    def __init__(self, currencies: set[str]) -> None:
        names = ", ".join(sorted(currencies))
        super().__init__(f"cost data mixes billing currencies: {names}")
        self.currencies = frozenset(currencies)
