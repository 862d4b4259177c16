"""The sample tenant written in Azure's file formats: an EA cost export (dataVersion 2024-08-01),
Azure Monitor Metrics-List responses (daily), `metrics:getBatch` responses of `TokenTransaction`
per minute (the peaks call's answer) and ARM account and deployment listings."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from shared.adapters.formats.deployments_json import arm_timestamp
from shared.adapters.formats.metrics_json import DEPLOYMENT_DIMENSION, PEAK_INTERVAL, PEAK_METRIC
from shared.core.arm_ids import deployment_id
from shared.core.costs import ChargeType, PricingModel
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord
from shared.demo.sample_tenant_bill import BillRow, quantity_text
from shared.demo.sample_tenant_catalogue import (
    CURRENCY,
    RESERVATION_ID,
    RESERVATION_NAME,
    SampleAccount,
    SampleDeployment,
)
from shared.demo.sample_tenant_usage import MINUTES_PER_DAY, minute_tokens

# EA cost details, dataVersion 2024-08-01, in Azure's column order.
EA_2024_08_01_COLUMNS: tuple[str, ...] = (
    "InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionId", "SubscriptionName",
    "ResourceGroup", "ResourceLocation", "Date", "ProductName", "MeterCategory",
    "MeterSubCategory", "MeterId", "MeterName", "MeterRegion", "UnitOfMeasure", "Quantity",
    "EffectivePrice", "CostInBillingCurrency", "CostCenter", "ConsumedService", "ResourceId",
    "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2", "ResourceName",
    "ReservationId", "ReservationName", "UnitPrice", "ProductOrderId", "ProductOrderName", "Term",
    "PublisherType", "PublisherName", "ChargeType", "Frequency", "PricingModel",
    "AvailabilityZone", "BillingAccountId", "BillingAccountName", "BillingCurrencyCode",
    "BillingPeriodStartDate", "BillingPeriodEndDate", "BillingProfileId", "BillingProfileName",
    "InvoiceSectionId", "IsAzureCreditEligible", "PartNumber", "PayGPrice", "PlanName",
    "ServiceFamily", "CostAllocationRuleName", "benefitId", "benefitName", "AccountId",
    "ResourceLocationNormalized",
)  # fmt: skip
_ENROLLMENT = {
    "InvoiceSectionName": "AI Platform",
    "AccountName": "AI Platform Team",
    "AccountOwnerId": "ai-platform@contoso.com",
    "CostCenter": "CC-4711",
    "ConsumedService": "Microsoft.CognitiveServices",
    "OfferId": "MS-AZR-0017P",
    "PublisherType": "Azure",
    "PublisherName": "Microsoft",
    "ChargeType": "Usage",
    "Frequency": "UsageBased",
    "PricingModel": "OnDemand",
    "BillingAccountId": "87654321",
    "BillingAccountName": "Contoso Ltd",
    "BillingCurrencyCode": CURRENCY,
    "BillingProfileId": "87654321",
    "BillingProfileName": "Contoso Ltd",
    "InvoiceSectionId": "318520",
    "IsAzureCreditEligible": "True",
    "ServiceFamily": "AI + Machine Learning",
    "AccountId": "291856",
}
_METRICS = (
    ("ProcessedPromptTokens", "Processed Prompt Tokens", "input_tokens",
     "Number of prompt tokens processed (input) on an OpenAI model."),
    ("GeneratedTokens", "Generated Completion Tokens", "output_tokens",
     "Number of tokens generated (output) from an OpenAI model."),
    ("AzureOpenAIRequests", "Azure OpenAI Requests", "requests",
     "Number of calls made to the Azure OpenAI API over a period of time."),
)  # fmt: skip
NAMESPACE = "Microsoft.CognitiveServices/accounts"


def write_cost_export(path: Path, period: BillingPeriod, rows: Iterable[BillRow]) -> None:
    """The rows as an EA cost details CSV (ActualCost or AmortizedCost, same columns): UTF-8 with
    BOM, LF line ends, MM/DD/YYYY dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EA_2024_08_01_COLUMNS)
        for row in rows:
            cells = _ea_row(period, row)
            writer.writerow([cells.get(column, "") for column in EA_2024_08_01_COLUMNS])


