"""How every Azure adapter calls Azure: one retry policy, one error mapping.

Retries: `SourceRetryPolicy` is azure-core's own `RetryPolicy`, installed in each SDK client as
its `retry_policy`, and told through the policy's public hooks (`is_retry`, `sleep`, `send`)
what each source needs:

- which statuses are retried (`RetryRules.statuses`), whatever the method: azure-core alone
  retries a POST only on 500/503/504 or when a standard `Retry-After` is present, and a
  Cost Management 429 may carry only its own `x-ms-ratelimit-...-retry-after` headers;
- how long to wait: the longest of the documented retry-after headers (`RETRY_AFTER_HEADERS`,
  read in `retry_after_seconds`), else the source's backoff;
- the budget: at most `max_attempts` attempts, and no wait longer than `max_wait_seconds` (a
  service asking for more is given up on at once).

Connection and read errors keep azure-core's own rules (GET only, three of each), within the
same budget. Every wait goes through an injected `sleep`, and a client can be given an injected
azure-core `HttpTransport` (`CallOptions`), so unit tests replay responses in memory.

Throttling (a retried 429, 503 or 529) that outlasts the budget raises `StillThrottled` inside
the pipeline, an `HttpResponseError` carrying the attempts made and the wait asked for.
`mapped(what)` turns it, and every other azure-core error, into a one-line `SourceError` /
`ThrottledError` naming `what`; `send` is one `send_request` whose status must be an accepted one.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from azure.core.exceptions import (
    AzureError,
    DecodeError,
    DeserializationError,
    HttpResponseError,
)
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse

from shared.adapters.azure.http_errors import describe_error
from shared.errors import ConfigurationError, InvalidInput, SourceError, ThrottledError, one_line

# Every retry-after header Azure documents for these APIs, in seconds; the longest wait wins.
# Cost Management answers a 429 with its own family (azure-cost-facts 1.5), ARM, Azure Monitor
# and the Retail Prices API with the standard `Retry-After`.
RETRY_AFTER_HEADERS: tuple[str, ...] = (
    "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-client-retry-after",
    "Retry-After",
)
# Statuses that mean "throttled, try later": 429, 503, and 529, the metrics batch API's own.
THROTTLING_STATUSES = frozenset({429, 503, 529})
# azure-core's transient statuses (its RetryPolicy retries these for idempotent methods).
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The longest wait any documented retry-after header asks for, in seconds; None if none
    of them holds a finite, non-negative number."""
    waits = []
    for name in RETRY_AFTER_HEADERS:
        try:
            wait = float((headers.get(name) or "").strip())
        except ValueError:
            continue
        if math.isfinite(wait) and wait >= 0:
            waits.append(wait)
    return max(waits) if waits else None


