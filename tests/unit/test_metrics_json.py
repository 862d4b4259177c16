"""parse_metrics_response: Metrics - List and getBatch JSON read into daily deployment usage;
parse_peak_tpm: TokenTransaction per minute read into each day's peak tokens per minute."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.formats.metrics_json import DailyPeak, parse_metrics_response, parse_peak_tpm
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


# --- parse_peak_tpm ---------------------------------------------------------------------------


def minutes_response(*metrics: dict[str, Any], interval: str = "PT1M") -> dict[str, Any]:
    return {"interval": interval, "value": list(metrics)}


def test_the_real_daily_response_is_refused_as_peaks_it_is_not_per_minute() -> None:
    """The excerpt is TokenTransaction at P1D: its maximum would be a day, not a minute."""
    with pytest.raises(InvalidInput, match="interval: expected PT1M buckets, not 'P1D'"):
        parse_peak_tpm(zenn_excerpt(), ACCOUNT)


def test_the_real_response_shape_per_minute_gives_each_days_highest_minute() -> None:
    payload = zenn_excerpt()
    payload["interval"] = "PT1M"
    data = payload["value"][0]["timeseries"][0]["data"]
    data.append({"timeStamp": "2024-10-16T12:10:00Z", "total": 1500})  # a busier minute
    data.append({"timeStamp": "2024-10-14T12:10:00Z"})  # no data

    peaks = {p.date: p.peak_tpm for p in parse_peak_tpm(payload, ACCOUNT)}

    assert peaks[date(2024, 10, 14)] == 78
    assert peaks[date(2024, 10, 16)] == 1500
    assert peaks[date(2024, 10, 15)] == 0  # a minute that reported 0 is data: the peak is 0
    assert {p.deployment for p in parse_peak_tpm(payload, ACCOUNT)} == {"gpt-4o-momo"}


def test_minutes_are_read_into_their_utc_day_and_other_metrics_are_ignored() -> None:
    payload = minutes_response(
        metric(
            "TokenTransaction",
            [
                series(
                    "chat",
                    ("2026-11-03T23:59:00Z", 90),
                    ("2026-11-04T00:30:00+01:00", 95),  # 2026-11-03T23:30Z
                    ("2026-11-04T00:00:00Z", 7),
                    ("2026-11-04T00:01:00Z", None),
                    ("2026-11-05T12:00:00Z", None),  # a day without data has no peak
                )
            ],
        ),
        metric("ProcessedPromptTokens", [series("chat", ("2026-11-04T00:02:00Z", 1_000))]),
    )

    assert parse_peak_tpm(payload, ACCOUNT) == [
        DailyPeak(date(2026, 11, 3), ACCOUNT, "chat", 95),
        DailyPeak(date(2026, 11, 4), ACCOUNT, "chat", 7),
    ]


def test_series_of_one_deployment_in_any_casing_are_added_minute_by_minute() -> None:
    payload = minutes_response(
        metric(
            "tokentransaction",
            [
                series("Chat", ("2026-11-03T10:00:00Z", 60), ("2026-11-03T10:01:00Z", 10)),
                series(
                    "chat",
                    ("2026-11-03T10:00:00.000Z", 10),
                    ("2026-11-03T10:01:00Z", 55),
                    dimension="ModelDeploymentName",
                ),
                series(None, ("2026-11-03T10:00:00Z", 10_000)),  # not split: not attributed
            ],
        )
    )

    (peak,) = parse_peak_tpm(payload, ACCOUNT)

    assert (peak.deployment, peak.peak_tpm) == ("Chat", 70)  # not 60 + 55, not 60


def test_a_get_batch_answer_gives_peaks_per_resource() -> None:
    other = ACCOUNT.replace("aoai-prod", "aoai-dev").lower()
    payload = {
        "values": [
            {
                "interval": "PT1M",
                "resourceid": resource,
                "value": [
                    metric("TokenTransaction", [series("d", ("2026-11-03T08:00:00Z", n))], resource)
                ],
            }
            for resource, n in ((other, 4.0), (ACCOUNT.lower(), 12))
        ]
    }

    assert parse_peak_tpm(payload) == [
        DailyPeak(date(2026, 11, 3), other, "d", 4),
        DailyPeak(date(2026, 11, 3), ACCOUNT.lower(), "d", 12),
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"nothing": []}, "metrics"),
        (minutes_response(interval="PT5M"), "interval"),
        (minutes_response(metric("TokenTransaction", [series("d", ("noon", 1))])), "timeStamp"),
        (
            minutes_response(
                metric("TokenTransaction", [series("d", ("2026-11-03T00:00:00Z", -1.0))])
            ),
            "total",
        ),
        (
            minutes_response(
                {**metric("TokenTransaction", []), "errorCode": "Throttled", "errorMessage": "x"}
            ),
            "errorCode",
        ),
    ],
)
def test_malformed_minute_payloads_are_refused_naming_the_field(
    payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput, match=field):
        parse_peak_tpm(payload)
