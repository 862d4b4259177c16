"""The reconciliation report's response model (docs/api.md#reconciliation-report): billed
against observed tokens per account and meter. Cents as the unit costs round them, whole tokens,
percentages to four decimals; null where a value does not exist (not a token meter)."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.json_schema import JsonDict

from shared.core.meters import TokenKind
from shared.core.reconciliation import TokenSide
from shared.entrypoints.http.schemas.base import ApiModel, PeriodHead
from shared.entrypoints.http.schemas.unit_costs import ACCOUNT_ID, HEAD

ROW: JsonDict = {
    "accountId": ACCOUNT_ID,
    "account": "contoso-ai-eus2",
    "meterId": "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5",
    "meter": "gpt 4o 1120 Inp glbl Tokens",
    "tokenKind": "input",
    "meterGroup": "gpt-4o 1120 global standard",
    "side": "input",
    "cost": 1187.42,
    "allocatedCost": 1187.42,
    "coveragePct": 100.0,
    "billedQuantity": 494756.032,
    "billedTokens": 494756032,
    "allocatedTokens": 494756032,
    "observedTokens": 736406925,
    "sideBilledTokens": 736406925,
    "sideObservedTokens": 736406925,
    "varianceTokens": 0,
    "variancePct": 0.0,
    "flagged": False,
}
PTU_ROW: JsonDict = {
    **ROW,
    "accountId": "",
    "account": "",
    "meterId": "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56",
    "meter": "Provisioned Managed Global Unit",
    "tokenKind": "ptu-hour",
    "meterGroup": "global provisioned",
    "side": None,
    "cost": 3187.1,
    "allocatedCost": 0.0,
    "coveragePct": 0.0,
    "billedQuantity": 9120.0,
    "billedTokens": None,
    "allocatedTokens": None,
    "observedTokens": None,
    "sideBilledTokens": None,
    "sideObservedTokens": None,
    "varianceTokens": None,
    "variancePct": None,
}


class ReconciliationSummary(ApiModel):
    rows: int
    flagged_rows: int
    cost: float = Field(description="The period's bill (the rows' cost)")
    allocated_cost: float
    coverage_pct: float | None = Field(description="allocatedCost / cost x 100 (null: cost 0)")


class ReconciliationRow(ApiModel):
    """One account x meter; the side and variance fields compare its whole side (input or
    output) of its meter group, and are null for a meter that is not compared."""

    account_id: str = Field(description="The account billed (empty: a line with no resource)")
    account: str = Field(description="The account's name (empty: a line with no resource)")
    meter_id: str
    meter: str
    token_kind: TokenKind | None = Field(description="What a unit is (null: an unknown meter)")
    meter_group: str | None = Field(description="The model, version, deployment type and mode")
    side: TokenSide | None
    cost: float
    allocated_cost: float
    coverage_pct: float | None
    billed_quantity: float = Field(description="In the meter's unit-of-measure blocks")
    billed_tokens: int | None
    allocated_tokens: int | None
    observed_tokens: int | None
    side_billed_tokens: int | None
    side_observed_tokens: int | None
    variance_tokens: int | None
    variance_pct: float | None
    flagged: bool = Field(description="sideBilled exceeds sideObserved by over the tolerance")


class Reconciliation(PeriodHead):
    """The reconciliation of a period in one price basis: its tolerance, summary and rows."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **HEAD,
                    "tolerancePct": 2.0,
                    "summary": {"rows": 2, "flaggedRows": 0, "cost": 4374.52,
                                "allocatedCost": 1187.42, "coveragePct": 27.144},
                    "rows": [PTU_ROW, ROW],
                }
            ]
        }
    )  # fmt: skip

    tolerance_pct: float = Field(description="A side is flagged above this relative variance")
    summary: ReconciliationSummary
    rows: list[ReconciliationRow]
