"""A target's observed value and its forecast to the end of the period.

What each metric divides (`observed`)
-------------------------------------
A metric is a numerator (a cost) over a denominator (units), summed over the scope's components:

| metric | numerator | denominator |
| --- | --- | --- |
| costPer1kTokens | cost | input + output tokens (x 1000) |
| costPer1kInputTokens | input-side cost | input tokens (x 1000) |
| costPer1kOutputTokens | output cost | output tokens (x 1000) |
| costPerRequest | cost | requests |
| costPerOutcome | cost | outcomes |
| periodCost | cost | (none: the value is the cost) |

A zero denominator gives None, never zero or infinity (`unit_costs.per_unit`). costPerOutcome
divides the cost of the totals it is given by their outcomes: it is the cost per outcome only
when those totals are of the days WITH outcome data, so build them with `outcome_totals(days)`
(or `totals_for(metric, days)`, which picks it for costPerOutcome), never with `totals_of`, whose
cost also counts days without outcome data (as `use_case_economics.outcome_cost` does).

The forecast (`forecast`)
-------------------------
For a complete period, or an open one whose last day is already observed, the forecast is the
observed value (value = low = high, method "observed"). For an open period, every remaining day
(the days after the last observed day through the period's end) is projected, and the forecast
is the metric of the observed plus the projected totals: a ratio of sums, not a mean of ratios.

* Weekday profile (at least 7 observed days): a remaining day is projected as the mean day of the
  observed days of the same weekday (their mean numerator and mean denominator), so a quiet
  weekend stays quiet; a weekday not observed yet gets the mean of all observed days.
* Flat daily mean (fewer than 7 observed days): every remaining day is the mean observed day.
* Range: `low` (`high`) projects every remaining day with the lowest (highest) ratio of an
  observed day of its group (its weekday; all observed days for the flat mean, hence a wider
  range), at the group's mean denominator: the price per unit varies, the volume does not. For
  periodCost it is the group's lowest (highest) day cost. A group whose days have no denominator
  (cost without tokens) projects its mean cost in all three. So low <= value <= high, always.

Observed days run from the first to the last day of the series: a day between them that the
series does not list counts as observed with no cost and no usage (an idle weekend). For
costPerOutcome the observed days are the days with outcome data, and the remaining days are
assumed to have some. Divisions run in the money context (64 digits), deterministically.

Worked example (a test in tests/unit/test_forecast.py): periodCost in October 2026 (1 October is
a Thursday), 100.00 USD every Monday to Friday and 20.00 USD every Saturday and Sunday, 10 days
observed (1-10 October: 7 weekdays and 3 weekend days, 760.00). The 21 days left are 15 weekdays
and 6 weekend days, projected at 100.00 and 20.00: 1,620.00, so the forecast is 2,380.00, the
month's actual total; a flat run-rate would say 760.00 / 10 x 31 = 2,356.00. Had the two
observed Thursdays cost 90.00 and 110.00, the three Thursdays left would be projected at 100.00
each, 90.00 each (low) and 110.00 each (high): a range of 2,350.00 to 2,410.00.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.core.money import ZERO, in_money_context
from shared.core.target_records import (
    Component,
    Forecast,
    Metric,
    ScopeDay,
    ScopeSeries,
    ScopeTotals,
)
from shared.core.unit_costs import per_unit

THOUSAND = Decimal(1000)
ONE = Decimal(1)
PROFILE_MIN_DAYS = 7  # observed days a weekday profile needs (each weekday seen once)

_PER_1K = frozenset(
    {Metric.COST_PER_1K_TOKENS, Metric.COST_PER_1K_INPUT_TOKENS, Metric.COST_PER_1K_OUTPUT_TOKENS}
)


def is_per_1k(metric: Metric) -> bool:
    """Whether the metric is a cost per 1K tokens (its denominator is its tokens)."""
    return metric in _PER_1K


def metric_scale(metric: Metric) -> Decimal:
    """1000 for the per-1K metrics, else 1."""
    return THOUSAND if is_per_1k(metric) else ONE


def metric_cost(metric: Metric, component: Component) -> Decimal:
    """The part of a component's cost the metric divides: its input-side cost for
    costPer1kInputTokens, its output cost for costPer1kOutputTokens, else its whole cost."""
    if metric is Metric.COST_PER_1K_INPUT_TOKENS:
        return component.input_cost
    if metric is Metric.COST_PER_1K_OUTPUT_TOKENS:
        return component.output_cost
    return component.cost


def metric_tokens(metric: Metric, component: Component) -> int:
    """The tokens that carry the metric's cost: input tokens for costPer1kInputTokens, output
    tokens for costPer1kOutputTokens, else input + output tokens."""
    if metric is Metric.COST_PER_1K_INPUT_TOKENS:
        return component.input_tokens
    if metric is Metric.COST_PER_1K_OUTPUT_TOKENS:
        return component.output_tokens
    return component.input_tokens + component.output_tokens


def metric_units(metric: Metric, totals: ScopeTotals) -> int | None:
    """The metric's denominator over the totals: tokens (per-1K metrics), requests, outcomes
    (None without outcome data); None for periodCost, which has none."""
    if metric is Metric.PERIOD_COST:
        return None
    if metric is Metric.COST_PER_OUTCOME:
        return totals.outcomes
    if metric is Metric.COST_PER_REQUEST:
        return sum(c.requests for c in totals.components)
    return sum(metric_tokens(metric, c) for c in totals.components)


@in_money_context
def metric_numerator(metric: Metric, totals: ScopeTotals) -> Decimal:
    """The metric's cost over the totals (exact)."""
    return sum((metric_cost(metric, c) for c in totals.components), ZERO)


