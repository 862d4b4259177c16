"""The FOCUS 1.3 row of each allocated charge: the value of every exported column.

Values are typed (`Cell`: text, Decimal, a UTC datetime, a JSON object, or None for null); the
CSV writer (shared/adapters/formats/focus_csv.py) only formats them. Where each value comes from,
and what is derived rather than collected, is docs/focus-export.md; in short:

- the origin charge's dimensions are carried to each of its allocated charges unchanged;
- BillingAccountId: the billing scope of COST_SCOPES when it names one, else the charge's
  subscription, else (a charge with no resource) the period's one subscription, else `unknown`;
- ListCost and ContractedCost: list and negotiated unit prices are not collected, so both are the
  cost at the prices Azure charged: the effective cost of usage (commitments amortized), the
  billed cost of anything else (purchases, refunds, taxes, adjustments);
- the provider columns are Microsoft's; the service columns those the FinOps toolkit's open data
  maps `microsoft.cognitiveservices/accounts` to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from shared.core.costs import ChargeType, PricingModel
from shared.core.focus_columns import CUSTOM, EXPORTED
from shared.core.focus_export import METHOD_ID, UNIT_WORDS, AllocatedCharge, FocusExport
from shared.core.inventory import Deployment
from shared.core.period import midnight_utc
from shared.core.units import normalise_unit

Json = Mapping[str, object]
Cell = str | Decimal | datetime | Json | None

PROVIDER = "Microsoft"
SERVICE_NAME = "Azure AI Services"
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "AI Platforms"
RESOURCE_TYPE = "Azure AI Foundry"  # the display name of microsoft.cognitiveservices/accounts
ARM_RESOURCE_TYPE = "Microsoft.CognitiveServices/accounts"
SUBSCRIPTION = "Subscription"
UNKNOWN_BILLING_ACCOUNT = "unknown"
# Generator-defined tag keys (AllocatedTags) carry this prefix: the project's name.
TAG_PREFIX = "aoai-finops/"
COLUMN_ORDER: tuple[str, ...] = (*EXPORTED, *(c.name for c in CUSTOM))

CHARGE_CATEGORIES: Mapping[ChargeType, str] = {
    ChargeType.USAGE: "Usage",
    ChargeType.UNUSED_RESERVATION: "Usage",
    ChargeType.UNUSED_SAVINGS_PLAN: "Usage",
    ChargeType.PURCHASE: "Purchase",
    ChargeType.REFUND: "Purchase",  # with ChargeClass "Correction"
    ChargeType.TAX: "Tax",
    ChargeType.ROUNDING_ADJUSTMENT: "Adjustment",
    ChargeType.OTHER: "Adjustment",  # x_ChargeType keeps Azure's "Other"
}
PRICING_CATEGORIES: Mapping[PricingModel, str] = {
    PricingModel.ON_DEMAND: "Standard",
    PricingModel.RESERVATION: "Committed",
    PricingModel.SAVINGS_PLAN: "Committed",
    PricingModel.SPOT: "Dynamic",
    PricingModel.OTHER: "Other",
}
_BILLING_SCOPE = re.compile(r"^/providers/microsoft\.billing/billingaccounts/[^/]+", re.I)
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.I)


def billing_scope(cost_scopes: Sequence[str]) -> str | None:
    """The one billing scope (`/providers/Microsoft.Billing/billingAccounts/...`, a billing
    profile or enrollment scope under it) among the cost scopes; None when there is none or
    several."""
    found = {s.strip().rstrip("/") for s in cost_scopes if _BILLING_SCOPE.match(s.strip())}
    return next(iter(found)) if len(found) == 1 else None


def subscription_of(account_id: str) -> str | None:
    """The subscription's ARM id (`/subscriptions/{id}`) of a resource id; None without one."""
    found = _SUBSCRIPTION.match(account_id.strip())
    return f"/subscriptions/{found.group(1)}" if found else None


