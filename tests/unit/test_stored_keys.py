"""Stored table keys are digests of the same text as ever (shared/core/digest.py): changing how
a key is made would orphan every stored row. Each key here was taken from the tables of an
earlier version."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.adapters.storage import allocation_tables, reconciliation_table
from shared.adapters.storage.costs_table import CostsTable
from shared.adapters.storage.price_table import PriceTable
from shared.adapters.storage.usage_table import UsageTable
from shared.core.allocated_lines import AllocatedLine
from shared.core.allocation import UnallocatedLine, UnallocatedReason
from shared.core.arm_ids import deployment_key, deployment_key_of, parse_account_id
from shared.core.catalogue import RetailItemType, RetailPriceItem
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel
from shared.core.digest import ARM_KEY_DIGITS, digest
from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.reconciliation import ReconciliationRow
from shared.core.unit_costs import UnallocatedTotal
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput
from tests.builders import NOW
from tests.fakes import MemoryTableGateway

ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-AI"
    "/providers/Microsoft.CognitiveServices/accounts/Contoso-AI"
)
DEPLOYMENT = f"{ACCOUNT}/deployments/Chat-Prod"
METER, NAME = "ABC-meter", "gpt 4o 1120 Inp glbl Tokens"
DAY = date(2026, 10, 3)
OCT = BillingPeriod(2026, 10)
ACCOUNT_KEY = "contoso-ai~dcd83700de"
DEPLOYMENT_KEY = "contoso-ai~chat-prod~c683b42a55"


def test_the_digest_of_known_parts() -> None:
    assert digest("a", "B", 1) == "06a6ab27f115c425"
    assert digest("") == "e3b0c44298fc1c14"
    assert digest("", length=ARM_KEY_DIGITS) == "e3b0c44298"
    with pytest.raises(InvalidInput, match="length"):
        digest("a", length=0)


def test_account_and_deployment_keys_in_any_casing() -> None:
    for spelled in (ACCOUNT, ACCOUNT.lower()):
        account = parse_account_id(spelled)
        assert account.key == ACCOUNT_KEY
        assert deployment_key(account, "Chat-Prod") == DEPLOYMENT_KEY
        assert deployment_key_of(f"{spelled}/deployments/chat-prod") == DEPLOYMENT_KEY


def test_cost_usage_and_price_rows_keep_their_keys() -> None:
    gateway = MemoryTableGateway()
    line = CostLine(DAY, ACCOUNT, METER, NAME, Decimal(1), Decimal("3.00"), "USD",
                    ChargeType.USAGE, PricingModel.RESERVATION, CostType.AMORTIZED)  # fmt: skip
    CostsTable(gateway).replace_window(OCT.window, CostType.AMORTIZED, [line])
    assert list(gateway.tables["costs"]) == [
        ("2026-10|AmortizedCost|contoso-ai~dcd83700de", "2026-10-03|753513939e2e70ca")
    ]
    assert gateway.tables["costs"][next(iter(gateway.tables["costs"]))]["PricingModel"] == (
        "Reservation"
    )
    record = UsageRecord(DAY, ACCOUNT, "Chat-Prod", 1, 2, 3)
    UsageTable(gateway).replace_window(OCT.window, [ACCOUNT], [record])
    assert list(gateway.tables["usage"]) == [
        ("2026-10|contoso-ai~dcd83700de", "2026-10-03|4e9f2b40d98ccb64")
    ]
    item = RetailPriceItem("Meter-ID-1", "gpt 4o Inp glbl", "Azure OpenAI", "gpt 4o",
                           "Cognitive Services", "1K", "eastus2", "x", Decimal("0.0025"), "USD",
                           RetailItemType.CONSUMPTION, date(2024, 12, 1))  # fmt: skip
    PriceTable(gateway).replace_items([item], NOW, "x")
    stored = {
        key: row for key, row in gateway.tables["retailprices"].items() if key[0] != "refresh"
    }
    assert list(stored) == [("items|f5", "612a02061aff51f7")]
    assert stored[("items|f5", "612a02061aff51f7")]["Type"] == "Consumption"


def test_allocation_and_reconciliation_rows_keep_their_keys() -> None:
    share = AllocatedLine(DAY, DEPLOYMENT, ACCOUNT, METER, NAME, TokenKind.INPUT, ChargeType.USAGE,
                          PricingModel.RESERVATION, Decimal("1.5"), Decimal(3))  # fmt: skip
    kept = UnallocatedLine(DAY, ACCOUNT, METER, NAME, ChargeType.PURCHASE,
                           PricingModel.RESERVATION, UnallocatedReason.RESERVATION_PURCHASE,
                           Decimal(1))  # fmt: skip
    # Daily rows live under their generation (swept with it): one per deployment-day and the
    # day's unallocated lines, numbered from 0 before the generation goes in.
    [allocated, unallocated] = allocation_tables._packed_days("BASE", [share], [kept])["2026-10-03"]
    assert (allocated["PartitionKey"], allocated["RowKey"]) == (
        f"BASE|{DEPLOYMENT_KEY}",
        "2026-10-03|0",
    )
    assert (unallocated["PartitionKey"], unallocated["RowKey"]) == (
        "BASE|_unallocated",
        "2026-10-03|0",
    )
    [line] = allocation_tables.stored_lines(unallocated)
    assert line.pricing_model is PricingModel.RESERVATION and line.cost == Decimal(1)
    total = UnallocatedTotal(ACCOUNT, METER, NAME, UnallocatedReason.NO_USAGE, Decimal(1))
    row = allocation_tables._unallocated_entity("PK", total)
    assert row["RowKey"] == f"{ACCOUNT_KEY}|0202ecfc41bd7510|no-usage"
    checked = ReconciliationRow(ACCOUNT, METER, NAME, TokenKind.INPUT, "g", Decimal(1),
                                Decimal(1), Decimal(1))  # fmt: skip
    row = reconciliation_table._entity("PK", 0, checked)
    assert row["RowKey"] == f"{ACCOUNT_KEY}|0202ecfc41bd7510"
