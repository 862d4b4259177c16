"""The published summaries listed on Azurite (AllocationTables.periods, behind GET /api/periods):
each published period and price basis with its exact totals, the same as its report's; a period
whose allocation found nothing to publish is not listed; the memory double lists the same."""

from __future__ import annotations

import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.table_gateway import AzureTableGateway, TableGateway
from shared.bootstrap import ALL_TABLES
from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodReport
from tests.builders import NOV, OCT, month_of_lines, month_of_usage, publication
from tests.fakes import MemoryTableGateway

pytestmark = pytest.mark.azurite


def published(gateway: TableGateway) -> AllocationTables:
    gateway.ensure(ALL_TABLES)
    tables = AllocationTables(gateway)
    tables.publish(publication(month_of_lines(), month_of_usage(), 1))
    amortized = month_of_lines(OCT, 2, "4.00", CostType.AMORTIZED)
    tables.publish(
        publication(amortized, month_of_usage(OCT, 2), 1, period=OCT, cost_type=CostType.AMORTIZED)
    )
    tables.publish_no_data(BillingPeriod(2026, 9), CostType.ACTUAL, "no cost lines", 1)
    return tables


def test_the_published_summaries_are_listed_with_their_reports_totals(
    storage_env: dict[str, str],
) -> None:
    service = TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
    azure, memory = published(AzureTableGateway(service)), published(MemoryTableGateway())
    found = sorted(azure.periods(), key=lambda s: (s.period, s.cost_type.value))
    assert [(s.period, s.cost_type) for s in found] == [
        (OCT, CostType.AMORTIZED),
        (NOV, CostType.ACTUAL),
    ]  # September: nothing to publish, not listed
    for summary in found:
        report = azure.report(summary.period, summary.cost_type)
        assert isinstance(report, PeriodReport)
        assert (summary.currency, summary.billed, summary.allocated, summary.unallocated) == (
            report.currency, report.billed, report.allocated, report.unallocated,
        )  # fmt: skip
    assert found[1].billed == 100  # 5 days x (10.00 + 10.00)
    memory_found = sorted(memory.periods(), key=lambda s: (s.period, s.cost_type.value))
    assert [(s.period, s.cost_type, s.billed) for s in memory_found] == [
        (s.period, s.cost_type, s.billed) for s in found
    ]