def focus_rows(export: FocusExport, billing: str | None = None) -> list[dict[str, Cell]]:
    """Every allocated charge as its row, keyed by column in COLUMN_ORDER. `billing` is the
    billing scope (`billing_scope`) when the costs were read at one."""
    subscriptions = {subscription_of(c.origin.account_id) for c in export.charges} - {None}
    only = next(iter(subscriptions)) if len(subscriptions) == 1 else None
    start = midnight_utc(export.period.start)
    end = midnight_utc(export.period.end)
    return [_row(c, billing or subscription_of(c.origin.account_id) or only, start, end)
            for c in export.charges]  # fmt: skip


def _row(
    charge: AllocatedCharge, billing_account: str | None, start: datetime, end: datetime
) -> dict[str, Cell]:
    o = charge.origin
    category = CHARGE_CATEGORIES[o.charge_type]
    is_usage = category == "Usage"
    sku = o.meter_id or None
    subscription = subscription_of(o.account_id)
    day = midnight_utc(o.date)
    deployment = charge.deployment
    row: dict[str, Cell] = {
        "AllocatedMethodDetails": _details(charge),
        "AllocatedMethodId": METHOD_ID,
        "AllocatedResourceId": charge.deployment_id or None,
        "AllocatedResourceName": _deployment_name(charge) if charge.deployment_id else None,
        "AllocatedTags": _tags(charge),
        "BilledCost": charge.billed_cost,
        "BillingAccountId": billing_account or UNKNOWN_BILLING_ACCOUNT,
        "BillingAccountName": None,
        "BillingCurrency": o.currency,
        "BillingPeriodEnd": end,
        "BillingPeriodStart": start,
        "ChargeCategory": category,
        "ChargeClass": "Correction" if o.charge_type is ChargeType.REFUND else None,
        "ChargeDescription": o.meter_name or None,
        "ChargePeriodEnd": day + timedelta(days=1),
        "ChargePeriodStart": day,
        "ConsumedQuantity": charge.consumed_quantity,
        "ConsumedUnit": charge.consumed_unit,
        "ContractedCost": charge.effective_cost if is_usage else charge.billed_cost,
        "EffectiveCost": charge.effective_cost,
        "HostProviderName": PROVIDER,
        "InvoiceIssuerName": PROVIDER,
        "ListCost": charge.effective_cost if is_usage else charge.billed_cost,
        "PricingCategory": _pricing_category(charge, category) if sku else None,
        "PricingQuantity": charge.pricing_quantity,
        "PricingUnit": _pricing_unit(o.unit_of_measure, o.meter_name),
        "ProviderName": PROVIDER,
        "PublisherName": PROVIDER,
        "ResourceId": o.account_id or None,
        "ResourceName": o.account_id.rstrip("/").rsplit("/", 1)[-1] if o.account_id else None,
        "ResourceType": RESOURCE_TYPE if o.account_id else None,
        "ServiceCategory": SERVICE_CATEGORY,
        "ServiceName": SERVICE_NAME,
        "ServiceProviderName": PROVIDER,
        "ServiceSubcategory": SERVICE_SUBCATEGORY,
        "SkuId": sku,
        "SkuMeter": (o.meter_name or None) if sku else None,
        "SkuPriceId": sku,
        "SubAccountId": subscription,
        "SubAccountName": subscription.rsplit("/", 1)[-1] if subscription else None,
        "SubAccountType": SUBSCRIPTION if subscription else None,
        **_custom(charge, deployment),
    }
    return {name: row[name] for name in COLUMN_ORDER}


