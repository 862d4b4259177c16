"""The FOCUS 1.3 Cost and Usage columns, and the ones the allocated export writes.

`COST_AND_USAGE` is the 1.3 column table (65 columns: column type, data type, feature level and
whether the spec allows nulls), as the FinOps Foundation's FOCUS_Spec files of 1.3 give it.
`EXPORTED` names the FOCUS columns our export writes (every Mandatory one, the five Allocated*
ones, and the Conditional ones we have a source for), in the spec's order; `CUSTOM` the `x_`
columns written after them. docs/focus-export.md says where each value comes from.

Notes on the table: PricingCurrency and PricingCurrencyEffectiveCost say "MUST NOT be null" in
their text although their table says nulls are allowed (the 1.4 table corrects it); ProviderName
and PublisherName are deprecated in 1.3 but still Mandatory and non-null.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType


class ColumnType(Enum):
    DIMENSION = "Dimension"
    METRIC = "Metric"
    DIMENSION_AND_METRIC = "Dimension and Metric"


class DataType(Enum):
    STRING = "String"
    DECIMAL = "Decimal"
    DATETIME = "Date/Time"
    JSON = "JSON"


class FeatureLevel(Enum):
    MANDATORY = "Mandatory"
    CONDITIONAL = "Conditional"
    RECOMMENDED = "Recommended"


@dataclass(frozen=True)
class FocusColumn:
    """One column of the FOCUS 1.3 Cost and Usage dataset."""

    name: str
    column_type: ColumnType
    data_type: DataType
    feature_level: FeatureLevel
    allows_nulls: bool


_D, _M, _DM = ColumnType.DIMENSION, ColumnType.METRIC, ColumnType.DIMENSION_AND_METRIC
_S, _N, _T, _J = DataType.STRING, DataType.DECIMAL, DataType.DATETIME, DataType.JSON
_MAN, _CON, _REC = FeatureLevel.MANDATORY, FeatureLevel.CONDITIONAL, FeatureLevel.RECOMMENDED

# fmt: off
COST_AND_USAGE: tuple[FocusColumn, ...] = tuple(
    FocusColumn(name, kind, data, level, nulls)
    for name, kind, data, level, nulls in (
        ("AllocatedMethodDetails", _D, _J, _REC, True),
        ("AllocatedMethodId", _D, _S, _CON, True),
        ("AllocatedResourceId", _D, _S, _CON, True),
        ("AllocatedResourceName", _D, _S, _CON, True),
        ("AllocatedTags", _D, _J, _CON, True),
        ("AvailabilityZone", _D, _S, _REC, True),
        ("BilledCost", _M, _N, _MAN, False),
        ("BillingAccountId", _D, _S, _MAN, False),
        ("BillingAccountName", _D, _S, _MAN, True),
        ("BillingAccountType", _D, _S, _CON, False),
        ("BillingCurrency", _D, _S, _MAN, False),
        ("BillingPeriodEnd", _D, _T, _MAN, False),
        ("BillingPeriodStart", _D, _T, _MAN, False),
        ("CapacityReservationId", _D, _S, _CON, True),
        ("CapacityReservationStatus", _D, _S, _CON, True),
        ("ChargeCategory", _D, _S, _MAN, False),
        ("ChargeClass", _D, _S, _MAN, True),
        ("ChargeDescription", _D, _S, _MAN, True),
        ("ChargeFrequency", _D, _S, _REC, False),
        ("ChargePeriodEnd", _D, _T, _MAN, False),
        ("ChargePeriodStart", _D, _T, _MAN, False),
        ("CommitmentDiscountCategory", _D, _S, _CON, True),
        ("CommitmentDiscountId", _D, _S, _CON, True),
        ("CommitmentDiscountName", _D, _S, _CON, True),
        ("CommitmentDiscountQuantity", _M, _N, _CON, True),
        ("CommitmentDiscountStatus", _D, _S, _CON, True),
        ("CommitmentDiscountType", _D, _S, _CON, True),
        ("CommitmentDiscountUnit", _D, _S, _CON, True),
        ("ConsumedQuantity", _M, _N, _CON, True),
        ("ConsumedUnit", _D, _S, _CON, True),
        ("ContractApplied", _DM, _J, _CON, True),
        ("ContractedCost", _M, _N, _MAN, False),
        ("ContractedUnitPrice", _M, _N, _CON, True),
        ("EffectiveCost", _M, _N, _MAN, False),
        ("HostProviderName", _D, _S, _MAN, True),
        ("InvoiceId", _D, _S, _REC, True),
        ("InvoiceIssuerName", _D, _S, _MAN, False),
        ("ListCost", _M, _N, _MAN, False),
        ("ListUnitPrice", _M, _N, _CON, True),
        ("PricingCategory", _D, _S, _CON, True),
        ("PricingCurrency", _D, _S, _CON, True),
        ("PricingCurrencyContractedUnitPrice", _M, _N, _CON, True),
        ("PricingCurrencyEffectiveCost", _M, _N, _CON, True),
        ("PricingCurrencyListUnitPrice", _M, _N, _CON, True),
        ("PricingQuantity", _M, _N, _MAN, True),
        ("PricingUnit", _D, _S, _MAN, True),
        ("ProviderName", _D, _S, _MAN, False),
        ("PublisherName", _D, _S, _MAN, False),
        ("RegionId", _D, _S, _CON, True),
        ("RegionName", _D, _S, _CON, True),
        ("ResourceId", _D, _S, _CON, True),
        ("ResourceName", _D, _S, _CON, True),
        ("ResourceType", _D, _S, _CON, True),
        ("ServiceCategory", _D, _S, _MAN, False),
        ("ServiceName", _D, _S, _MAN, False),
        ("ServiceProviderName", _D, _S, _MAN, False),
        ("ServiceSubcategory", _D, _S, _REC, False),
        ("SkuId", _D, _S, _CON, True),
        ("SkuMeter", _D, _S, _CON, True),
        ("SkuPriceDetails", _D, _J, _CON, True),
        ("SkuPriceId", _D, _S, _CON, True),
        ("SubAccountId", _D, _S, _CON, True),
        ("SubAccountName", _D, _S, _CON, True),
        ("SubAccountType", _D, _S, _CON, True),
        ("Tags", _D, _J, _CON, True),
    )
)
# fmt: on
COLUMNS: Mapping[str, FocusColumn] = MappingProxyType({c.name: c for c in COST_AND_USAGE})

# The FOCUS columns the export leaves out: we have no source for them (docs/focus-export.md,
# "Columns left out"), and none is written as a guess.
LEFT_OUT = frozenset({
    "AvailabilityZone", "BillingAccountType", "CapacityReservationId",
    "CapacityReservationStatus", "ChargeFrequency", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "CommitmentDiscountUnit",
    "ContractApplied", "ContractedUnitPrice", "InvoiceId", "ListUnitPrice", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "RegionId", "RegionName", "SkuPriceDetails", "Tags",
})  # fmt: skip
# The FOCUS columns the export writes, in the table's order.
EXPORTED: tuple[str, ...] = tuple(c.name for c in COST_AND_USAGE if c.name not in LEFT_OUT)

CUSTOM_NAME = re.compile(r"^x_[A-Z][a-zA-Z0-9]*$")


@dataclass(frozen=True)
class CustomColumn:
    """A column of ours (`x_` + PascalCase), written after every FOCUS column."""

    name: str
    data_type: DataType
    description: str


CUSTOM: tuple[CustomColumn, ...] = tuple(
    CustomColumn(name, data, text)
    for name, data, text in (
        ("x_SkuMeterId", _S, "Azure's meter id (Cost Management `MeterId` / `ResourceGuid`)"),
        ("x_SkuMeterCategory", _S, "Azure's meter category (`Cognitive Services`, ...)"),
        ("x_SkuMeterSubcategory", _S, "Azure's meter subcategory (`Azure OpenAI`, ...)"),
        ("x_PricingUnitDescription", _S, "the unit of measure as billed (`1K`, `1/Hour`)"),
        ("x_PricingBlockSize", _N, "base units per pricing unit (1000 for `1K`)"),
        ("x_ChargeType", _S, "Azure's charge type (`Usage`, `Purchase`, `UnusedReservation`)"),
        ("x_PricingModel", _S, "Azure's pricing model (`OnDemand`, `Reservation`, ...)"),
        ("x_ResourceType", _S, "the ARM resource type of ResourceId"),
        ("x_TokenKind", _S, "what one unit of the meter is (`input`, `output`, `ptu-hour`)"),
        ("x_Model", _S, "the deployment's model"),
        ("x_ModelVersion", _S, "the deployment's model version"),
        ("x_DeploymentName", _S, "the deployment's name"),
        ("x_DeploymentSku", _S, "the deployment's SKU (`GlobalStandard`, ...)"),
        ("x_DeploymentType", _S, "the SKU's deployment type (`global`, `data-zone`, `regional`)"),
        ("x_DeploymentCapacity", _N, "the deployment's capacity (PTUs, or thousands of TPM)"),
        ("x_UseCase", _S, "the use case taking the deployment whole"),
        ("x_UseCaseCallers", _J, "use cases slicing the deployment: {useCase: {kind: [caller]}}"),
        ("x_UnallocatedReason", _S, "why the remainder row is not allocated"),
    )
)
