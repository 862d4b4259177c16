"""The one retry policy and error mapping of the Azure adapters (shared/adapters/azure/calls.py),
through a real azure-core PipelineClient over an in-memory transport."""

from __future__ import annotations

import math
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.core.pipeline.policies import ContentDecodePolicy, HTTPPolicy
from azure.core.rest import HttpRequest, HttpResponse

from shared.adapters.azure.calls import (
    RETRY_AFTER_HEADERS,
    TRANSIENT_STATUSES,
    CallOptions,
    RetryRules,
    mapped,
    read_json,
    retry_after_seconds,
    send,
)
from shared.errors import ConfigurationError, InvalidInput, SourceError, ThrottledError
from tests.unit.azure_memory import (
    MemoryTransport,
    Reply,
    error_reply,
    excerpt_headers,
    excerpt_section,
    real_429_body,
)

ENDPOINT = "https://management.azure.com"
URL = f"{ENDPOINT}/subscriptions/s/providers/Microsoft.CostManagement/query?api-version=2025-03-01"
QPU = "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"
WHAT = "cost query /subscriptions/s"


def throttled(wait: str | None = "1", header: str = QPU, status: int = 429) -> Reply:
    headers = {header: wait} if wait is not None else {}
    return Reply(status, real_429_body(), headers)


RULES = RetryRules(frozenset({429, 503}), 3, 10.0, exponential=False, max_wait_seconds=120)


class Client:
    """A bare PipelineClient with the source's retry policy and the in-memory transport."""

    def __init__(
        self,
        transport: MemoryTransport,
        rules: RetryRules = RULES,
        *,
        decode: bool = False,
        fail_auth: bool = False,
    ) -> None:
        self.sleeps: list[float] = []
        options = CallOptions(rules, self.sleeps.append, transport)
        policies: list[Any] = [options.retry_policy()]
        if decode:
            policies.insert(0, ContentDecodePolicy())
        if fail_auth:
            policies.append(FailingAuthentication())
        self.pipeline: PipelineClient[HttpRequest, HttpResponse] = PipelineClient(
            ENDPOINT, policies=policies, transport=transport
        )

    def send_request(self, request: HttpRequest) -> HttpResponse:
        return self.pipeline.send_request(request)


class FailingAuthentication(HTTPPolicy[HttpRequest, HttpResponse]):
    """What an authentication policy raises when the credential cannot get a token."""

    def send(self, request: Any) -> Any:
        raise ClientAuthenticationError(
            message="DefaultAzureCredential failed to retrieve a token.\nAttempted credentials: ..."
        )


def post() -> HttpRequest:
    return HttpRequest("POST", URL, json={"type": "ActualCost"})


def test_every_retry_after_header_of_the_reference_excerpts_is_read() -> None:
    family = {
        line.strip()
        for line in excerpt_section("429 retry-after header family").splitlines()
        if line.strip().endswith("-retry-after")
    }
    assert len(family) == 4
    assert family | {"Retry-After"} == set(RETRY_AFTER_HEADERS)
    for name in family:
        assert retry_after_seconds({name: "17"}) == 17.0


def test_the_longest_wait_wins_and_unreadable_values_are_ignored() -> None:
    headers = {
        QPU: "5",
        "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after": "30",
        "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after": "soon",
        "Retry-After": "12.5",
    }
    assert retry_after_seconds(headers) == 30.0
    assert retry_after_seconds({"Retry-After": "-3", QPU: "nan"}) is None
    assert retry_after_seconds({"Retry-After": "inf"}) is None
    assert retry_after_seconds({"Retry-After": "0"}) == 0.0


def test_the_quota_headers_of_a_successful_answer_ask_for_no_wait() -> None:
    """`qpu-consumed: 2` is a number too, but no retry-after header: a prefix match would wait."""
    headers = excerpt_headers("200 OK response headers")
    assert headers["x-ms-ratelimit-microsoft.costmanagement-qpu-consumed"] == "2"
    assert retry_after_seconds(headers) is None


