"""Paging, throttling and errors of each live source, fast: the real SDK clients (Cost Management,
Azure Monitor, Cognitive Services, an azure-core pipeline) over an in-memory transport replaying
real-format answers. The HTTPS doubles of tests/integration cover the same sources end to end."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.core.exceptions import ServiceRequestError

from shared.adapters.azure.arm_inventory import ArmInventorySource
from shared.adapters.azure.cost_management import CostManagementSource
from shared.adapters.azure.monitor_metrics import MonitorUsageSource
from shared.adapters.azure.retail_prices import RetailPricesSource
from shared.core.period import DateWindow
from shared.errors import ConfigurationError, SourceError, ThrottledError
from tests.doubles.retail_prices import snapshot_items
from tests.unit.azure_memory import (
    MemoryCredential,
    MemoryTransport,
    Reply,
    error_reply,
    payload_json,
    real_429_body,
    spec_body,
)

ARM = "https://management.azure.com"
QPU = "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- Cost Management: the BillingAccountQuery spec example, paged by its own nextLink ----------

BILLING_SCOPE = "providers/Microsoft.Billing/billingAccounts/70664866"
MARCH_2018 = DateWindow(date(2018, 3, 1), date(2018, 4, 1))  # the example's UsageDate 20180331
SPEC_ROWS = ("19.545363672276512", "173.41979241290323", "20.35941656262545", "0.16677720329728665")


def cost_pages() -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec example (its nextLink carries a `$skiptoken`), then the same page as the last."""
    first = spec_body("azure-rest-api-specs_2025-03-01_BillingAccountQuery.json")
    last = copy.deepcopy(first)
    last["properties"]["nextLink"] = None
    return first, last


def qpu_throttled(wait: str) -> Reply:
    return Reply(429, real_429_body(), {QPU: wait})


def costs(transport: MemoryTransport, sleeps: list[float], **kwargs: Any) -> CostManagementSource:
    return CostManagementSource(
        MemoryCredential(), [BILLING_SCOPE], ARM, sleep=sleeps.append, transport=transport, **kwargs
    )


def test_cost_pages_follow_the_next_link_as_given_with_the_same_body_and_exact_money() -> None:
    first, last = cost_pages()
    transport = MemoryTransport(Reply(200, first), Reply(200, last))

    (line,) = costs(transport, []).fetch(MARCH_2018)

    assert line.cost == 2 * sum(Decimal(v) for v in SPEC_ROWS)  # both pages, summed exactly
    assert line.date == date(2018, 3, 31) and line.currency == "USD"
    asked, followed = transport.requests
    assert urlsplit(asked.url).path.endswith(
        f"/{BILLING_SCOPE}/providers/Microsoft.CostManagement/query"
    )
    assert followed.url == first["properties"]["nextLink"]  # byte for byte, `%3D%3D` kept
    assert followed.content == asked.content and followed.method == "POST"


def test_a_throttled_cost_page_is_waited_out_as_the_qpu_header_asks() -> None:
    first, last = cost_pages()
    transport = MemoryTransport(Reply(200, first), qpu_throttled("9"), Reply(200, last))
    sleeps: list[float] = []

    (line,) = costs(transport, sleeps).fetch(MARCH_2018)

    assert line.cost == 2 * sum(Decimal(v) for v in SPEC_ROWS)
    assert sleeps == [9.0]
    assert transport.requests[1].url == transport.requests[2].url == first["properties"]["nextLink"]


def test_a_cost_page_throttled_past_the_budget_returns_nothing() -> None:
    first, _ = cost_pages()
    transport = MemoryTransport(Reply(200, first), *(qpu_throttled("5") for _ in range(3)))
    sleeps: list[float] = []

    with pytest.raises(ThrottledError, match=r"still throttled after 3 attempt\(s\)") as raised:
        costs(transport, sleeps, max_attempts=3).fetch(MARCH_2018)

    assert raised.value.retry_after_seconds == 5.0
    assert sleeps == [5.0, 5.0]
    assert {r.url for r in transport.requests[1:]} == {first["properties"]["nextLink"]}


def test_a_bad_cost_query_is_a_source_error_naming_the_query_and_the_code() -> None:
    transport = MemoryTransport(error_reply(400, "BadRequest", "Invalid dataset grouping"))

    with pytest.raises(SourceError, match=r"^cost query /providers/.*/query failed: HTTP 400 Bad"):
        costs(transport, []).fetch(MARCH_2018)
    assert len(transport.requests) == 1