@in_money_context
def observed(metric: Metric, totals: ScopeTotals) -> Decimal | None:
    """The metric over the totals: numerator / denominator (x 1000 for per-1K metrics), None
    without a denominator (zero units; costPerOutcome with outcomes None or 0); periodCost is the
    cost. costPerOutcome divides the totals' whole cost: pass `outcome_totals(days)`."""
    cost = metric_numerator(metric, totals)
    if metric is Metric.PERIOD_COST:
        return cost
    units = metric_units(metric, totals)
    if units is None:
        return None
    return per_unit(cost, units, metric_scale(metric))


@in_money_context
def totals_of(days: Sequence[ScopeDay]) -> ScopeTotals:
    """The days' components summed by key (ordered by key), and the outcomes of the days that
    have outcome data (None when no day has). Its cost is that of every day: for costPerOutcome
    use `outcome_totals`."""
    sums: dict[str, Component] = {}
    for day in days:
        for c in day.components:
            acc = sums.get(c.key)
            sums[c.key] = c if acc is None else _plus(acc, c)
    components = tuple(sums[key] for key in sorted(sums))
    counted = [d.outcomes for d in days if d.outcomes is not None]
    return ScopeTotals(components, sum(counted) if counted else None)


def _plus(a: Component, b: Component) -> Component:
    return Component(
        a.key,
        a.cost + b.cost,
        a.input_cost + b.input_cost,
        a.output_cost + b.output_cost,
        a.input_tokens + b.input_tokens,
        a.output_tokens + b.output_tokens,
        a.requests + b.requests,
    )


def outcome_totals(days: Sequence[ScopeDay]) -> ScopeTotals:
    """The totals of only the days with outcome data: what costPerOutcome divides (its cost is
    the cost of those days, its outcomes theirs; no components and outcomes None when no day has
    outcome data)."""
    return totals_of([d for d in days if d.outcomes is not None])


def totals_for(metric: Metric, days: Sequence[ScopeDay]) -> ScopeTotals:
    """The totals the metric is observed over: `outcome_totals` for costPerOutcome, else
    `totals_of`. Use it for an evaluation's totals, so its drivers compare like with like."""
    return outcome_totals(days) if metric is Metric.COST_PER_OUTCOME else totals_of(days)


@dataclass(frozen=True)
class _Point:
    """One observed day as the metric sees it: its numerator and denominator (0 for
    periodCost)."""

    day: date
    numerator: Decimal
    denominator: int


@dataclass(frozen=True)
class _Projection:
    """The numerator and denominator of some projected days, at the mean day, and at the lowest
    and highest day of their group."""

    numerator: Decimal
    low: Decimal
    high: Decimal
    denominator: Decimal