@pytest.mark.parametrize(
    ("rules", "waits"),
    [
        (RetryRules(frozenset({429}), 5, 10.0, exponential=False), [10.0, 20.0, 30.0, 40.0]),
        (RetryRules(frozenset({429}), 5, 2.0, max_backoff_seconds=5), [2.0, 4.0, 5.0, 5.0]),
    ],
)
def test_without_a_header_the_backoff_grows_linearly_or_doubles_up_to_its_cap(
    rules: RetryRules, waits: list[float]
) -> None:
    assert [rules.wait(n, {}) for n in range(1, 5)] == waits
    assert rules.wait(3, {"Retry-After": "1"}) == 1.0  # a header wins over the backoff


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"first_wait_seconds": -1.0}, "first_wait_seconds"),
        ({"max_wait_seconds": math.nan}, "max_wait_seconds"),
    ],
)
def test_a_bad_retry_setting_is_a_configuration_error_naming_it(
    kwargs: dict[str, Any], setting: str
) -> None:
    values: dict[str, Any] = {"statuses": frozenset({429}), "max_attempts": 3}
    values["first_wait_seconds"] = 1.0
    values.update(kwargs)
    with pytest.raises(ConfigurationError, match=f"setting {setting}: must be") as raised:
        RetryRules(**values)
    assert raised.value.retryable is False


def test_a_throttled_post_is_retried_as_the_header_asks_then_succeeds() -> None:
    transport = MemoryTransport(throttled("7"), throttled("3"), Reply(200, {"ok": True}))
    client = Client(transport)

    response = send(client, post(), WHAT)

    assert response.json() == {"ok": True}
    assert client.sleeps == [7.0, 3.0]  # the injected sleep; the transport's would fail
    assert [r.method for r in transport.requests] == ["POST"] * 3
    assert {r.content for r in transport.requests} == {'{"type": "ActualCost"}'}


def test_throttling_past_the_budget_is_a_throttled_error_naming_the_source() -> None:
    transport = MemoryTransport(throttled("2"), throttled("2"), throttled("4"))
    client = Client(transport)

    with pytest.raises(ThrottledError) as raised:
        send(client, post(), WHAT)

    assert str(raised.value) == (
        f"{WHAT} still throttled after 3 attempt(s) "
        "(HTTP 429 429: Too many requests. Please retry.); retry after 4 s"
    )
    assert raised.value.retry_after_seconds == 4.0
    assert raised.value.retryable is True
    assert client.sleeps == [2.0, 2.0]
    assert transport.unused == 0


def test_without_a_header_the_source_backoff_is_waited_and_reported() -> None:
    client = Client(MemoryTransport(*(throttled(None, status=503) for _ in range(3))))

    with pytest.raises(ThrottledError, match=r"HTTP 503 .*retry after 30 s") as raised:
        send(client, post(), WHAT)

    assert client.sleeps == [10.0, 20.0]
    assert raised.value.retry_after_seconds == 30.0


def test_a_wait_longer_than_allowed_gives_up_at_once() -> None:
    transport = MemoryTransport(throttled("3600"))
    client = Client(transport)

    with pytest.raises(ThrottledError, match="after 1 attempt") as raised:
        send(client, post(), WHAT)

    assert raised.value.retry_after_seconds == 3600.0
    assert client.sleeps == []


def test_a_bad_request_is_a_source_error_with_the_error_body_and_is_not_retried() -> None:
    body = error_reply(400, "BadRequest", "Invalid dataset grouping:\n'Nope'.")
    transport = MemoryTransport(body)
    client = Client(transport)

    with pytest.raises(SourceError) as raised:
        send(client, post(), WHAT)

    assert not isinstance(raised.value, ThrottledError)
    assert str(raised.value) == (
        f"{WHAT} failed: HTTP 400 BadRequest: Invalid dataset grouping: 'Nope'."
    )
    assert len(transport.requests) == 1 and client.sleeps == []