def test_a_network_error_during_a_cost_query_is_a_source_error_and_not_sent_twice() -> None:
    transport = MemoryTransport(ServiceRequestError("Connection aborted."))

    with pytest.raises(SourceError, match=r"cost query .* failed: Connection aborted"):
        costs(transport, []).fetch(MARCH_2018)
    assert len(transport.requests) == 1


def test_a_cost_page_with_an_unreadable_row_is_a_source_error_naming_the_page() -> None:
    first, last = cost_pages()
    last["properties"]["rows"][0][3] = "US Dollar"
    transport = MemoryTransport(Reply(200, first), Reply(200, last))

    with pytest.raises(SourceError, match=rf"cost query for /{BILLING_SCOPE}, page 2: .*Currency"):
        costs(transport, []).fetch(MARCH_2018)


def test_a_cost_answer_without_properties_is_a_source_error() -> None:
    transport = MemoryTransport(Reply(200, {"value": []}))

    with pytest.raises(SourceError, match="response has no properties"):
        costs(transport, []).fetch(MARCH_2018)


@pytest.mark.parametrize("max_attempts", [0, -1])
def test_a_cost_source_without_one_attempt_is_a_configuration_error(max_attempts: int) -> None:
    with pytest.raises(ConfigurationError, match="setting max_attempts"):
        costs(MemoryTransport(), [], max_attempts=max_attempts)


# --- Azure Monitor metrics:getBatch: the MetricBatchExample2 envelope ---------------------------

SUB = "6f1c2a3b-0000-4000-8000-00000000c001"
ACCOUNT = (
    f"/subscriptions/{SUB}/resourceGroups/RG/providers/Microsoft.CognitiveServices/accounts/A1"
)
NOVEMBER_2026 = DateWindow(date(2026, 11, 1), date(2026, 11, 4))


def batch_answer(tokens: int) -> dict[str, Any]:
    """The spec's getBatch answer, its one metric turned into the account's input tokens."""
    body = spec_body("monitor-metrics-getBatch-MetricBatchExample2.2024-02-01.example.json")
    item = body["values"][0]
    metric = item["value"][0]
    metric["name"] = {"value": "ProcessedPromptTokens", "localizedValue": "Processed Tokens"}
    metric["timeseries"] = [
        {
            "metadatavalues": [{"name": {"value": "modeldeploymentname"}, "value": "chat"}],
            "data": [{"timeStamp": "2026-11-02T00:00:00Z", "total": tokens}],
        }
    ]
    item["resourceid"] = ACCOUNT.lower()
    body["values"] = [item]
    return body


def peaks_answer(*totals: float | None, resource: str = ACCOUNT) -> dict[str, Any]:
    """The spec's getBatch answer turned into `TokenTransaction` per minute of 2026-11-02 from
    00:00, a point with only its time stamp where a total is None (no data)."""
    body = spec_body("monitor-metrics-getBatch-MetricBatchExample2.2024-02-01.example.json")
    item = body["values"][0]
    metric = item["value"][0]
    metric["name"] = {"value": "TokenTransaction", "localizedValue": "Processed Inference Tokens"}
    metric["timeseries"] = [
        {
            "metadatavalues": [{"name": {"value": "modeldeploymentname"}, "value": "chat"}],
            "data": [
                {"timeStamp": f"2026-11-02T00:{m:02d}:00Z"}
                if total is None
                else {"timeStamp": f"2026-11-02T00:{m:02d}:00Z", "total": total}
                for m, total in enumerate(totals)
            ],
        }
    ]
    item.update(interval="PT1M", resourceid=resource.lower())
    body["values"] = [item]
    return body


def metrics_throttled(status: int = 529) -> Reply:
    return error_reply(status, "TooManyRequests", "The metrics backend is throttling.")


def usage(transport: MemoryTransport, sleeps: list[float], **kwargs: Any) -> MonitorUsageSource:
    return MonitorUsageSource(
        MemoryCredential(),
        "https://eastus2.metrics.monitor.azure.com",
        sleep=sleeps.append,
        transport=transport,
        **kwargs,
    )


