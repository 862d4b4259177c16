"""CostManagementSource against the HTTPS Cost Management double, through the real SDK client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from azure.core.credentials import TokenCredential

from shared.adapters.azure.cost_management import GROUPING, SERVICE_NAMES, CostManagementSource
from shared.core.costs import CostLine, CostType
from shared.core.period import DateWindow
from shared.errors import SourceError, ThrottledError
from tests.doubles import AzureDouble
from tests.doubles.fixtures import RunningDouble

SUB = "6f1c2a3b-0000-4000-8000-00000000a001"
SUB_2 = "6f1c2a3b-0000-4000-8000-00000000a002"
SCOPE = f"/subscriptions/{SUB}"
ACCOUNTS = "providers/Microsoft.CognitiveServices/accounts"
ACCOUNT = f"/subscriptions/{SUB}/resourceGroups/RG-AI/{ACCOUNTS}/AOAI-Prod"
ACCOUNT_2 = f"/subscriptions/{SUB_2}/resourceGroups/rg-ai/{ACCOUNTS}/aoai-dev"
NOVEMBER = DateWindow(date(2026, 11, 1), date(2026, 12, 1))

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]


def line(
    day: date,
    meter: str = "gpt-4o-0806-Inp-glbl Tokens",
    cost: str = "1.25",
    *,
    account: str = ACCOUNT,
    quantity: str = "500",
    category: str = "",
    cost_type: CostType = CostType.ACTUAL,
) -> CostLine:
    return CostLine(
        date=day,
        account_id=account,
        meter_id=f"meter-{meter.lower().replace(' ', '-')}",
        meter_name=meter,
        quantity=Decimal(quantity),
        cost=Decimal(cost),
        currency="USD",
        cost_type=cost_type,
        meter_category=category,
    )


def billed(lines: list[CostLine]) -> set[tuple[object, ...]]:
    """What the bill says of each line, with the resource id compared case-insensitively."""
    return {
        (
            *(ln.date, ln.account_id.lower(), ln.meter_id, ln.meter_name, ln.cost, ln.quantity),
            *(ln.charge_type, ln.pricing_model, ln.currency, ln.cost_type),
        )
        for ln in lines
    }


def november_lines(count: int) -> list[CostLine]:
    meters = ("gpt-4o-0806-Inp-glbl Tokens", "gpt-4o-0806-Outp-glbl Tokens")
    return [
        line(NOVEMBER.start + timedelta(days=i // 2), meters[i % 2], f"{i + 1}.00000001")
        for i in range(count)
    ]


def source(
    azure: RunningDouble, credential: TokenCredential, sleeps: list[float], **kwargs: object
) -> CostManagementSource:
    return CostManagementSource(
        credential,
        kwargs.pop("scopes", [SCOPE]),  # type: ignore[arg-type]
        azure.arm_endpoint,
        kwargs.pop("cost_type", CostType.ACTUAL),  # type: ignore[arg-type]
        sleep=sleeps.append,
        **kwargs,  # type: ignore[arg-type]
    )


def test_every_page_is_fetched_by_re_posting_the_same_body_to_the_next_link(
    serve_azure: Serve, credential_for: Credential
) -> None:
    costs = november_lines(10)
    azure = serve_azure(AzureDouble(costs=costs, page_size=3))

    lines = source(azure, credential_for(azure), []).fetch(NOVEMBER)

    assert billed(lines) == billed(costs)
    queries = azure.double.cost_queries()
    assert len(queries) == 4
    assert all(q.body == queries[0].body for q in queries)
    assert queries[0].param("$skiptoken") is None
    for follow_up in queries[1:]:
        assert follow_up.param("$skiptoken") is not None
        assert follow_up.param("api-version") == "2021-10-01"  # the nextLink, used as given
        assert follow_up.path.endswith("/providers/Microsoft.CostManagement/Query")


def test_the_query_groups_by_resource_and_meter_and_asks_for_both_service_names(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(costs=november_lines(1)))

    source(azure, credential_for(azure), []).fetch(NOVEMBER)

    (query,) = azure.double.cost_queries()
    body = query.json()
    assert query.param("api-version") == "2025-03-01"
    assert body["type"] == "ActualCost"
    assert body["timeframe"] == "Custom"
    assert body["timePeriod"] == {
        "from": "2026-11-01T00:00:00+00:00",
        "to": "2026-11-30T00:00:00+00:00",
    }
    assert body["dataset"]["granularity"] == "Daily"
    assert [g["name"] for g in body["dataset"]["grouping"]] == list(GROUPING)
    assert body["dataset"]["filter"]["dimensions"]["values"] == list(SERVICE_NAMES)


def test_resource_ids_come_back_lower_cased_and_are_kept_as_billed(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(costs=november_lines(2), lowercase_resource_ids=True))

    lines = source(azure, credential_for(azure), []).fetch(NOVEMBER)

    assert {ln.account_id for ln in lines} == {ACCOUNT.lower()}


def test_costs_billed_under_foundry_models_are_collected_next_to_cognitive_services(
    serve_azure: Serve, credential_for: Credential
) -> None:
    old = line(
        date(2026, 11, 2), "gpt-4o-0806-Inp-glbl Tokens", "3.5", category="Cognitive Services"
    )
    new = line(date(2026, 11, 3), "gpt 5 Inp glbl 1M Tokens", "7.25", category="Foundry Models")
    other = line(date(2026, 11, 3), "LRS Data Stored", "9.99", category="Storage")
    azure = serve_azure(AzureDouble(costs=[old, new, other]))

    lines = source(azure, credential_for(azure), []).fetch(NOVEMBER)

    assert {ln.meter_name: ln.cost for ln in lines} == {
        "gpt-4o-0806-Inp-glbl Tokens": Decimal("3.5"),
        "gpt 5 Inp glbl 1M Tokens": Decimal("7.25"),
    }


def test_money_stays_exact_and_rows_of_one_bill_line_are_summed(
    serve_azure: Serve, credential_for: Credential
) -> None:
    # Azure returns one resource under two casings; both rows are the same bill line.
    upper = line(date(2026, 11, 4), cost="0.1", quantity="0.001")
    lower = line(date(2026, 11, 4), cost="0.2", quantity="0.002", account=ACCOUNT.lower())
    # 18 significant digits: a float would not carry them through.
    precise = line(date(2026, 11, 5), cost="1234567890.12345678", quantity="98765432.123456789")
    azure = serve_azure(AzureDouble(costs=[upper, lower, precise], lowercase_resource_ids=False))

    lines = source(azure, credential_for(azure), []).fetch(NOVEMBER)

    by_day = {ln.date: ln for ln in lines}
    assert len(lines) == 2
    assert by_day[date(2026, 11, 4)].cost == Decimal("0.3")
    assert by_day[date(2026, 11, 4)].quantity == Decimal("0.003")
    assert by_day[date(2026, 11, 5)].cost == Decimal("1234567890.12345678")
    assert by_day[date(2026, 11, 5)].quantity == Decimal("98765432.123456789")


def test_a_window_is_queried_once_per_scope_and_month(
    serve_azure: Serve, credential_for: Credential
) -> None:
    window = DateWindow(date(2026, 10, 20), date(2026, 11, 11))
    inside = [
        line(date(2026, 10, 20), cost="1"),
        line(date(2026, 11, 10), cost="2"),
        line(date(2026, 10, 31), cost="3", account=ACCOUNT_2),
    ]
    outside = [line(date(2026, 10, 19), cost="100"), line(date(2026, 11, 11), cost="200")]
    azure = serve_azure(AzureDouble(costs=inside + outside))

    lines = source(
        azure, credential_for(azure), [], scopes=[SCOPE, f"subscriptions/{SUB_2}/"]
    ).fetch(window)

    assert billed(lines) == billed(inside)
    periods = [
        (q.path.split("/providers/")[0], q.json()["timePeriod"])
        for q in azure.double.cost_queries()
    ]
    assert periods == [
        (SCOPE, {"from": "2026-10-20T00:00:00+00:00", "to": "2026-10-31T00:00:00+00:00"}),
        (SCOPE, {"from": "2026-11-01T00:00:00+00:00", "to": "2026-11-10T00:00:00+00:00"}),
        (
            f"/subscriptions/{SUB_2}",
            {"from": "2026-10-20T00:00:00+00:00", "to": "2026-10-31T00:00:00+00:00"},
        ),
        (
            f"/subscriptions/{SUB_2}",
            {"from": "2026-11-01T00:00:00+00:00", "to": "2026-11-10T00:00:00+00:00"},
        ),
    ]


def test_amortized_cost_is_asked_for_and_returned_as_amortized(
    serve_azure: Serve, credential_for: Credential
) -> None:
    actual = line(date(2026, 11, 6), "Provisioned Managed Global Unit", "0", quantity="24")
    amortized = line(
        date(2026, 11, 6),
        "Provisioned Managed Global Unit",
        "48",
        quantity="24",
        cost_type=CostType.AMORTIZED,
    )
    azure = serve_azure(AzureDouble(costs=[actual, amortized]))

    lines = source(azure, credential_for(azure), [], cost_type=CostType.AMORTIZED).fetch(NOVEMBER)

    assert billed(lines) == billed([amortized])
    assert azure.double.cost_queries()[0].json()["type"] == "AmortizedCost"


def test_each_price_basis_gets_only_its_own_lines_from_the_same_scope_and_days(
    serve_azure: Serve, credential_for: Credential
) -> None:
    day = date(2026, 11, 6)
    both = [line(day, cost="3.00"), line(day, cost="2.75", cost_type=CostType.AMORTIZED)]
    azure = serve_azure(AzureDouble(costs=both))
    credential = credential_for(azure)

    got = {
        basis: source(azure, credential, [], cost_type=basis).fetch(NOVEMBER) for basis in CostType
    }

    assert {basis: billed(lines) for basis, lines in got.items()} == {
        CostType.ACTUAL: billed(both[:1]),
        CostType.AMORTIZED: billed(both[1:]),
    }
    assert [q.json()["type"] for q in azure.double.cost_queries()] == [
        "ActualCost",
        "AmortizedCost",
    ]


@pytest.mark.parametrize(
    "header",
    [
        "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
        "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
        "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
        "x-ms-ratelimit-microsoft.costmanagement-client-retry-after",
        "Retry-After",
    ],
)
def test_throttling_is_waited_out_as_the_retry_after_header_asks_then_the_query_succeeds(
    serve_azure: Serve, credential_for: Credential, header: str
) -> None:
    costs = november_lines(4)
    azure = serve_azure(
        AzureDouble(
            costs=costs,
            page_size=2,
            throttle_first_n=2,
            retry_after_header=header,
            retry_after_value="1",
        )
    )
    sleeps: list[float] = []

    lines = source(azure, credential_for(azure), sleeps).fetch(NOVEMBER)

    assert billed(lines) == billed(costs)
    assert sleeps == [1.0, 1.0]  # the injected sleep, as the header asked: no other wait
    assert len(azure.double.cost_queries()) == 4  # 2 throttled + 2 pages


def test_throttling_past_the_retry_budget_raises_throttled_error_and_returns_nothing(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(
        AzureDouble(
            costs=november_lines(6), page_size=2, throttle_after_pages=1, retry_after_value="2"
        )
    )
    sleeps: list[float] = []
    costs = source(azure, credential_for(azure), sleeps, max_attempts=3)

    with pytest.raises(ThrottledError) as raised:
        costs.fetch(NOVEMBER)

    assert raised.value.retry_after_seconds == 2.0
    assert sleeps == [2.0, 2.0]
    assert len(azure.double.cost_queries()) == 1 + 3  # page 1, then page 2 three times


def test_a_retry_after_longer_than_the_allowed_wait_gives_up_at_once(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(
        AzureDouble(costs=november_lines(1), throttle_first_n=1, retry_after_value="3600")
    )
    sleeps: list[float] = []

    with pytest.raises(ThrottledError) as raised:
        source(azure, credential_for(azure), sleeps, max_wait_seconds=60).fetch(NOVEMBER)

    assert raised.value.retry_after_seconds == 3600.0
    assert sleeps == []


def test_a_service_unavailable_answer_is_retried_like_throttling(
    serve_azure: Serve, credential_for: Credential
) -> None:
    costs = november_lines(2)
    azure = serve_azure(
        AzureDouble(
            costs=costs, throttle_first_n=1, throttle_status=503, retry_after_header="Retry-After"
        )
    )
    sleeps: list[float] = []

    lines = source(azure, credential_for(azure), sleeps).fetch(NOVEMBER)

    assert billed(lines) == billed(costs)
    assert sleeps == [1.0]


def test_a_failure_on_the_second_page_raises_source_error_and_returns_nothing(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(costs=november_lines(5), page_size=2, fail_after_pages=1))

    with pytest.raises(SourceError, match="InternalServerError"):
        source(azure, credential_for(azure), []).fetch(NOVEMBER)

    assert len(azure.double.cost_queries()) == 2


def test_no_content_means_no_cost_lines(serve_azure: Serve, credential_for: Credential) -> None:
    azure = serve_azure(AzureDouble(costs=[], no_content_when_empty=True))

    assert source(azure, credential_for(azure), []).fetch(NOVEMBER) == []
    assert len(azure.double.cost_queries()) == 1


def test_each_request_carries_a_token_from_the_fake_entra_and_no_other_host_is_called(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(costs=november_lines(3), page_size=1))

    source(azure, credential_for(azure), []).fetch(NOVEMBER)

    (token_request,) = azure.double.token_requests()
    assert b"scope=https%3A%2F%2Fmanagement.azure.com%2F.default" in token_request.body
    assert all(
        q.headers["authorization"].startswith("Bearer double-") for q in azure.double.cost_queries()
    )