def test_a_server_error_outlasting_the_retries_is_a_source_error_not_throttling() -> None:
    rules = RetryRules(TRANSIENT_STATUSES, 2, 0.5)
    transport = MemoryTransport(*(error_reply(500, "ServerError", "boom") for _ in range(2)))
    client = Client(transport, rules)

    with pytest.raises(SourceError) as raised:
        send(client, HttpRequest("GET", URL), WHAT)

    assert not isinstance(raised.value, ThrottledError)
    assert "HTTP 500 ServerError: boom" in str(raised.value)
    assert client.sleeps == [0.5]


def test_an_accepted_status_other_than_200_is_returned_and_others_refused() -> None:
    client = Client(MemoryTransport(Reply(204), Reply(202)))

    assert send(client, post(), WHAT, accept=(200, 204)).status_code == 204
    with pytest.raises(SourceError, match=r"failed: HTTP 202$"):
        send(client, post(), WHAT, accept=(200, 204))


def test_a_network_error_on_a_get_is_retried_by_azure_core_then_is_one_line() -> None:
    error = ServiceRequestError("Failed to establish a new connection:\n[Errno 111] refused")
    transport = MemoryTransport(*(error for _ in range(4)))
    client = Client(transport, RetryRules(TRANSIENT_STATUSES, 5, 1.0))

    with pytest.raises(SourceError) as raised:
        send(client, HttpRequest("GET", URL), WHAT)

    assert str(raised.value) == (
        f"{WHAT} failed: Failed to establish a new connection: [Errno 111] refused"
    )
    assert len(transport.requests) == 4  # azure-core's three connection retries
    assert client.sleeps == [1.0, 2.0, 4.0]


def test_a_network_error_on_a_post_is_not_sent_again() -> None:
    transport = MemoryTransport(ServiceRequestError("Connection reset by peer"))
    client = Client(transport)

    with pytest.raises(SourceError, match="failed: Connection reset by peer"):
        send(client, post(), WHAT)
    assert len(transport.requests) == 1


def test_an_authentication_failure_is_a_source_error_on_one_line() -> None:
    transport = MemoryTransport(Reply(200, {}))
    client = Client(transport, fail_auth=True)

    with pytest.raises(SourceError) as raised:
        send(client, post(), WHAT)

    assert str(raised.value) == (
        f"{WHAT} failed: DefaultAzureCredential failed to retrieve a token. "
        "Attempted credentials: ..."
    )
    assert transport.requests == []


def test_a_truncated_json_body_decoded_by_the_pipeline_is_a_source_error() -> None:
    body = b'{"properties": {"rows": [[1.5, 2026'
    truncated = Reply(200, body, {"Content-Type": "application/json"})
    client = Client(MemoryTransport(truncated), decode=True)

    with pytest.raises(SourceError, match=rf"^{WHAT}: response is not JSON \(.+\)$"):
        send(client, post(), WHAT)


def test_read_json_keeps_money_exact_only_when_asked() -> None:
    text = '{"cost": 0.1000000000000000055511151231257827}'
    assert str(read_json(text, WHAT, exact=True)["cost"]) == "0.1000000000000000055511151231257827"
    assert read_json(text, WHAT)["cost"] == 0.1
    with pytest.raises(SourceError, match=f"^{WHAT}: response is not JSON"):
        read_json("<html>", WHAT)


def test_an_unreadable_field_of_an_answer_is_a_source_error_naming_the_source() -> None:
    expected = f"^{WHAT}, page 2: Currency: 'US' is not"
    with pytest.raises(SourceError, match=expected) as raised, mapped(f"{WHAT}, page 2"):
        raise InvalidInput("Currency", "'US' is not an ISO 4217 code")
    assert isinstance(raised.value.__cause__, InvalidInput)