@in_money_context
def forecast(metric: Metric, series: ScopeSeries) -> Forecast | None:
    """The metric projected to the end of the series' period (see the module docstring): the
    observed value for a complete period; None when no day is observed or the projected totals
    have no denominator."""
    days = _merged(series)
    if not days:
        return None
    remaining = _remaining_days(series, days[-1].date)
    if series.complete or not remaining:
        value = observed(metric, totals_for(metric, days))
        return None if value is None else Forecast(value, value, value, "observed")
    points = _points(metric, days)
    if not points:
        return None
    profile = len(points) >= PROFILE_MIN_DAYS
    # group None: all observed days (the flat mean, and a weekday not observed yet)
    groups: dict[int | None, list[_Point]] = defaultdict(list, {None: points})
    if profile:
        for point in points:
            groups[point.day.weekday()].append(point)
    left: dict[int | None, int] = defaultdict(int)
    for day in remaining:
        weekday = day.weekday() if profile else None
        left[weekday if weekday in groups else None] += 1
    projected = [_project(metric, groups[g], m) for g, m in sorted(left.items(), key=_group_order)]
    numerator = sum((p.numerator for p in points), ZERO)
    denominator = Decimal(sum(p.denominator for p in points))
    num = numerator + sum((p.numerator for p in projected), ZERO)
    low = numerator + sum((p.low for p in projected), ZERO)
    high = numerator + sum((p.high for p in projected), ZERO)
    den = denominator + sum((p.denominator for p in projected), ZERO)
    if metric is not Metric.PERIOD_COST:
        if den <= 0:
            return None
        scale = metric_scale(metric)
        num, low, high = (scale * n / den for n in (num, low, high))
    what = "days with outcome data" if metric is Metric.COST_PER_OUTCOME else "days"
    if profile:
        method = (
            f"weekday profile over {len(points)} observed {what}, {len(remaining)} days "
            "projected; range from each weekday's lowest and highest day"
        )
    else:
        method = (
            f"flat daily mean over {len(points)} observed {what} (fewer than "
            f"{PROFILE_MIN_DAYS} for a weekday profile), {len(remaining)} days projected; "
            "wide range from the lowest and highest day"
        )
    return Forecast(num, low, high, method)


def _group_order(item: tuple[int | None, int]) -> int:
    return -1 if item[0] is None else item[0]


def _merged(series: ScopeSeries) -> list[ScopeDay]:
    """The series' days in date order, days listed twice merged; a day outside the period is a
    bug of the caller (ValueError)."""
    by_date: dict[date, list[ScopeDay]] = defaultdict(list)
    for day in series.days:
        if day.date not in series.period.window:
            raise ValueError(f"day {day.date} is outside period {series.period}")
        by_date[day.date].append(day)
    merged = []
    for when in sorted(by_date):
        same = by_date[when]
        if len(same) == 1:
            merged.append(same[0])
        else:
            totals = totals_of(same)
            merged.append(ScopeDay(when, totals.components, totals.outcomes))
    return merged


def _remaining_days(series: ScopeSeries, last: date) -> list[date]:
    day, out = last + timedelta(days=1), []
    while day < series.period.end:
        out.append(day)
        day += timedelta(days=1)
    return out


def _points(metric: Metric, days: list[ScopeDay]) -> list[_Point]:
    """The observed days as the metric sees them: for costPerOutcome the days with outcome data;
    otherwise every day from the first to the last listed, an unlisted one as an empty day."""
    if metric is Metric.COST_PER_OUTCOME:
        return [
            _Point(d.date, metric_numerator(metric, ScopeTotals(d.components)), d.outcomes)
            for d in days
            if d.outcomes is not None
        ]
    listed = {d.date: d for d in days}
    points = []
    day = days[0].date
    while day <= days[-1].date:
        totals = ScopeTotals(listed[day].components if day in listed else ())
        units = metric_units(metric, totals)
        points.append(_Point(day, metric_numerator(metric, totals), units or 0))
        day += timedelta(days=1)
    return points


def _project(metric: Metric, group: list[_Point], count: int) -> _Projection:
    """`count` days projected from a group of observed days: at its mean day, and at its lowest
    and highest day (by the metric's ratio at the mean denominator; by cost for periodCost)."""
    k = len(group)
    numerator = count * sum((p.numerator for p in group), ZERO) / k
    if metric is Metric.PERIOD_COST:
        low = count * min(p.numerator for p in group)
        high = count * max(p.numerator for p in group)
        return _Projection(numerator, low, high, ZERO)
    units = sum(p.denominator for p in group)
    denominator = Decimal(count * units) / k
    rated = [p for p in group if p.denominator > 0]
    if not rated:
        return _Projection(numerator, numerator, numerator, denominator)
    # the lowest / highest day's ratio at the group's mean denominator (never beyond the mean
    # day: days without units add cost the ratio of the others does not see)
    ratios = [(p.numerator * denominator / p.denominator, p) for p in rated]
    low = min(min(r for r, _ in ratios), numerator)
    high = max(max(r for r, _ in ratios), numerator)
    return _Projection(numerator, low, high, denominator)