def metrics_response(
    account: SampleAccount,
    deployments: Sequence[SampleDeployment],
    period: BillingPeriod,
    usage: Iterable[UsageRecord],
) -> dict[str, Any]:
    """A Metrics - List response of one account: daily totals split by deployment.

    A deployment's `metrics_gap_day` has data points with a timestamp and no `total` (no data).
    """
    observed = {(u.deployment, u.date): u for u in usage if u.account_id == account.id}
    days = list(period.window.days())
    metrics = [_utilization_metric(account, deployments, days, observed)]
    for name, display, field, description in _METRICS:
        series = []
        for dep in deployments:
            data: list[dict[str, Any]] = []
            for day in days:
                point: dict[str, Any] = {"timeStamp": f"{day.isoformat()}T00:00:00Z"}
                record = observed.get((dep.name, day))
                if day.day != dep.metrics_gap_day:
                    point["total"] = float(getattr(record, field) if record else 0)
                data.append(point)
            meta = {
                "name": {"value": "modeldeploymentname", "localizedValue": "modeldeploymentname"}
            }
            series.append({"metadatavalues": [{**meta, "value": dep.name}], "data": data})
        metrics.append(
            {
                "id": f"{account.id}/providers/Microsoft.Insights/metrics/{name}",
                "type": "Microsoft.Insights/metrics",
                "name": {"value": name, "localizedValue": display},
                "displayDescription": description,
                "unit": "Count",
                "timeseries": series,
                "errorCode": "Success",
            }
        )
    return {
        "cost": len(days) * len(deployments) * len(_METRICS)
        + len(days) * sum(d.is_provisioned for d in deployments),
        "timespan": f"{period.start.isoformat()}T00:00:00Z/{period.end.isoformat()}T00:00:00Z",
        "interval": "P1D",
        "value": metrics,
        "namespace": NAMESPACE,
        "resourceregion": account.location,
    }


def peak_metrics_response(
    account: SampleAccount,
    deployments: Sequence[SampleDeployment],
    period: BillingPeriod,
    usage: Iterable[UsageRecord],
) -> dict[str, Any]:
    """A `metrics:getBatch` response of one account: `TokenTransaction` totals per minute (PT1M)
    over the period, split by deployment, as the peaks call (`monitor_metrics.peak_params`) gets it.

    A day's minutes are its record's `minute_tokens` (they add up to the day's input + output
    tokens; their maximum is its `peak_tpm`). Azure answers every minute of the window; a minute
    without tokens (a metrics gap day, before a deployment was created) has only its `timeStamp`.
    """
    observed = {(u.deployment, u.date): u for u in usage if u.account_id == account.id}
    days = list(period.window.days())
    stamps = _minute_stamps(period.start, len(days))
    meta = {"name": {"value": DEPLOYMENT_DIMENSION, "localizedValue": DEPLOYMENT_DIMENSION}}
    series = []
    for dep in deployments:
        data: list[dict[str, Any]] = []
        for at, day in enumerate(days):
            record = observed.get((dep.name, day))
            minutes = minute_tokens(record, account.location) if record else ()
            day_stamps = stamps[at * MINUTES_PER_DAY : (at + 1) * MINUTES_PER_DAY]
            if not any(minutes):
                data.extend({"timeStamp": stamp} for stamp in day_stamps)
                continue
            data.extend(
                {"timeStamp": stamp, "total": float(tokens)} if tokens else {"timeStamp": stamp}
                for stamp, tokens in zip(day_stamps, minutes, strict=True)
            )
        series.append({"metadatavalues": [{**meta, "value": dep.name}], "data": data})
    resource = account.id.lower()
    metric = {
        "id": f"{resource}/providers/Microsoft.Insights/metrics/{PEAK_METRIC}",
        "type": "Microsoft.Insights/metrics",
        "name": {"value": PEAK_METRIC, "localizedValue": "Processed Inference Tokens"},
        "displayDescription": "Number of inference tokens processed on an OpenAI model. "
        "Calculated as prompt tokens (input) plus generated tokens (output).",
        "unit": "Count",
        "timeseries": series,
        "errorCode": "Success",
    }
    return {
        "values": [
            {
                "starttime": f"{period.start.isoformat()}T00:00:00Z",
                "endtime": f"{period.end.isoformat()}T00:00:00Z",
                "interval": PEAK_INTERVAL,
                "value": [metric],
                "namespace": NAMESPACE.lower(),
                "resourceregion": account.location,
                "resourceid": resource,
            }
        ]
    }


