"""Crafted bills over the real meter catalogue: PTU hours and idle capacity, reservations in both
price bases, batch, fine-tuning, images, other model families, account charges, negative rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial

from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.core.allocation import PeriodAllocation, UnallocatedReason, allocate_period
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord
from tests import builders

CATALOGUE = load_bundled_catalogue()
OCT = BillingPeriod(2026, 10)
DAY = date(2026, 10, 14)

PTU_GLOBAL = "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56"  # Provisioned Managed Global Unit (OpenAI)
DEEPSEEK_PTU_GLOBAL = "bd866800-30dd-51ba-a147-09603ece2361"  # same name, Deepseek family
RESERVED = PricingModel.RESERVATION
DEEPSEEK_R1_IN = "25abf9ba-e81a-5f07-81f2-8a179047a40f"  # R1 Inp glbl Tokens
BATCH_4O_IN = "06582bb3-ab2a-5ba7-8b91-7372570e0682"  # gpt 4o 1120 Batch Inp glbl Tokens
GPT4O_IN = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"  # gpt 4o 1120 Inp glbl Tokens
FT_HOSTING = "ab8a0e34-304b-5e3c-9e32-5b2ec39bf0c6"  # gpt-4o-0806-FT-Hstng-glbl Unit
FT_INPUT = "1628f475-a822-5b33-9169-5e3c16f77073"  # gpt-4o-0806-FT-inp-glbl Tokens
FT_TRAINING = "b95a34a7-c777-504f-9308-7a541f078ff6"  # gpt-4o-0806-FT-Trng-glbl tkn Tokens
DALLE3 = "4840f681-46a3-569a-9feb-64e8cf39d32a"  # Image-Dall-E-3 Std HighRes-regnl EP Images
FILE_SEARCH = "25d409f0-628c-59d0-beca-a981f3aeeef9"  # file-search-tool-calls-glbl Calls


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


# Lines and usage records are of DAY, deployments PTU ones of 50 units, unless told.
dep = partial(builders.dep, sku="GlobalProvisionedManaged", capacity=50)
line = partial(builders.line, day=DAY)
use = partial(builders.use, day=DAY)


def shares(result: PeriodAllocation) -> dict[str, Decimal]:
    got: dict[str, Decimal] = defaultdict(Decimal)
    for part in result.allocated:
        got[part.deployment_id.rsplit("/", 1)[-1]] += part.cost
    return dict(got)


def reasons(result: PeriodAllocation) -> dict[UnallocatedReason, Decimal]:
    got: dict[UnallocatedReason, Decimal] = defaultdict(Decimal)
    for part in result.unallocated:
        got[part.reason] += part.cost
    return dict(got)


def allocate(lines: list[CostLine], usage: list[UsageRecord], snaps: list[InventorySnapshot],
             cost_type: CostType = CostType.ACTUAL) -> PeriodAllocation:  # fmt: skip
    result = allocate_period(OCT, lines, usage, snaps, CATALOGUE, cost_type)
    assert result.allocated_cost + result.unallocated_cost == result.billed
    return result


def test_a_ptu_deployment_created_mid_day_carries_only_its_hours() -> None:
    # "new" was created at 18:00 on DAY: 6 h x 100 PTU against "old": 24 h x 50 PTU.
    snaps = [InventorySnapshot(at(1), (dep("old"),)),
             InventorySnapshot(at(14, 18, 40), (dep("old"), dep("new", capacity=100,
                                                               created=at(14, 18))))]  # fmt: skip
    result = allocate([line(PTU_GLOBAL, "1800")], [], snaps)
    assert shares(result) == {"old": Decimal(1200), "new": Decimal(600)}
    weights = {a.deployment_id.rsplit("/", 1)[-1]: a.weight for a in result.allocated}
    assert weights == {"old": Decimal(1200), "new": Decimal(600)}


def test_a_ptu_deployment_created_mid_month_is_not_charged_before_it_existed() -> None:
    snaps = [InventorySnapshot(at(1), (dep("old"),)),
             InventorySnapshot(at(20), (dep("old"), dep("new", created=at(19, 12))))]  # fmt: skip
    before = allocate([line(PTU_GLOBAL, "100", day=date(2026, 10, 18))], [], snaps)
    assert shares(before) == {"old": Decimal(100)}
    half_day = allocate([line(PTU_GLOBAL, "180", day=date(2026, 10, 19))], [], snaps)
    assert shares(half_day) == {"old": Decimal(120), "new": Decimal(60)}


def test_a_scale_change_reprices_from_the_time_arm_says_it_was_modified() -> None:
    # capacity 50 until 06:00 (lastModifiedAt), 150 after: 6x50 + 18x150 = 3,000 PTU-hours.
    snaps = [InventorySnapshot(at(1), (dep("scaled"), dep("steady", capacity=100))),
             InventorySnapshot(at(14, 6, 50), (dep("scaled", capacity=150, modified=at(14, 6)),
                                               dep("steady", capacity=100)))]  # fmt: skip
    result = allocate([line(PTU_GLOBAL, "5400")], [], snaps)
    assert shares(result) == {"scaled": Decimal(3000), "steady": Decimal(2400)}


def test_a_scale_change_without_modification_time_counts_from_the_snapshot() -> None:
    snaps = [
        InventorySnapshot(at(1), (dep("scaled"),)),
        InventorySnapshot(at(14, 12), (dep("scaled", capacity=150), dep("steady"))),
    ]
    result = allocate([line(PTU_GLOBAL, "3600")], [], snaps)
    # scaled: 12 h x 50 + 12 h x 150 = 2,400; steady (no createdAt): 12 h x 50 = 600.
    assert shares(result) == {"scaled": Decimal(2880), "steady": Decimal(720)}


def test_a_deleted_deployment_stops_at_the_first_snapshot_without_it() -> None:
    snaps = [InventorySnapshot(at(1), (dep("kept"), dep("gone"))),
             InventorySnapshot(at(14, 12), (dep("kept"),))]  # fmt: skip
    on_the_day = allocate([line(PTU_GLOBAL, "180")], [], snaps)
    assert shares(on_the_day) == {"kept": Decimal(120), "gone": Decimal(60)}
    after = allocate([line(PTU_GLOBAL, "100", day=date(2026, 10, 15))], [], snaps)
    assert shares(after) == {"kept": Decimal(100)}
    ids = {d.name for d in after.deployments}
    assert ids == {"kept", "gone"}  # it ran during the period, so it is listed


def test_ptu_cost_is_split_into_used_and_idle_by_utilization() -> None:
    snaps = [InventorySnapshot(at(1), (dep("busy"), dep("quiet"), dep("unmeasured")))]
    usage = [use("busy", utilization="80"), use("quiet", utilization="12.5"), use("unmeasured")]
    result = allocate([line(PTU_GLOBAL, "300")], usage, snaps)
    parts = {a.deployment_id.rsplit("/", 1)[-1]: a for a in result.allocated}
    assert parts["busy"].cost == Decimal(100)
    assert (parts["busy"].used_cost, parts["busy"].idle_cost) == (Decimal(80), Decimal(20))
    assert parts["quiet"].idle_cost == Decimal("87.5")
    assert parts["unmeasured"].idle_cost is None and parts["unmeasured"].used_cost is None


def test_utilization_above_100_percent_leaves_no_idle_capacity() -> None:
    snaps = [InventorySnapshot(at(1), (dep("hot"),))]
    result = allocate([line(PTU_GLOBAL, "24")], [use("hot", utilization="130")], snaps)
    assert result.allocated[0].idle_cost == Decimal(0)


def test_the_shared_ptu_meter_name_goes_to_its_own_family_only() -> None:
    snaps = [InventorySnapshot(at(1), (
        dep("gpt", capacity=50),
        dep("r1", model="DeepSeek-R1", version="1", model_format="DeepSeek", capacity=100),
    ))]  # fmt: skip
    openai = allocate([line(PTU_GLOBAL, "10")], [], snaps)
    deepseek = allocate([line(DEEPSEEK_PTU_GLOBAL, "10")], [], snaps)
    assert shares(openai) == {"gpt": Decimal(10)}
    assert shares(deepseek) == {"r1": Decimal(10)}


def test_reservations_in_both_price_bases() -> None:
    snaps = [InventorySnapshot(at(1), (dep("a", capacity=100), dep("b", capacity=50)))]
    actual = [
        line("", "7800", charge_type=ChargeType.PURCHASE, pricing_model=RESERVED),
        line(PTU_GLOBAL, "0", pricing_model=RESERVED),  # covered hours cost 0 in ActualCost
        line(PTU_GLOBAL, "1200"),  # hours above the reservation, on demand
    ]
    amortized = [
        line(PTU_GLOBAL, "2516.13", pricing_model=RESERVED, cost_type=CostType.AMORTIZED),
        line(PTU_GLOBAL, "1200", cost_type=CostType.AMORTIZED),
        line("", "125.81", charge_type=ChargeType.UNUSED_RESERVATION, pricing_model=RESERVED,
             cost_type=CostType.AMORTIZED),
    ]  # fmt: skip
    act = allocate(actual, [], snaps, CostType.ACTUAL)
    assert reasons(act) == {UnallocatedReason.RESERVATION_PURCHASE: Decimal(7800)}
    assert shares(act) == {"a": Decimal(800), "b": Decimal(400)}
    amo = allocate(actual + amortized, [], snaps, CostType.AMORTIZED)
    assert reasons(amo) == {UnallocatedReason.UNUSED_RESERVATION: Decimal("125.81")}
    assert shares(amo) == {"a": Decimal("2477.42"), "b": Decimal("1238.71")}
    assert amo.billed == Decimal("3841.94")


def test_batch_meters_go_to_batch_deployments_not_to_standard_ones() -> None:
    snaps = [InventorySnapshot(at(1), (
        dep("online", sku="GlobalStandard"), dep("nightly", sku="GlobalBatch"),
    ))]  # fmt: skip
    usage = [use("online", 1000), use("nightly", 4000)]
    result = allocate([line(BATCH_4O_IN, "5"), line(GPT4O_IN, "2")], usage, snaps)
    assert shares(result) == {"nightly": Decimal(5), "online": Decimal(2)}


def test_fine_tuning_hosting_inference_and_training() -> None:
    ft = "gpt-4o-2024-08-06.ft-0ab3f80e4f2242929258fff45b56a9ce"
    snaps = [InventorySnapshot(at(1), (
        dep("tuned", model=ft, sku="GlobalStandard", version="1"),
        dep("tuned-late", model=ft, sku="GlobalStandard", version="1", created=at(14, 12)),
        dep("base", sku="GlobalStandard", version="2024-08-06"),
    ))]  # fmt: skip
    usage = [use("tuned", 3000), use("tuned-late", 1000), use("base", 9000)]
    lines = [line(FT_HOSTING, "61.2"), line(FT_INPUT, "8"), line(FT_TRAINING, "40")]
    result = allocate(lines, usage, snaps)
    # hosting by hours deployed (24 and 12), inference by tokens; the base model gets neither.
    assert shares(result) == {"tuned": Decimal("40.8") + 6, "tuned-late": Decimal("20.4") + 2}
    assert reasons(result) == {UnallocatedReason.FINE_TUNING_TRAINING: Decimal(40)}


def test_image_meters_are_split_by_requests_of_the_image_model() -> None:
    snaps = [InventorySnapshot(at(1), (
        dep("art", model="dall-e-3", sku="Standard", version="3.0"),
        dep("art2", model="dall-e-3", sku="Standard", version="3.0"),
        dep("chat", sku="Standard"),
    ))]  # fmt: skip
    usage = [use("art", reqs=30), use("art2", reqs=10), use("chat", 5000, 100, 900)]
    result = allocate([line(DALLE3, "8")], usage, snaps)
    assert shares(result) == {"art": Decimal(6), "art2": Decimal(2)}


def test_another_model_family_on_the_same_account_gets_its_own_meters() -> None:
    snaps = [InventorySnapshot(at(1), (
        dep("r1", model="DeepSeek-R1", version="1", model_format="DeepSeek", sku="GlobalStandard"),
        dep("chat", sku="GlobalStandard"),
    ))]  # fmt: skip
    result = allocate([line(DEEPSEEK_R1_IN, "3")], [use("r1", 10), use("chat", 990)], snaps)
    assert shares(result) == {"r1": Decimal(3)}


def test_a_tool_charge_on_the_account_is_an_account_level_line_never_dropped() -> None:
    snaps = [InventorySnapshot(at(1), (dep("chat", sku="GlobalStandard"),))]
    result = allocate([line(FILE_SEARCH, "2.5"), line(GPT4O_IN, "1")], [use("chat", 5)], snaps)
    assert reasons(result) == {UnallocatedReason.ACCOUNT_LEVEL_CHARGE: Decimal("2.5")}
    unknown = allocate([line("not-a-meter", "4")], [use("chat", 5)], snaps)
    assert reasons(unknown) == {UnallocatedReason.UNKNOWN_METER: Decimal(4)}


def test_negative_rows_are_allocated_like_their_meter() -> None:
    snaps = [InventorySnapshot(at(1), (dep("a"), dep("b", capacity=150)))]
    refund = line(PTU_GLOBAL, "-20", charge_type=ChargeType.REFUND)
    result = allocate([line(PTU_GLOBAL, "100"), refund], [], snaps)
    assert shares(result) == {"a": Decimal(20), "b": Decimal(60)}
    negatives = [p.cost for p in result.allocated if p.charge_type is ChargeType.REFUND]
    assert sorted(negatives) == [Decimal(-15), Decimal(-5)]


def test_spillover_tokens_on_standard_meters_go_to_the_standard_deployment_only() -> None:
    # PTU traffic spilled over to `overflow`: Azure bills it on the standard gpt-4o meter. The
    # PTU deployment's own tokens (served within its capacity) are paid by the PTU hours.
    snaps = [InventorySnapshot(at(1), (dep("ptu"), dep("overflow", sku="GlobalStandard")))]
    usage = [use("ptu", 9_000_000, utilization="100"), use("overflow", 500_000)]
    result = allocate([line(GPT4O_IN, "1.25"), line(PTU_GLOBAL, "1200")], usage, snaps)
    assert shares(result) == {"overflow": Decimal("1.25"), "ptu": Decimal(1200)}
    ptu = next(p for p in result.allocated if p.deployment_id.endswith("/ptu"))
    assert ptu.idle_cost == 0
