"""The optimized allocation (parsed ids, per-period index, integer splits) gives exactly what the
straightforward reference (tests/unit/reference_allocation.py, a frozen copy of the allocation
before the index) gives: every allocated and unallocated line, in order, with the same Decimal
digits and exponents (not only equal values), the same deployments, or the same error."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.tenant import TOKEN_METERS, Tenant  # the generator `make bench` times
from shared.core.allocated_lines import AllocatedLine
from shared.core.allocation import PeriodAllocation, allocate_period
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel, merge_cost_lines
from shared.core.deployment_timeline import DeploymentTimeline
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.money import split_by_weights
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord
from tests.unit.reference_allocation import reference_allocate, reference_split
from tests.unit.test_allocation_properties import CATALOGUE, DEPLOYMENTS, METERS, OCT
from tests.unit.test_allocation_properties import bill as property_bill
from tests.unit.test_allocation_properties import snapshots as property_snapshots
from tests.unit.test_allocation_properties import usage as property_usage

NOV = BillingPeriod(2026, 11)
SUBS = ("s1", "S1")


def exact(value: object) -> object:
    """A Decimal as its digits and exponent (1.0 and 1.00 differ); other values as they are."""
    if isinstance(value, Decimal):
        return ("decimal", value.as_tuple())
    return value


def record(item: object) -> tuple[object, ...]:
    return tuple((f.name, exact(getattr(item, f.name))) for f in fields(item))  # type: ignore[arg-type]


def outcome(run: Callable[[], PeriodAllocation]) -> object:
    """Everything an allocation gives, exactly; or the error it raises (type and message)."""
    try:
        result = run()
    except Exception as error:
        return ("error", type(error), str(error))
    return (
        result.period,
        result.cost_type,
        result.currency,
        exact(result.billed),
        [record(a) for a in result.allocated],
        [record(u) for u in result.unallocated],
        [record(d) for d in result.deployments],
        exact(result.allocated_cost),
        exact(result.unallocated_cost),
    )


def assert_same(
    period: BillingPeriod,
    lines: list[CostLine],
    used: list[UsageRecord],
    snaps: list[InventorySnapshot],
    catalogue: object = CATALOGUE,
) -> None:
    for basis in CostType:
        args = (period, lines, used, snaps, catalogue, basis)
        expected = outcome(lambda: reference_allocate(*args))  # type: ignore[arg-type]  # noqa: B023
        assert outcome(lambda: allocate_period(*args)) == expected  # type: ignore[arg-type]  # noqa: B023


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(property_snapshots(), property_usage(), property_bill())
def test_every_family_allocates_exactly_as_the_reference(
    snaps: list[InventorySnapshot], used: list[UsageRecord], lines: list[CostLine]
) -> None:
    assert_same(OCT, lines, used, snaps)


def tenant(
    rng: random.Random, period: BillingPeriod
) -> tuple[list[CostLine], list[UsageRecord], list[InventorySnapshot]]:
    """A messy tenant: ids in several casings, split and duplicate usage records, zero and missing
    usage, credits, lines of days nobody ran, unknown SKUs, hourly-ish scale changes, deletions."""
    days = list(period.window.days())
    accounts = [
        f"/subscriptions/{rng.choice(SUBS)}/resourceGroups/rg{a}/providers/"
        f"Microsoft.CognitiveServices/accounts/Acc{a}"
        for a in range(rng.randint(1, 4))
    ]
    start = datetime(period.year, period.month, 1, tzinfo=UTC)
    deployments = []
    for account in accounts:
        for n in range(rng.randint(0, 8)):
            name, model, version, sku, fmt = rng.choice(DEPLOYMENTS)
            if rng.random() < 0.05:
                sku = "SomeNewSku"
            created = (
                None if rng.random() < 0.6 else start + timedelta(minutes=rng.randint(-3000, 40000))
            )
            deployments.append(
                Deployment(
                    account,
                    f"{name}-{n}",
                    model,
                    version,
                    sku,
                    rng.randint(0, 300),
                    fmt,
                    "eastus2",
                    created,
                )
            )
    snaps = [InventorySnapshot(start, tuple(deployments))]
    current = list(deployments)
    for step in range(rng.randint(0, 12)):
        if not current:
            break
        at = start + timedelta(hours=rng.randint(1, 24 * len(days)), seconds=rng.randint(0, 59))
        i = rng.randrange(len(current))
        action = rng.random()
        if action < 0.5:
            current[i] = replace(
                current[i],
                capacity=current[i].capacity + 10 * (step + 1),
                modified_at=at - timedelta(minutes=rng.randint(0, 90)),
            )
        elif action < 0.7:
            current.pop(i)
        else:
            current.append(rng.choice(deployments))  # re-created (maybe twice: a duplicate)
        snaps.append(InventorySnapshot(at, tuple(current)))
    rng.shuffle(snaps)
    used = []
    for _ in range(rng.randint(0, 120)):
        d = rng.choice(deployments) if deployments else None
        account = d.account_id if d else rng.choice(accounts or ["x"])
        name = d.name if d else "ghost"
        if rng.random() < 0.3:
            account, name = account.lower(), name.upper()
        util = None if rng.random() < 0.4 else Decimal(rng.randint(0, 15000)) / 100
        used.append(
            UsageRecord(
                rng.choice(days),
                account,
                name,
                rng.choice([0, rng.randint(0, 10**7)]),
                rng.randint(0, 10**6),
                rng.randint(0, 500),
                util,
            )
        )
    lines = []
    for _ in range(rng.randint(0, 80)):
        account = rng.choice(accounts) if accounts else ""
        if rng.random() < 0.3:
            account = account.lower()
        charge = rng.choice([ChargeType.USAGE] * 6 + [ChargeType.REFUND, ChargeType.PURCHASE])
        cost = Decimal(rng.randint(-(10**6), 10**9)).scaleb(-rng.randint(0, 14))
        lines.append(
            CostLine(
                rng.choice(days),
                account,
                rng.choice(METERS),
                "as billed",
                Decimal(1),
                cost,
                "EUR",
                charge,
                rng.choice(list(PricingModel)),
                rng.choice(list(CostType)),
            )
        )
    return merge_cost_lines(lines), used, snaps


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.sampled_from([OCT, NOV]))
def test_messy_tenants_allocate_exactly_as_the_reference(
    rng: random.Random, period: BillingPeriod
) -> None:
    lines, used, snaps = tenant(rng, period)
    assert_same(period, lines, used, snaps)


def test_the_benchmark_tenant_allocates_exactly_as_the_reference() -> None:
    made = Tenant.generate(deployments=60, days=5, seed=3)
    assert_same(made.period, made.lines, made.usage, made.snapshots)
    hourly = made.with_hourly_changes(hours=48, seed=4)
    assert_same(made.period, made.lines, made.usage, hourly.snapshots)


def test_a_deployment_with_an_id_that_is_no_account_fails_alike() -> None:
    bad = Deployment(
        "/subscriptions/s/resourceGroups/rg/providers/Other/x/y",
        "d",
        "gpt-4o",
        "2024-11-20",
        "GlobalStandard",
        1,
    )
    lines = [
        CostLine(date(2026, 10, 2), bad.account_id, METERS[0], "m", Decimal(1), Decimal(1), "USD")
    ]
    assert_same(OCT, lines, [], [InventorySnapshot(datetime(2026, 10, 1, tzinfo=UTC), (bad,))])


def scaled(digits: int, exponent: int) -> Decimal:
    """digits x 10**exponent, built exactly (no context rounding)."""
    return Decimal(f"{digits}E{exponent}")


weights = st.lists(
    st.one_of(
        st.integers(0, 10**20),
        st.builds(scaled, st.integers(0, 10**66), st.integers(-64, 3)),
        st.integers(0, 10**6).map(Decimal),
        st.integers(-3, 3),
        st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-0"), Decimal("0E-5")]),
    ),
    min_size=1,
    max_size=12,
)
amounts = st.one_of(
    st.builds(scaled, st.integers(-(10**17), 10**17), st.integers(-40, 5)),
    st.sampled_from(
        [
            Decimal("-0"),
            Decimal("0E-20"),
            Decimal("1E+3"),
            Decimal("-5E-40"),
            Decimal("NaN"),
            Decimal("-Infinity"),
        ]
    ),
)


@settings(max_examples=500, deadline=None)
@given(amounts, weights)
def test_split_by_weights_matches_the_reference_split(
    amount: Decimal, given_weights: list[Decimal | int]
) -> None:
    def run(split: Callable[[Decimal, list[Decimal | int]], list[Decimal]]) -> object:
        try:
            return [p.as_tuple() for p in split(amount, given_weights)]
        except Exception as error:
            return ("error", type(error), str(error))

    assert run(split_by_weights) == run(reference_split)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(property_snapshots())
def test_the_running_deployments_of_every_day_are_found_at_once(
    snaps: list[InventorySnapshot],
) -> None:
    timeline = DeploymentTimeline.build(snaps)
    days = list(OCT.window.days())
    assert timeline.running(days) == {day: timeline.on(day) for day in days}


def test_shares_built_in_the_hot_loop_are_ordinary_allocated_lines() -> None:
    """The token path sets a share's fields without the frozen dataclass's __init__: that is only
    sound while AllocatedLine has no __post_init__, no slots and its fields in this order."""
    made = Tenant.generate(deployments=20, days=2, meters=TOKEN_METERS)
    result = allocate_period(made.period, made.lines, made.usage, made.snapshots, CATALOGUE)
    assert result.allocated
    assert not hasattr(AllocatedLine, "__post_init__") and not hasattr(AllocatedLine, "__slots__")
    for share in result.allocated[:50]:
        built = AllocatedLine(**{f.name: getattr(share, f.name) for f in fields(AllocatedLine)})
        assert share == built and hash(share) == hash(built) and repr(share) == repr(built)
        assert list(vars(share)) == [f.name for f in fields(AllocatedLine)]