def test_throttled_batches_back_off_exponentially_then_usage_is_read() -> None:
    transport = MemoryTransport(
        metrics_throttled(),
        metrics_throttled(429),
        Reply(200, peaks_answer(3.0, None, 9.0, 0.0)),
        Reply(200, batch_answer(1234)),
    )
    sleeps: list[float] = []

    (record,) = usage(transport, sleeps).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])

    assert (record.account_id, record.deployment, record.input_tokens) == (ACCOUNT, "chat", 1234)
    assert record.date == date(2026, 11, 2)
    assert record.peak_tpm == 9
    assert sleeps == [2.0, 4.0]
    intervals = [query(r.url)["interval"] for r in transport.requests]
    assert intervals == [["PT1M"]] * 3 + [["P1D"]]  # the peaks call is retried like the daily


def test_a_batch_throttled_past_the_budget_is_a_throttled_error_with_the_backoff() -> None:
    transport = MemoryTransport(*(metrics_throttled() for _ in range(3)))
    sleeps: list[float] = []

    with pytest.raises(
        ThrottledError, match=rf"metrics batch for {SUB} \(peak tokens per minute\) still .*529 "
    ) as raised:
        usage(transport, sleeps, max_attempts=3).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])

    assert sleeps == [2.0, 4.0]
    assert raised.value.retry_after_seconds == 8.0


def test_a_batch_retry_after_header_wins_over_the_backoff() -> None:
    throttled = error_reply(429, "TooManyRequests", "slow down", **{"Retry-After": "11"})
    transport = MemoryTransport(Reply(200, peaks_answer(1)), throttled, Reply(200, batch_answer(5)))
    sleeps: list[float] = []

    usage(transport, sleeps).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])

    assert sleeps == [11.0]  # the daily call, after its peaks


def test_a_refused_batch_is_a_source_error_with_the_error_code() -> None:
    refused = error_reply(403, "AuthorizationFailed", "Monitoring Reader needed")
    transport = MemoryTransport(Reply(200, peaks_answer(1)), refused)

    with pytest.raises(SourceError, match=rf"metrics batch for {SUB} failed: HTTP 403 Authoriz"):
        usage(transport, []).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])
    assert len(transport.requests) == 2


def test_a_refused_peaks_call_is_a_source_error_and_the_daily_call_is_not_made() -> None:
    transport = MemoryTransport(error_reply(403, "AuthorizationFailed", "Monitoring Reader needed"))

    with pytest.raises(
        SourceError, match=rf"for {SUB} \(peak tokens per minute\) failed: HTTP 403 Authoriz"
    ):
        usage(transport, []).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])
    assert len(transport.requests) == 1


def test_the_peaks_call_asks_for_token_transaction_totals_per_minute() -> None:
    transport = MemoryTransport(Reply(200, peaks_answer(1)), Reply(200, batch_answer(5)))

    usage(transport, []).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])

    peaks, daily = (query(r.url) for r in transport.requests)
    assert peaks["metricnames"] == ["TokenTransaction"]
    assert (peaks["interval"], peaks["aggregation"]) == (["PT1M"], ["total"])
    assert peaks["starttime"] == daily["starttime"] == ["2026-11-01T00:00:00.000Z"]
    assert peaks["endtime"] == daily["endtime"] == ["2026-11-04T00:00:00.000Z"]
    assert peaks["filter"] == daily["filter"] == ["ModelDeploymentName eq '*'"]
    assert peaks["top"] == daily["top"] == ["1000"]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({**peaks_answer(1), "values": [{**peaks_answer(1)["values"][0], "interval": "PT4H"}]},
         r"interval: expected PT1M buckets, not 'PT4H'"),
        (peaks_answer(1, resource=ACCOUNT.replace("A1", "other")),
         "answered for an unasked resource"),
        ([1, 2], "response is not a JSON object"),
        (peaks_answer("many"), "total: not a number"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_a_peaks_answer_that_cannot_be_trusted_fails_the_fetch(answer: Any, error: str) -> None:
    transport = MemoryTransport(Reply(200, answer), Reply(200, batch_answer(5)))

    with pytest.raises(SourceError, match=error):
        usage(transport, []).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])
    assert len(transport.requests) == 1


def test_a_failed_peaks_metric_fails_the_fetch() -> None:
    answer = peaks_answer(1)
    answer["values"][0]["value"][0].update(errorCode="Throttled", errorMessage="try later")
    transport = MemoryTransport(Reply(200, answer), Reply(200, batch_answer(5)))

    with pytest.raises(SourceError, match=r"peak tokens per minute.*Throttled: try later"):
        usage(transport, []).fetch(NOVEMBER_2026, [(ACCOUNT, "eastus2")])


