"""parse_metrics_response: Metrics - List and getBatch JSON read into daily deployment usage."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.formats.metrics_json import parse_metrics_response
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput

PAYLOADS = Path("/work/shared/payloads/azure-api")
ACCOUNT = (
    "/subscriptions/6f1c2a3b-0000-4000-8000-00000000c001/resourceGroups/rg"
    "/providers/Microsoft.CognitiveServices/accounts/aoai-prod"
)


def zenn_excerpt() -> dict[str, Any]:
    """The real AOAI response; the author cut it short, leaving a trailing comma to repair."""
    text = PAYLOADS / "aoai-metrics-list-TokenTransaction-by-ModelDeploymentName.zenn-excerpt.jsonc"
    return json.loads(re.sub(r",(\s*[\]}])", r"\1", text.read_text()))


def metric(name: str, series: list[dict[str, Any]], resource: str = ACCOUNT) -> dict[str, Any]:
    return {
        "id": f"{resource}/providers/Microsoft.Insights/metrics/{name}",
        "type": "Microsoft.Insights/metrics",
        "name": {"value": name, "localizedValue": name},
        "unit": "Count",
        "timeseries": series,
        "errorCode": "Success",
    }


def series(
    deployment: str | None, *points: tuple[str, object], dimension: str = "modeldeploymentname"
) -> dict[str, Any]:
    meta = [] if deployment is None else [{"name": {"value": dimension}, "value": deployment}]
    data = [
        {"timeStamp": stamp} if total is None else {"timeStamp": stamp, "total": total}
        for stamp, total in points
    ]
    return {"metadatavalues": meta, "data": data}


def test_the_real_response_is_read_but_token_transaction_is_not_counted() -> None:
    """TokenTransaction is input plus output: counting it next to the family would double-count."""
    assert parse_metrics_response(zenn_excerpt(), ACCOUNT) == []


def test_the_real_response_shape_gives_daily_usage_per_deployment() -> None:
    payload = zenn_excerpt()
    payload["value"][0]["name"]["value"] = "ProcessedPromptTokens"

    records = parse_metrics_response(payload, ACCOUNT)

    # Buckets start at 12:09Z (the query's start): each counts on the UTC day it starts.
    assert records == [
        UsageRecord(date(2024, 10, 14), ACCOUNT, "gpt-4o-momo", input_tokens=78),
        UsageRecord(date(2024, 10, 16), ACCOUNT, "gpt-4o-momo", input_tokens=1183),
    ]


def test_without_an_account_id_the_account_comes_from_the_metric_id() -> None:
    payload = {"value": [metric("GeneratedTokens", [series("chat", ("2026-11-03T00:00:00Z", 5))])]}

    (record,) = parse_metrics_response(payload)

    assert record.account_id == ACCOUNT
    assert record.output_tokens == 5


def test_a_get_batch_response_is_read_per_resource() -> None:
    other = ACCOUNT.replace("aoai-prod", "aoai-dev").lower()
    payload = {
        "values": [
            {
                "resourceid": ACCOUNT.lower(),
                "value": [
                    metric(
                        "ProcessedPromptTokens", [series("chat", ("2026-11-03T00:00:00Z", 100))]
                    ),
                    metric("GeneratedTokens", [series("chat", ("2026-11-03T00:00:00Z", 40))]),
                    metric("AzureOpenAIRequests", [series("chat", ("2026-11-03T00:00:00Z", 3))]),
                ],
            },
            {
                "resourceid": other,
                "value": [
                    metric("GeneratedTokens", [series("rag", ("2026-11-04T00:00:00Z", 7))], other)
                ],
            },
        ]
    }

    assert parse_metrics_response(payload) == [  # ordered by account, deployment, day
        UsageRecord(date(2026, 11, 4), other, "rag", 0, 7, 0),
        UsageRecord(date(2026, 11, 3), ACCOUNT.lower(), "chat", 100, 40, 3),
    ]


def test_the_spec_get_batch_example_is_accepted_and_has_no_openai_usage() -> None:
    body = json.loads(
        (
            PAYLOADS / "monitor-metrics-getBatch-MetricBatchExample2.2024-02-01.example.json"
        ).read_text()
    )

    assert parse_metrics_response(body["responses"]["200"]["body"]) == []


def test_hourly_points_are_summed_into_utc_days_and_offsets_are_honoured() -> None:
    payload = {
        "value": [
            metric(
                "ProcessedPromptTokens",
                [
                    series(
                        "chat",
                        ("2026-11-03T00:00:00Z", 10),
                        ("2026-11-03T23:00:00Z", 20),
                        ("2026-11-04T01:00:00+02:00", 40),  # 2026-11-03T23:00Z
                        ("2026-11-04T00:00:00Z", 1),
                    )
                ],
            )
        ]
    }

    records = parse_metrics_response(payload)

    assert [(r.date, r.input_tokens) for r in records] == [
        (date(2026, 11, 3), 70),
        (date(2026, 11, 4), 1),
    ]


def test_a_point_without_total_counts_zero_and_all_zero_days_are_left_out() -> None:
    payload = {
        "value": [
            metric(
                "GeneratedTokens",
                [
                    series(
                        "chat",
                        ("2026-11-03T00:00:00Z", None),
                        ("2026-11-04T00:00:00Z", 0),
                        ("2026-11-05T00:00:00Z", 9.0),
                    )
                ],
            )
        ]
    }

    assert [(r.date, r.output_tokens) for r in parse_metrics_response(payload)] == [
        (date(2026, 11, 5), 9)
    ]


def test_dimension_names_match_whatever_their_case_and_series_of_one_deployment_add_up() -> None:
    payload = {
        "value": [
            metric(
                "AzureOpenAIRequests",
                [
                    series("chat", ("2026-11-03T00:00:00Z", 2), dimension="ModelDeploymentName"),
                    series("chat", ("2026-11-03T00:00:00Z", 3)),  # e.g. another status code
                ],
            )
        ]
    }

    (record,) = parse_metrics_response(payload)

    assert record.requests == 5


def test_a_series_not_split_by_deployment_is_not_attributed() -> None:
    payload = {
        "value": [metric("ProcessedPromptTokens", [series(None, ("2026-11-03T00:00:00Z", 99))])]
    }

    assert parse_metrics_response(payload) == []


def test_a_failed_metric_is_refused_rather_than_read_as_no_usage() -> None:
    failed = metric("ProcessedPromptTokens", [])
    failed.update(errorCode="Throttled", errorMessage="try later")

    with pytest.raises(InvalidInput, match="Throttled"):
        parse_metrics_response({"value": [failed]})


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"nothing": []}, "metrics"),
        ({"value": {}}, "value"),
        ({"value": [metric("GeneratedTokens", [series("d", ("yesterday", 1))])]}, "timeStamp"),
        (
            {"value": [metric("GeneratedTokens", [series("d", ("2026-11-03T00:00:00Z", -1))])]},
            "total",
        ),
        (
            {
                "value": [
                    {
                        **metric("GeneratedTokens", [series("d", ("2026-11-03T00:00:00Z", 1))]),
                        "id": "",
                    }
                ]
            },
            "id",
        ),
    ],
)
def test_malformed_payloads_are_refused_naming_the_field(
    payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput, match=field):
        parse_metrics_response(payload)