@dataclass(frozen=True)
class RetryRules:
    """How one source retries: which statuses, how many attempts, how long to wait between them.

    Without a retry-after header the wait after attempt `n` is `first_wait_seconds` times `2**(n-1)`
    (`exponential`) or times `n`, at most `max_backoff_seconds`. A wait, asked for or not, longer
    than `max_wait_seconds` is not waited: the source gives up at once.
    """

    statuses: frozenset[int]
    max_attempts: int
    first_wait_seconds: float
    exponential: bool = True
    max_backoff_seconds: float = math.inf
    max_wait_seconds: float = math.inf

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("max_attempts", f"must be at least 1, not {self.max_attempts}")
        for name in ("first_wait_seconds", "max_backoff_seconds", "max_wait_seconds"):
            value = getattr(self, name)
            if not value >= 0:  # NaN too
                raise ConfigurationError(name, f"must be a number of seconds >= 0, not {value}")

    @property
    def throttling(self) -> frozenset[int]:
        """The retried statuses that, past the budget, are `ThrottledError`s."""
        return self.statuses & THROTTLING_STATUSES

    def wait(self, attempt: int, headers: Mapping[str, str]) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based) answered with `headers`."""
        asked = retry_after_seconds(headers)
        if asked is not None:
            return asked
        growth = 2 ** (attempt - 1) if self.exponential else attempt
        return min(self.first_wait_seconds * growth, self.max_backoff_seconds)


class StillThrottled(HttpResponseError):
    """A throttling status outlasted the retry budget; `mapped` makes it a `ThrottledError`."""

    def __init__(self, response: HttpResponse, attempts: int, retry_after_seconds: float) -> None:
        super().__init__(message=f"still throttled after {attempts} attempt(s)", response=response)
        self.attempts = attempts
        self.retry_after_seconds = retry_after_seconds


class SourceRetryPolicy(RetryPolicy[HttpRequest, HttpResponse]):
    """azure-core's `RetryPolicy` with a source's `RetryRules`, an injected `sleep`, and
    `StillThrottled` raised when throttling outlasts the budget."""

    def __init__(self, rules: RetryRules, sleep: Callable[[float], None] = time.sleep) -> None:
        retries = rules.max_attempts - 1
        super().__init__(retry_total=retries, retry_status=retries)
        self._rules = rules
        self._pause = sleep

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        http = response.http_response
        if http.status_code not in self._rules.statuses:
            return False
        attempt = len(settings["history"]) + 1  # the history holds the attempts retried so far
        wait = self._rules.wait(attempt, http.headers)
        return attempt < self._rules.max_attempts and wait <= self._rules.max_wait_seconds

    def sleep(
        self,
        settings: dict[str, Any],
        transport: HttpTransport[HttpRequest, HttpResponse],
        response: PipelineResponse[HttpRequest, HttpResponse] | None = None,
    ) -> None:
        del transport  # the injected sleep, not the transport's, so tests never wait
        headers = response.http_response.headers if response is not None else {}
        self._pause(self._rules.wait(len(settings["history"]), headers))

    def send(
        self, request: PipelineRequest[HttpRequest]
    ) -> PipelineResponse[HttpRequest, HttpResponse]:
        response = super().send(request)
        http = response.http_response
        if http.status_code in self._rules.throttling:
            attempts = len(response.context.get("history") or ()) + 1
            raise StillThrottled(http, attempts, self._rules.wait(attempts, http.headers))
        return response


@dataclass(frozen=True)
class CallOptions:
    """What every SDK client of one source is built with: its retry rules, the sleep between
    attempts and, in tests, the transport. An injected transport is shared by every client the
    source opens and closes, so it must stay usable after a close (an in-memory one does)."""

    rules: RetryRules
    sleep: Callable[[float], None] = time.sleep
    transport: HttpTransport[HttpRequest, HttpResponse] | None = None

    def retry_policy(self) -> SourceRetryPolicy:
        return SourceRetryPolicy(self.rules, self.sleep)

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for an Azure SDK client: `retry_policy`, and `transport` if any."""
        kwargs: dict[str, Any] = {"retry_policy": self.retry_policy()}
        if self.transport is not None:
            kwargs["transport"] = self.transport
        return kwargs


@contextmanager
def mapped(what: str) -> Iterator[None]:
    """Azure SDK errors raised inside, and fields of an answer that cannot be read
    (`InvalidInput`), as one-line `SourceError`s naming `what`; throttling past the budget as a
    `ThrottledError`."""
    try:
        yield
    except StillThrottled as err:
        raise ThrottledError(
            one_line(
                f"{what} still throttled after {err.attempts} attempt(s) "
                f"({_detail(err)}); retry after {err.retry_after_seconds:g} s"
            ),
            err.retry_after_seconds,
        ) from err
    except DecodeError as err:
        raise SourceError(one_line(f"{what}: response is not JSON ({_reason(err)})")) from err
    except AzureError as err:
        raise SourceError(one_line(f"{what} failed: {_detail(err)}")) from err
    except DeserializationError as err:
        raise SourceError(one_line(f"{what}: malformed response ({err})")) from err
    except InvalidInput as err:
        raise SourceError(one_line(f"{what}: {err}")) from err


class Sender(Protocol):
    """An SDK client that sends a raw request through its pipeline (`send_request`)."""

    def send_request(self, request: HttpRequest) -> HttpResponse: ...


def send(
    client: Sender, request: HttpRequest, what: str, accept: Collection[int] = (200,)
) -> HttpResponse:
    """One request through the client's pipeline (so retried by its `SourceRetryPolicy`); any
    error, or a status not in `accept`, is a `SourceError` naming `what`."""
    with mapped(what):
        response = client.send_request(request)
    if response.status_code not in accept:
        raise SourceError(one_line(f"{what} failed: {describe_error(response)}"))
    return response


def read_json(text: str, what: str, *, exact: bool = False) -> Any:
    """A response body as JSON (numbers with a fraction as `Decimal` when `exact`)."""
    try:
        return json.loads(text, parse_float=Decimal if exact else float)
    except ValueError as err:
        raise SourceError(one_line(f"{what}: response is not JSON ({err})")) from err


def _detail(err: AzureError) -> str:
    response = getattr(err, "response", None)
    return describe_error(response) if response is not None else _reason(err)


def _reason(err: AzureError) -> str:
    return str(err.inner_exception or err.message)