def test_a_batch_answer_that_is_no_json_object_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="response is not a JSON object"):
        usage(MemoryTransport(Reply(200, [1, 2])), []).fetch(NOVEMBER_2026, [(ACCOUNT, "x")])


@pytest.mark.parametrize(
    ("kwargs", "setting"), [({"top": 0}, "top"), ({"max_attempts": 0}, "max_attempts")]
)
def test_a_usage_source_with_a_bad_limit_is_a_configuration_error(
    kwargs: dict[str, int], setting: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"setting {setting}: must be at least 1"):
        usage(MemoryTransport(), [], **kwargs)


# --- ARM: accounts and the ListDeployments example, paged by the SDK pager ----------------------

ARM_SUB = "subscriptionId"  # the subscription of the spec examples
ACCOUNT_ID = (
    f"/subscriptions/{ARM_SUB}/resourceGroups/resourceGroupName"
    "/providers/Microsoft.CognitiveServices/accounts/accountName"
)


def accounts_page(kind: str = "OpenAI") -> dict[str, Any]:
    """An accounts list in ARM's shape (no spec example is saved for it)."""
    account = {
        "id": ACCOUNT_ID,
        "name": "accountName",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": kind,
        "location": "eastus2",
        "sku": {"name": "S0"},
        "properties": {"provisioningState": "Succeeded"},
    }
    return {"value": [account]}


def deployment_pages() -> tuple[dict[str, Any], dict[str, Any]]:
    first = spec_body("cognitiveservices-ListDeployments.2024-10-01.example.json")
    first["nextLink"] = f"{ARM}{ACCOUNT_ID}/deployments?api-version=2024-10-01&$skipToken=1"
    second_item = spec_body("cognitiveservices-GetDeployment.2025-06-01.example.json")
    second_item["name"] = "gpt-4o-chat"
    second_item["properties"]["model"] = {
        "format": "OpenAI",
        "name": "gpt-4o",
        "version": "2024-08-06",
    }
    return first, {"value": [second_item]}


def inventory(transport: MemoryTransport, sleeps: list[float], **kwargs: Any) -> ArmInventorySource:
    return ArmInventorySource(
        MemoryCredential(), [ARM_SUB], ARM, sleep=sleeps.append, transport=transport, **kwargs
    )


def test_deployments_are_listed_across_the_pages_of_the_sdk_pager() -> None:
    first, second = deployment_pages()
    transport = MemoryTransport(Reply(200, accounts_page()), Reply(200, first), Reply(200, second))

    found = inventory(transport, []).fetch()

    assert [(d.name, d.model, d.sku, d.capacity, d.account_location) for d in found] == [
        ("deploymentName", "ada", "Standard", 1, "eastus2"),
        ("gpt-4o-chat", "gpt-4o", "Standard", 1, "eastus2"),
    ]
    assert {d.account_id for d in found} == {ACCOUNT_ID}
    listed = transport.requests[2]
    assert query(listed.url)["$skipToken"] == ["1"]
    assert query(listed.url)["api-version"] != ["2024-10-01"]  # the SDK puts its own version


def test_a_throttled_arm_listing_waits_as_retry_after_asks_then_continues() -> None:
    first, second = deployment_pages()
    throttled = error_reply(429, "TooManyRequests", "Too many reads", **{"Retry-After": "4"})
    transport = MemoryTransport(
        Reply(200, accounts_page()), Reply(200, first), throttled, Reply(200, second)
    )
    sleeps: list[float] = []

    found = inventory(transport, sleeps).fetch()

    assert [d.name for d in found] == ["deploymentName", "gpt-4o-chat"]
    assert sleeps == [4.0]
    assert transport.requests[2].url == transport.requests[3].url


def test_arm_throttling_past_the_budget_is_a_throttled_error_for_the_subscription() -> None:
    throttled = error_reply(429, "TooManyRequests", "Too many reads", **{"Retry-After": "4"})
    transport = MemoryTransport(*(throttled for _ in range(2)))
    sleeps: list[float] = []

    with pytest.raises(ThrottledError, match=rf"^ARM inventory of subscription {ARM_SUB} still"):
        inventory(transport, sleeps, max_attempts=2).fetch()
    assert sleeps == [4.0]