@lru_cache(maxsize=4)
def _minute_stamps(start: date, days: int) -> tuple[str, ...]:
    midnight = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return tuple(
        (midnight + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for minute in range(days * MINUTES_PER_DAY)
    )


def _utilization_metric(
    account: SampleAccount,
    deployments: Sequence[SampleDeployment],
    days: list[date],
    observed: dict[tuple[str, date], UsageRecord],
) -> dict[str, Any]:
    """`AzureOpenAIProvisionedManagedUtilizationV2` (Percent, `average`) of the PTU deployments."""
    meta = {"name": {"value": "modeldeploymentname", "localizedValue": "modeldeploymentname"}}
    series = []
    for dep in deployments:
        if not dep.is_provisioned:
            continue
        data: list[dict[str, Any]] = []
        for day in days:
            point: dict[str, Any] = {"timeStamp": f"{day.isoformat()}T00:00:00Z"}
            record = observed.get((dep.name, day))
            if record is not None and record.ptu_utilization is not None:
                point["average"] = float(record.ptu_utilization)
            data.append(point)
        series.append({"metadatavalues": [{**meta, "value": dep.name}], "data": data})
    name = "AzureOpenAIProvisionedManagedUtilizationV2"
    return {
        "id": f"{account.id}/providers/Microsoft.Insights/metrics/{name}",
        "type": "Microsoft.Insights/metrics",
        "name": {"value": name, "localizedValue": "Provisioned-managed Utilization V2"},
        "displayDescription": "Utilization % for a provisoned-managed deployment.",
        "unit": "Percent",
        "timeseries": series,
        "errorCode": "Success",
    }


def deployments_response(
    account: SampleAccount, deployments: Sequence[SampleDeployment], period: BillingPeriod
) -> dict[str, Any]:
    """An ARM `deployments` list response (api-version 2024-10-01 shape), with `systemData`."""
    return {
        "value": [
            {
                "id": deployment_id(account.id, dep.name),
                "name": dep.name,
                "type": "Microsoft.CognitiveServices/accounts/deployments",
                "sku": {"name": dep.sku, "capacity": dep.capacity},
                "properties": {
                    "model": {"format": "OpenAI", "name": dep.model, "version": dep.version},
                    "versionUpgradeOption": "OnceNewDefaultVersionAvailable",
                    "raiPolicyName": "Microsoft.DefaultV2",
                    "provisioningState": "Succeeded",
                },
                "systemData": {
                    "createdBy": "ai-platform@contoso.com",
                    "createdByType": "User",
                    "createdAt": arm_timestamp(dep.created_at(period)),
                },
            }
            for dep in deployments
        ]
    }


def accounts_response(accounts: Sequence[SampleAccount]) -> dict[str, Any]:
    """An ARM list of Cognitive Services accounts."""
    value = []
    for account in accounts:
        host = "openai.azure.com" if account.kind == "OpenAI" else "cognitiveservices.azure.com"
        value.append(
            {
                "id": account.id,
                "name": account.name,
                "type": NAMESPACE,
                "kind": account.kind,
                "location": account.location,
                "sku": {"name": "S0"},
                "tags": {"cost-center": "CC-4711"},
                "properties": {
                    "endpoint": f"https://{account.name}.{host}/",
                    "customSubDomainName": account.name,
                    "provisioningState": "Succeeded",
                    "publicNetworkAccess": "Enabled",
                },
            }
        )
    return {"value": value}


def write_json(path: Path, body: dict[str, Any], *, compact: bool = False) -> None:
    """`body` as UTF-8 JSON: indented, or `compact` (no spaces, as Azure sends a large answer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(body, separators=(",", ":")) if compact else json.dumps(body, indent=2)
    path.write_text(text + "\n", encoding="utf-8", newline="\n")


def _ea_row(period: BillingPeriod, row: BillRow) -> dict[str, str]:
    account, meter = row.account, row.meter
    lowered = row.resource_id != account.id
    price = quantity_text(row.effective_price)
    reservation = row.pricing_model is PricingModel.RESERVATION
    return {
        **_ENROLLMENT,
        "SubscriptionId": account.subscription.subscription_id,
        "SubscriptionName": account.subscription.name,
        "ResourceGroup": ""
        if not row.resource_id
        else (account.resource_group.lower() if lowered else account.resource_group),
        "ResourceLocation": account.location if row.resource_id else "",
        "ChargeType": row.charge_type.value,
        "PricingModel": row.pricing_model.value,
        "Frequency": "OneTime" if row.charge_type is ChargeType.PURCHASE else "UsageBased",
        "ReservationId": RESERVATION_ID if reservation else "",
        "ReservationName": RESERVATION_NAME if reservation else "",
        "Term": "P1M" if reservation else "",
        "Date": _us_date(row.date),
        "ProductName": f"{meter.product} - {meter.sku_name} - {meter.location}",
        "MeterCategory": row.meter_category,
        "MeterSubCategory": meter.product,
        "MeterId": meter.meter_id,
        "MeterName": meter.meter_name,
        "MeterRegion": meter.location,
        "UnitOfMeasure": meter.unit,
        "Quantity": quantity_text(row.quantity),
        "EffectivePrice": price,
        "CostInBillingCurrency": f"{row.cost:f}",
        "ResourceId": row.resource_id,
        "Tags": json.dumps({"cost-center": "CC-4711"}, separators=(",", ":")),
        "ResourceName": account.name if row.resource_id else "",
        "UnitPrice": quantity_text(meter.effective_price),
        "BillingPeriodStartDate": _us_date(period.start),
        "BillingPeriodEndDate": _us_date(period.end - timedelta(days=1)),
        "PayGPrice": quantity_text(meter.list_price),
        "ResourceLocationNormalized": account.location if row.resource_id else "",
    }


def _us_date(day: date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"
