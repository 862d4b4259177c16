"""The provenance of a period's figures: the published summary and the collection stamps."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shared.core.catalogue import build_catalogue
from shared.core.costs import CostType
from shared.core.inputs import InputScope, InputSource
from shared.core.period import BillingPeriod
from shared.core.period_status import PeriodStatus
from shared.core.provenance import provenance_view, stamps_of
from shared.core.reports import PeriodSummary
from shared.core.views import PeriodQuery
from shared.services.provenance import ProvenanceService
from tests.builders import (
    NOV,
    NOW,
    TableStores,
    month_of_lines,
    month_of_usage,
    price_item,
    publication,
)
from tests.fakes import MemoryTableGateway
from tests.unit.catalogue_double import GPT4O_IN, DictCatalogue


def summary(billed: str, allocated: str) -> PeriodSummary:
    return PeriodSummary(
        period=NOV, cost_type=CostType.ACTUAL, currency="USD", billed=Decimal(billed),
        allocated=Decimal(allocated), unallocated=Decimal(billed) - Decimal(allocated),
        published_at=NOW, catalogue_version="abc",
    )  # fmt: skip


def test_the_share_is_allocated_over_billed_and_every_input_is_listed() -> None:
    view = provenance_view(summary("300", "200"), {InputSource.USAGE: NOW}, date(2026, 11, 21))
    assert view.allocated_share == Decimal("0.6667")
    assert view.status is PeriodStatus.OPEN and view.published_at == NOW
    assert [s.source for s in view.sources] == list(InputSource)
    assert {s.source: s.at for s in view.sources if s.at} == {InputSource.USAGE: NOW}
    assert provenance_view(summary("0", "0"), {}, date(2026, 12, 6)).allocated_share is None
    assert provenance_view(summary("1", "1"), {}, date(2026, 12, 6)).status is PeriodStatus.CLOSED


def test_the_service_reads_the_published_summary_and_the_stamps() -> None:
    stores = TableStores(MemoryTableGateway())
    service = ProvenanceService(stores.results, stores.versions, lambda: date(2026, 12, 1))
    query = PeriodQuery(NOV, CostType.ACTUAL)
    assert service.provenance(query) is None  # never allocated
    pub = publication(month_of_lines(), month_of_usage(), 1)
    stores.results.publish(pub)
    stores.versions.collected([InputScope.of(InputSource.ACTUAL_COSTS, NOV)])
    found = service.provenance(query)
    assert found is not None
    assert found.catalogue_version == DictCatalogue().version and len(DictCatalogue().version) == 12
    assert found.published_at == NOW
    assert found.allocated_share == round(pub.allocation.allocated_cost / pub.allocation.billed, 4)
    stamps = {s.source: s.at for s in found.sources}
    assert stamps[InputSource.ACTUAL_COSTS] == NOW and stamps[InputSource.USAGE] is None
    assert service.provenance(PeriodQuery(BillingPeriod(2026, 10), CostType.ACTUAL)) is None
    assert service.provenance(PeriodQuery(NOV, CostType.AMORTIZED)) is None


def test_a_catalogue_version_changes_with_what_it_classifies() -> None:
    base = DictCatalogue()
    other = DictCatalogue(meters={GPT4O_IN.meter_id: GPT4O_IN})
    assert base.version == DictCatalogue().version and base.version != other.version


def test_a_table_catalogues_version_is_its_items_and_moves_with_a_price() -> None:
    items = [price_item("m-1", "0.0025"), price_item("m-2", "0.01")]
    same = build_catalogue(list(reversed(items)))
    assert build_catalogue(items).version == same.version
    assert build_catalogue([price_item("m-1", "0.0026"), items[1]]).version != same.version
    assert build_catalogue(items[:1]).version != same.version


def test_the_stamps_of_a_period_are_its_own_inputs_and_the_shared_ones() -> None:
    later = NOW + timedelta(hours=1)
    stamps = {
        InputScope.of(InputSource.USAGE, NOV): NOW,
        InputScope.of(InputSource.USAGE, NOV.next()): later,
        InputScope.of(InputSource.PRICES): later,
    }
    assert stamps_of(stamps, NOV) == {InputSource.USAGE: NOW, InputSource.PRICES: later}
    assert stamps_of(stamps, NOV.next()) == {InputSource.USAGE: later, InputSource.PRICES: later}
    assert stamps_of({}, NOV) == {}
