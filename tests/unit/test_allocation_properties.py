"""Property tests over generated tenants with every meter family, on the real meter catalogue:
allocated + unallocated == billed per account, day and price basis, whatever the inventory does,
for amounts up to the bound (1e15, 12 decimals, credits too) in any ISO 4217 billing currency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.core.allocation import allocate_period
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel, merge_cost_lines
from shared.core.currency import ISO_4217_CODES
from shared.core.deployment_timeline import DeploymentTimeline
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.money import MAX_AMOUNT, money_context
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord
from tests.unit.conservation import conservation_by_account_day

CATALOGUE = load_bundled_catalogue()
OCT = BillingPeriod(2026, 10)
ACCOUNTS = tuple(
    f"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{n}"
    for n in ("east", "west")
)
FT = "gpt-4o-2024-08-06.ft-0ab3f80e4f2242929258fff45b56a9ce"

# One meter of every family (real eastus2 meter ids of the bundled Retail Prices snapshot).
METERS = (
    "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5",  # gpt-4o 1120 input, global standard
    "e8a1d52f-14fa-5436-8399-0ceedfe47bef",  # gpt-4o 1120 cached input
    "39ae1495-1ea6-51c4-b153-3b303891275b",  # gpt-4o 1120 output
    "06582bb3-ab2a-5ba7-8b91-7372570e0682",  # gpt-4o 1120 batch input, global
    "ef5f6272-dbd4-5a88-a6a6-fe798782096e",  # gpt-4o 1120 batch output, global
    "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56",  # OpenAI PTU global unit
    "bd866800-30dd-51ba-a147-09603ece2361",  # DeepSeek PTU global unit (same name)
    "25abf9ba-e81a-5f07-81f2-8a179047a40f",  # DeepSeek R1 input, global
    "ab8a0e34-304b-5e3c-9e32-5b2ec39bf0c6",  # gpt-4o 0806 fine-tuning hosting, global
    "1628f475-a822-5b33-9169-5e3c16f77073",  # gpt-4o 0806 fine-tuned input, global
    "b95a34a7-c777-504f-9308-7a541f078ff6",  # gpt-4o 0806 training tokens
    "4840f681-46a3-569a-9feb-64e8cf39d32a",  # dall-e-3 images, regional
    "a326befe-f1ed-5f91-a19b-56c9d6383f51",  # gpt-4o realtime audio input, global
    "79411302-3248-56fa-acef-d3c36c861a0f",  # text-embedding-3-small, global
    "25d409f0-628c-59d0-beca-a981f3aeeef9",  # file search tool calls (account charge)
    "af6658fb-4d3b-5bdb-974b-a001d996ff6d",  # content safety text records (account charge)
    "00000000-0000-0000-0000-00000000beef",  # a meter nobody knows
)
DEPLOYMENTS = (
    ("chat", "gpt-4o", "2024-11-20", "GlobalStandard", "OpenAI"),
    ("batch", "gpt-4o", "2024-11-20", "GlobalBatch", "OpenAI"),
    ("ptu", "gpt-4o", "2024-11-20", "GlobalProvisionedManaged", "OpenAI"),
    ("ptu-r1", "DeepSeek-R1", "1", "GlobalProvisionedManaged", "DeepSeek"),
    ("r1", "DeepSeek-R1", "1", "GlobalStandard", "DeepSeek"),
    ("tuned", FT, "1", "GlobalStandard", "OpenAI"),
    ("art", "dall-e-3", "3.0", "Standard", "OpenAI"),
    ("voice", "gpt-4o-realtime-preview", "2024-12-17", "GlobalStandard", "OpenAI"),
    ("embed", "text-embedding-3-small", "1", "GlobalStandard", "OpenAI"),
)
DAYS = tuple(OCT.window.days())

small = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=8)
large = st.decimals(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT, places=12)
near_the_bound = st.decimals(min_value=MAX_AMOUNT - 1000, max_value=MAX_AMOUNT, places=12)
currencies = st.sampled_from(sorted(ISO_4217_CODES))


@st.composite
def deployments(draw: st.DrawFn, account: str) -> list[Deployment]:
    chosen = draw(st.lists(st.sampled_from(DEPLOYMENTS), unique=True, max_size=len(DEPLOYMENTS)))
    found = []
    for name, model, version, sku, fmt in chosen:
        created = draw(st.none() | st.datetimes(
            min_value=datetime(2026, 9, 20), max_value=datetime(2026, 10, 31, 23),
            timezones=st.just(UTC)))  # fmt: skip
        capacity = draw(st.integers(min_value=0, max_value=300))
        found.append(Deployment(account, name, model, version, sku, capacity, fmt, "eastus2",
                                created))  # fmt: skip
    return found


@st.composite
def snapshots(draw: st.DrawFn) -> list[InventorySnapshot]:
    """A first snapshot, then changes: deletions, re-creations, scale-ups with a modification
    time."""
    current = [d for account in ACCOUNTS for d in draw(deployments(account))]
    moments = sorted(draw(st.lists(
        st.datetimes(min_value=datetime(2026, 10, 1), max_value=datetime(2026, 10, 31, 23),
                     timezones=st.just(UTC)), max_size=4, unique=True)))  # fmt: skip
    snaps = [InventorySnapshot(draw(st.sampled_from(moments[:1] or [datetime(2026, 10, 1,
                               tzinfo=UTC)])), tuple(current))]  # fmt: skip
    gone: list[Deployment] = []
    for moment in moments[1:]:
        changed = gone[:1] if bool(gone) and draw(st.booleans()) else []  # re-created
        gone = gone[len(changed) :]
        for dep in current:
            action = draw(st.sampled_from(["keep", "keep", "drop", "scale"]))
            if action == "scale":
                modified = moment - timedelta(minutes=draw(st.integers(0, 600)))
                dep = Deployment(dep.account_id, dep.name, dep.model, dep.model_version, dep.sku,
                                 dep.capacity + 50, dep.model_format, dep.account_location,
                                 dep.created_at, modified)  # fmt: skip
            if action != "drop":
                changed.append(dep)
            else:
                gone.append(dep)
        current = changed
        snaps.append(InventorySnapshot(moment, tuple(current)))
    return snaps


@st.composite
def usage(draw: st.DrawFn) -> list[UsageRecord]:
    records = []
    for _ in range(draw(st.integers(0, 25))):
        name = draw(st.sampled_from(DEPLOYMENTS))[0]
        util = draw(st.none() | st.decimals(min_value=0, max_value=150, places=2))
        records.append(UsageRecord(
            draw(st.sampled_from(DAYS)), draw(st.sampled_from(ACCOUNTS)), name,
            draw(st.integers(0, 10**7)), draw(st.integers(0, 10**6)), draw(st.integers(0, 9000)),
            util))  # fmt: skip
    return records


@st.composite
def bill(draw: st.DrawFn) -> list[CostLine]:
    currency = draw(currencies)  # one billing currency per bill
    sign = draw(st.sampled_from([1, -1]))  # lines near the bound add up past 28 digits
    money = st.one_of(small, large, near_the_bound.map(lambda amount: sign * amount))
    lines = []
    merged: dict[tuple[object, ...], Decimal] = {}  # a bill line (an identity) stays in bounds
    for _ in range(draw(st.integers(1, 30))):
        charge = draw(st.sampled_from([ChargeType.USAGE] * 4 + [
            ChargeType.REFUND, ChargeType.PURCHASE, ChargeType.UNUSED_RESERVATION]))  # fmt: skip
        account = "" if charge is not ChargeType.USAGE and draw(st.booleans()) else draw(
            st.sampled_from(ACCOUNTS))  # fmt: skip
        day, meter = draw(st.sampled_from(DAYS)), draw(st.sampled_from(METERS))
        pricing = draw(st.sampled_from([PricingModel.ON_DEMAND, PricingModel.RESERVATION]))
        basis = draw(st.sampled_from(list(CostType)))
        key = (day, account, meter, charge, pricing, basis)
        so_far = merged.get(key)
        cost = draw(money) if so_far is None else draw(st.decimals(places=12,
            min_value=max(-MAX_AMOUNT, -MAX_AMOUNT - so_far),
            max_value=min(MAX_AMOUNT, MAX_AMOUNT - so_far)))  # fmt: skip
        merged[key] = cost + (so_far or 0)
        lines.append(CostLine(day, account, meter, "as billed", Decimal(draw(st.integers(0, 1000))),
                              cost, currency, charge, pricing, basis))  # fmt: skip
    return merge_cost_lines(lines)  # one line per identity, as the costs store keeps them


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots(), usage(), bill())
def test_every_family_conserves_money_per_account_day_and_price_basis(
    snaps: list[InventorySnapshot], used: list[UsageRecord], lines: list[CostLine]
) -> None:
    timeline = DeploymentTimeline.build(snaps)
    for basis in CostType:
        result = allocate_period(OCT, lines, used, snaps, CATALOGUE, basis)
        with money_context():  # the checks' own sums, exact like the allocation's
            for key, (billed, carried) in conservation_by_account_day(result, lines).items():
                assert billed == carried, key
            assert result.allocated_cost + result.unallocated_cost == result.billed
        own = [Fraction(ln.cost) for ln in lines if ln.cost_type is basis]
        assert Fraction(result.billed) == sum(own, Fraction(0))  # exact, not to 28 digits
        if any(ln.cost_type is basis for ln in lines):
            assert result.currency == lines[0].currency
        for part in result.allocated:
            ran = {d.deployment_id.lower() for d in timeline.on(part.date)}
            assert part.deployment_id.lower() in ran  # only deployments that ran that day
            assert part.deployment_id.lower().startswith(part.account_id.lower() + "/")
            assert part.weight > 0
            if part.idle_cost is not None:
                assert abs(part.idle_cost) <= abs(part.cost)


@settings(max_examples=100, deadline=None)
@given(snapshots(), st.sampled_from(DAYS))
def test_capacity_hours_never_exceed_capacity_times_24(
    snaps: list[InventorySnapshot], day: date
) -> None:
    timeline = DeploymentTimeline.build(snaps)
    biggest = {d.deployment_id.lower(): 0 for s in snaps for d in s.deployments}
    for s in snaps:
        for d in s.deployments:
            key = d.deployment_id.lower()
            biggest[key] = max(biggest[key], d.capacity)
    for key, capacity in biggest.items():
        assert Decimal(0) <= timeline.hours(day, key) <= 24
        assert timeline.capacity_hours(day, key) <= capacity * 24