def test_an_arm_authorization_failure_is_a_source_error_on_one_line() -> None:
    refused = error_reply(403, "AuthorizationFailed", "The client 'x' does not have\nauthorization")
    transport = MemoryTransport(refused)

    with pytest.raises(SourceError) as raised:
        inventory(transport, []).fetch()

    assert str(raised.value) == (
        f"ARM inventory of subscription {ARM_SUB} failed: HTTP 403 AuthorizationFailed: "
        "The client 'x' does not have authorization"
    )


def test_a_malformed_arm_listing_is_a_source_error() -> None:
    transport = MemoryTransport(Reply(200, {"value": "not a list"}))

    with pytest.raises(SourceError, match=rf"subscription {ARM_SUB}: malformed response"):
        inventory(transport, []).fetch()


# --- Retail Prices: saved items, then the empty page of the Q&A example ------------------------

PRICES = "https://prices.azure.com"


def prices_page(items: list[dict[str, Any]], link: str | None) -> dict[str, Any]:
    page = payload_json("retail-prices-empty-page.qna-example.json")
    page.update({"Items": items, "NextPageLink": link, "Count": len(items)})
    return page


def retail(transport: MemoryTransport, sleeps: list[float], **kwargs: Any) -> RetailPricesSource:
    return RetailPricesSource(
        PRICES,
        service_names=["Cognitive Services"],
        sleep=sleeps.append,
        transport=transport,
        **kwargs,
    )


def test_retail_pages_follow_next_page_link_until_the_empty_last_page() -> None:
    items = snapshot_items()[:3]
    link = f"{PRICES}/api/retail/prices?api-version=2023-01-01-preview&$skip=3"
    empty = payload_json("retail-prices-empty-page.qna-example.json")
    transport = MemoryTransport(Reply(200, prices_page(items, link)), Reply(200, empty))

    found = retail(transport, []).fetch()

    assert [i.meter_id for i in found] == [i["meterId"] for i in items]
    assert [i.retail_price for i in found] == [i["retailPrice"] for i in items]
    assert transport.requests[1].url == link


def test_a_throttled_retail_page_waits_as_retry_after_asks() -> None:
    items = snapshot_items()[:2]
    throttled = error_reply(429, "TooManyRequests", "", **{"Retry-After": "6"})
    empty = payload_json("retail-prices-empty-page.qna-example.json")
    transport = MemoryTransport(throttled, Reply(200, prices_page(items, None)), Reply(200, empty))
    sleeps: list[float] = []

    found = retail(transport, sleeps).fetch()

    assert len(found) == 2
    assert sleeps == [6.0]
    assert query(transport.requests[2].url)["$skip"] == ["2"]  # a full page without a link


def test_retail_throttling_past_the_retries_is_a_throttled_error() -> None:
    throttled = error_reply(429, "TooManyRequests", "", **{"Retry-After": "1"})
    transport = MemoryTransport(throttled, throttled)

    with pytest.raises(ThrottledError, match=r"retail prices of 'Cognitive Services' .*HTTP 429"):
        retail(transport, [], retry_total=1).fetch()


def test_a_retail_server_error_is_retried_with_backoff_then_a_plain_source_error() -> None:
    failing = error_reply(500, "ServerError", "")
    transport = MemoryTransport(failing, failing, failing)
    sleeps: list[float] = []

    with pytest.raises(SourceError) as raised:
        retail(transport, sleeps, retry_total=2, retry_backoff_seconds=0.5).fetch()

    assert not isinstance(raised.value, ThrottledError)
    assert "failed: HTTP 500 ServerError" in str(raised.value)
    assert sleeps == [0.5, 1.0]


def test_an_unreachable_retail_api_is_a_source_error() -> None:
    transport = MemoryTransport(ServiceRequestError("Name or service not known"))

    with pytest.raises(SourceError, match=r"retail prices of 'Cognitive Services' .*not known"):
        retail(transport, [], retry_total=0).fetch()


@pytest.mark.parametrize(
    ("kwargs", "setting"), [({"retry_total": -1}, "retry_total"), ({"max_pages": 0}, "max_pages")]
)
def test_a_retail_source_with_a_bad_limit_is_a_configuration_error(
    kwargs: dict[str, int], setting: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"setting {setting}"):
        retail(MemoryTransport(), [], **kwargs)