def _custom(charge: AllocatedCharge, deployment: Deployment | None) -> dict[str, Cell]:
    o = charge.origin
    sku_type = deployment.sku_type if deployment else None
    return {
        "x_SkuMeterId": o.meter_id or None,
        "x_SkuMeterCategory": o.meter_category or None,
        "x_SkuMeterSubcategory": o.meter_subcategory or None,
        "x_PricingUnitDescription": o.unit_of_measure or None,
        "x_PricingBlockSize": _block(o.unit_of_measure, o.meter_name),
        "x_ChargeType": o.charge_type.value,
        "x_PricingModel": o.pricing_model.value,
        "x_ResourceType": ARM_RESOURCE_TYPE if o.account_id else None,
        "x_TokenKind": charge.kind.value if charge.kind else None,
        "x_Model": deployment.model if deployment else None,
        "x_ModelVersion": (deployment.model_version or None) if deployment else None,
        "x_DeploymentName": _deployment_name(charge) if charge.deployment_id else None,
        "x_DeploymentSku": deployment.sku if deployment else None,
        "x_DeploymentType": sku_type[0].value if sku_type else None,
        "x_DeploymentCapacity": Decimal(deployment.capacity) if deployment else None,
        "x_UseCase": charge.use_case.name if charge.use_case else None,
        "x_UseCaseCallers": _callers(charge),
        "x_UnallocatedReason": charge.reason.value if charge.reason else None,
    }


def _details(charge: AllocatedCharge) -> Json:
    """AllocatedMethodDetails: the ratio, and the driver quantity it was derived from."""
    if charge.driver is None or charge.usage_quantity is None:
        element: dict[str, object] = {"AllocatedRatio": charge.ratio}
        if charge.reason is not None:
            element["x_UnallocatedReason"] = charge.reason.value
        return {"Elements": [element]}
    return {
        "Elements": [
            {
                "AllocatedRatio": charge.ratio,
                "UsageUnit": charge.driver.usage_unit,
                "UsageQuantity": charge.usage_quantity,
                "x_Driver": charge.driver.name,
            }
        ],
        "x_TotalUsageQuantity": charge.total_usage_quantity,
    }


def _tags(charge: AllocatedCharge) -> Json | None:
    """Generator-defined tags of the deployment: the use case taking it whole, its owner and cost
    center (we collect no Azure tags of deployments); None when no use case takes it whole."""
    use_case = charge.use_case
    if use_case is None:
        return None
    tags = {"useCase": use_case.name, "owner": use_case.owner, "costCenter": use_case.cost_center}
    return {f"{TAG_PREFIX}{key}": value for key, value in tags.items() if value}


def _callers(charge: AllocatedCharge) -> Json | None:
    if not charge.use_case_callers:
        return None
    return {
        name: {kind: list(callers) for kind, callers in kinds.items()}
        for name, kinds in sorted(charge.use_case_callers.items())
    }


def _pricing_category(charge: AllocatedCharge, category: str) -> str | None:
    """Standard, Committed, Dynamic or Other for usage and purchases (a commitment's purchase is
    Standard: bought at the agreed rate); None for taxes and adjustments."""
    o = charge.origin
    if category == "Purchase":
        committed = o.pricing_model in (PricingModel.RESERVATION, PricingModel.SAVINGS_PLAN)
        return "Standard" if committed else PRICING_CATEGORIES[o.pricing_model]
    if category == "Usage":
        return PRICING_CATEGORIES[o.pricing_model]
    return None


def _pricing_unit(unit_of_measure: str, meter_name: str) -> str | None:
    """The unit of PricingQuantity in FOCUS UnitFormat: `1000 Tokens` for `1K`, `Hours` for
    `1/Hour`; the text as billed when it cannot be read; None when there is none."""
    try:
        unit = normalise_unit(unit_of_measure, meter_name)
    except ValueError:
        return unit_of_measure.strip() or None
    word = UNIT_WORDS[unit.base.value]
    return word if unit.block == 1 else f"{unit.block.normalize():f} {word}"


def _block(unit_of_measure: str, meter_name: str) -> Decimal | None:
    try:
        return normalise_unit(unit_of_measure, meter_name).block
    except ValueError:
        return None


def _deployment_name(charge: AllocatedCharge) -> str:
    if charge.deployment is not None:
        return charge.deployment.name
    return charge.deployment_id.rstrip("/").rsplit("/", 1)[-1]
