"""Unit-cost targets and what evaluating them yields: the records every layer shares.

A target watches one metric of one scope in one price basis ("support-bot at most 0.04 USD per
resolved query, actual cost"). Each allocation of a period evaluates it: the observed value so
far, a forecast to the end of the period, a state, and the drivers of the change against the
previous period (shared/core/forecast.py, drivers.py, target_evaluation.py). A change of state is
a `Transition`, sent once as a CloudEvent (docs/targets.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from shared.core.costs import CostType
from shared.core.money import in_money_context
from shared.core.period import BillingPeriod


class ScopeKind(StrEnum):
    DEPLOYMENT = "deployment"
    USE_CASE = "useCase"
    ACCOUNT = "account"
    TENANT = "tenant"


class Metric(StrEnum):
    COST_PER_1K_TOKENS = "costPer1kTokens"
    COST_PER_1K_INPUT_TOKENS = "costPer1kInputTokens"
    COST_PER_1K_OUTPUT_TOKENS = "costPer1kOutputTokens"
    COST_PER_REQUEST = "costPerRequest"
    COST_PER_OUTCOME = "costPerOutcome"
    PERIOD_COST = "periodCost"


class TargetState(StrEnum):
    OK = "ok"
    AT_RISK = "at-risk"
    BREACHED = "breached"
    NO_DATA = "no-data"


@dataclass(frozen=True)
class TargetScope:
    """What a target watches: a deployment or an account (its ARM id as the inventory spells
    it), a use case (its name), or the whole tenant (`value` "")."""

    kind: ScopeKind
    value: str = ""


@dataclass(frozen=True)
class Target:
    id: str
    scope: TargetScope
    metric: Metric
    threshold: Decimal  # in the billing currency (per unit for unit costs), read exactly
    warning_ratio: Decimal  # at risk once the observed value reaches warning_ratio x threshold
    cost_type: CostType = CostType.AMORTIZED
    scope_written: str = ""  # the scope's value as the user wrote it (an id or a key)


@dataclass(frozen=True)
class Component:
    """One part of a scope on one day or over a period (a deployment, or a use case's member):
    what the drivers tell apart as mix."""

    key: str
    cost: Decimal
    input_cost: Decimal
    output_cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int


@dataclass(frozen=True)
class ScopeTotals:
    """A scope's components summed over some days, and its outcomes (None: no outcome data)."""

    components: tuple[Component, ...]
    outcomes: int | None = None


@dataclass(frozen=True)
class ScopeDay:
    date: date
    components: tuple[Component, ...]
    outcomes: int | None = None  # None: no outcome data that day


@dataclass(frozen=True)
class ScopeSeries:
    """A scope's days of one period and price basis (the days allocated so far, in order), and
    whether the period has all its days (`complete`: nothing left to forecast)."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    days: tuple[ScopeDay, ...]
    complete: bool


@dataclass(frozen=True)
class Forecast:
    """The metric's projected value at the end of the period, with a range (low <= value <=
    high); for a complete period all three are the observed value."""

    value: Decimal
    low: Decimal
    high: Decimal
    method: str  # e.g. "observed" or "weekday profile over 12 observed days"


class DriverKind(StrEnum):
    VOLUME = "volume"  # units per outcome/request: prompts grew, more calls per outcome
    MIX = "mix"  # the shares of the components (a cheaper or dearer deployment took traffic)
    PRICE = "price"  # the price per token within each component (a new price, idle PTU)
    REST = "rest"  # the interaction of the others: what makes the effects add up exactly


@dataclass(frozen=True)
class Driver:
    kind: DriverKind
    label: str  # what it measures, e.g. "tokens per outcome"
    effect: Decimal  # in the metric's unit (currency per unit, or currency for periodCost)
    share: Decimal | None  # effect / the previous value (None when that is 0)


@dataclass(frozen=True)
class Drivers:
    """The change of a metric from `previous` to `current`, as effects that add up to it."""

    previous: Decimal
    current: Decimal
    effects: tuple[Driver, ...]

    @property
    @in_money_context
    def change(self) -> Decimal:
        return self.current - self.previous


@dataclass(frozen=True)
class Evaluation:
    """One target evaluated for one period."""

    target: Target
    period: BillingPeriod
    currency: str
    state: TargetState
    observed: Decimal | None
    forecast: Forecast | None
    reason: str | None  # why no-data, or what crossed what
    totals: ScopeTotals  # what it was computed from (the next evaluation's drivers start here)
    vs_previous_period: Drivers | None = None
    vs_previous_evaluation: Drivers | None = None


@dataclass(frozen=True)
class Transition:
    """A change of a target's state for a period (`previous` None: its first evaluation)."""

    target_id: str
    period: BillingPeriod
    at: datetime
    state: TargetState
    previous: TargetState | None
    evaluation: Evaluation


@dataclass(frozen=True)
class StoredEvaluation:
    """An evaluation as stored, with when it ran and the store's version of it (its ETag)."""

    evaluation: Evaluation
    evaluated_at: datetime
    version: str


@dataclass(frozen=True)
class OutboxEvent:
    """A CloudEvent waiting to be sent: its id (stable: the same transition, the same id),
    type (`UnitCost.Target.AtRisk`, ...), subject (`targets/{id}`), time and its data as JSON
    text (amounts as the API presents them)."""

    id: str
    type: str
    subject: str
    time: datetime
    data_json: str
