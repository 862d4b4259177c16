"""Callers of a shared deployment: its allocated cost split between the callers that drove it.

The allocation (shared/core/allocation.py) splits an account's bill onto deployments; this module
splits one deployment's published daily rows (`DailyCost`) further, between the callers of ONE
caller kind (APIM subscriptions, APIM products or App Insights roles: `CallerKind`) and an
`unattributed` rest (the caller None), with the same rules as the allocation.

The split rule
--------------
For one deployment and day, each cost row is split by the measure its meter is driven by
(`basis_of`, as the allocation weighs deployments):

| meter (`TokenKind`)                      | `MeterBasis`    | measure                     |
| ---------------------------------------- | --------------- | --------------------------- |
| input, cached input, cache write         | INPUT_TOKENS    | prompt (input) tokens       |
| output                                   | OUTPUT_TOKENS   | completion (output) tokens  |
| PTU hours, fine-tuning hosting hours     | TOTAL_TOKENS    | input + output tokens       |
| anything else (images, audio, other)     | REQUESTS        | requests                    |

For a measure, D = max(the deployment's own measure that day from Azure Monitor (`UsageRecord`),
the sum of its callers' logged measures). Each caller weighs its measure, `unattributed` weighs
D - sum(callers); when D = 0 everything is unattributed. Logs and metrics are two counts of the
same calls: when the logs count more than Azure Monitor (sampling, clock skew), the callers share
the whole cost and nothing is unattributed; they never get more than the cost.

Every row is split on its own, exactly (`split_by_weights`, largest remainder at 1e-12), so
every caller's cent is traceable to a bill line; the parts are then summed per caller. A credit
(a negative row) splits like a charge, with the same signs. The unattributed share carries
max(0, deployment measure - callers' sum) tokens and requests of each measure.

Invariant: the callers' cost + the unattributed cost == the deployment's cost, exactly, for every
day (and price basis: the rows are of one published allocation).

Worked example. On 2026-11-03 `chat-shared` carries two rows: 3.00 USD of input tokens and
1.00 USD of output tokens. Azure Monitor counts 1,000 input and 400 output tokens; the APIM logs
count subscription `a` with 600 input / 100 output tokens and `b` with 200 input / 100 output.

- input: D = max(1000, 600 + 200) = 1000, weights 600 / 200 / 200: 1.80 / 0.60 / 0.60;
- output: D = max(400, 100 + 100) = 400, weights 100 / 100 / 200: 0.25 / 0.25 / 0.50;
- so `a` carries 2.05, `b` 0.85 and unattributed 1.10 (200 input and 200 output tokens):
  2.05 + 0.85 + 1.10 = 4.00, the deployment's cost.

Had the logs counted 1,200 input tokens for `a` (more than Azure Monitor), the input row would
split by D = 1200 + 200 = 1400: `a` 3.00 x 1200/1400, `b` 3.00 x 200/1400, unattributed 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from shared.core.callers import Caller, CallerKind, CallerUsage
from shared.core.metered import Tokens
from shared.core.meters import TokenKind
from shared.core.money import ZERO, in_money_context, split_by_weights
from shared.core.reports import DailyCost
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from shared.core.use_cases import UseCase


class MeterBasis(Enum):
    """The measure a meter's cost is split between callers by."""

    INPUT_TOKENS = "inputTokens"
    OUTPUT_TOKENS = "outputTokens"
    TOTAL_TOKENS = "totalTokens"
    REQUESTS = "requests"


CAPACITY_KINDS = (TokenKind.PTU_HOUR, TokenKind.HOSTING_HOUR)


def basis_of(kind: TokenKind) -> MeterBasis:
    """The measure a meter of this token kind is split by (see the module docstring)."""
    if kind.is_input_side:
        return MeterBasis.INPUT_TOKENS
    if kind is TokenKind.OUTPUT:
        return MeterBasis.OUTPUT_TOKENS
    if kind in CAPACITY_KINDS:
        return MeterBasis.TOTAL_TOKENS
    return MeterBasis.REQUESTS


@dataclass(frozen=True)
class CallerShare(Tokens):
    """One caller's (None: the unattributed rest's) share of one deployment's cost on one day.

    A caller's tokens and requests are the ones its logs count; the unattributed share's are
    what Azure Monitor counts beyond the callers (never negative).
    """

    date: date
    deployment_id: str
    caller: Caller | None  # None: the unattributed rest
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int


@dataclass(frozen=True)
class CallerTotals(Tokens):
    """A caller's (None: unattributed) shares summed over a period; `days` is how many days
    have a share of it."""

    caller: Caller | None
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    days: int


@dataclass(frozen=True)
class _Measures:
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0

    def of(self, basis: MeterBasis) -> int:
        if basis is MeterBasis.INPUT_TOKENS:
            return self.input_tokens
        if basis is MeterBasis.OUTPUT_TOKENS:
            return self.output_tokens
        if basis is MeterBasis.TOTAL_TOKENS:
            return self.input_tokens + self.output_tokens
        return self.requests

    def plus(self, input_tokens: int, output_tokens: int, requests: int) -> _Measures:
        return _Measures(
            self.input_tokens + input_tokens,
            self.output_tokens + output_tokens,
            self.requests + requests,
        )


@in_money_context
def split_deployment(
    deployment_id: str,
    rows: Sequence[DailyCost],
    usage: Sequence[UsageRecord],
    callers: Sequence[CallerUsage],
    kind: CallerKind,
) -> list[CallerShare]:
    """The deployment's cost split between its callers of `kind` and the unattributed rest, per
    day (module docstring). `rows`, `usage` and `callers` may hold other deployments' items
    (ids compare case-insensitively) and callers of other kinds: they are ignored.

    Every day with a row, Azure Monitor usage or caller usage of the deployment has one share
    per caller with usage that day (cost 0 on a day without rows) and one unattributed share
    when anything is left to it (cost or tokens or requests); ordered by day, then caller
    (kind, name), the unattributed share last.
    """
    key = id_key(deployment_id)
    day_rows: dict[date, list[DailyCost]] = defaultdict(list)
    for row in rows:
        if row.deployment_key is not None and id_key(row.deployment_id) == key:
            day_rows[row.date].append(row)
    monitor: dict[date, _Measures] = defaultdict(_Measures)
    for rec in usage:
        if id_key(rec.deployment_id) == key:
            monitor[rec.date] = monitor[rec.date].plus(
                rec.input_tokens, rec.output_tokens, rec.requests
            )
    logged: dict[date, dict[Caller, _Measures]] = defaultdict(dict)
    for call in callers:
        if call.caller.kind is kind and id_key(call.deployment_id) == key:
            seen = logged[call.date].get(call.caller, _Measures())
            logged[call.date][call.caller] = seen.plus(
                call.input_tokens, call.output_tokens, call.requests
            )
    shares: list[CallerShare] = []
    for day in sorted(set(day_rows) | set(monitor) | set(logged)):
        shares += _split_day(
            day, deployment_id, day_rows.get(day, []), monitor.get(day, _Measures()), logged[day]
        )
    return shares


def _split_day(
    day: date,
    deployment_id: str,
    rows: Sequence[DailyCost],
    monitor: _Measures,
    logged: dict[Caller, _Measures],
) -> list[CallerShare]:
    order = sorted(logged, key=lambda c: (c.kind.value, c.name))
    costs = [ZERO] * (len(order) + 1)  # the callers', then the unattributed rest's
    for row in rows:
        basis = basis_of(row.kind or TokenKind.OTHER)  # allocated rows always carry their kind
        weights = [logged[c].of(basis) for c in order]
        measured = sum(weights)
        weights.append(max(monitor.of(basis), measured) - measured)
        if sum(weights) == 0:  # nobody measured anything: all unattributed
            costs[-1] += row.cost
            continue
        for i, part in enumerate(split_by_weights(row.cost, weights)):
            costs[i] += part
    shares = [
        CallerShare(
            day,
            deployment_id,
            caller,
            cost,
            logged[caller].input_tokens,
            logged[caller].output_tokens,
            logged[caller].requests,
        )
        for caller, cost in zip(order, costs, strict=False)
    ]
    callers_sum = _Measures()
    for m in logged.values():
        callers_sum = callers_sum.plus(m.input_tokens, m.output_tokens, m.requests)
    rest_in = max(0, monitor.input_tokens - callers_sum.input_tokens)
    rest_out = max(0, monitor.output_tokens - callers_sum.output_tokens)
    rest_requests = max(0, monitor.requests - callers_sum.requests)
    if costs[-1] != 0 or rest_in or rest_out or rest_requests:
        shares.append(
            CallerShare(day, deployment_id, None, costs[-1], rest_in, rest_out, rest_requests)
        )
    return shares


@in_money_context
def caller_totals(shares: Iterable[CallerShare]) -> list[CallerTotals]:
    """Shares summed per caller (across every deployment and day given), the largest cost
    first, then by caller (kind, name); the unattributed rest last."""
    cost: dict[Caller | None, Decimal] = {}
    counts: dict[Caller | None, list[int]] = {}
    days: dict[Caller | None, set[date]] = {}
    for share in shares:
        cost[share.caller] = cost.get(share.caller, ZERO) + share.cost
        totals = counts.setdefault(share.caller, [0, 0, 0])
        totals[0] += share.input_tokens
        totals[1] += share.output_tokens
        totals[2] += share.requests
        days.setdefault(share.caller, set()).add(share.date)
    found = []
    for caller, amount in cost.items():
        t_in, t_out, reqs = counts[caller]
        found.append(CallerTotals(caller, amount, t_in, t_out, reqs, len(days[caller])))
    return sorted(
        found,
        key=lambda t: (
            t.caller is None,
            -t.cost,
            ("", "") if t.caller is None else (t.caller.kind.value, t.caller.name),
        ),
    )


def sliced_kinds(deployment_id: str, use_cases: Iterable[UseCase]) -> list[CallerKind]:
    """The caller kinds use cases slice this deployment by, in CallerKind order."""
    key = id_key(deployment_id)
    kinds = {
        kind
        for use_case in use_cases
        for entry in use_case.deployments
        if id_key(entry.deployment_id) == key
        for kind, _names in entry.callers
    }
    return [k for k in CallerKind if k in kinds]


def default_kind(
    deployment_id: str, use_cases: Iterable[UseCase], callers: Iterable[CallerUsage]
) -> CallerKind | None:
    """The kind to split a deployment by when none is asked: the kind use cases slice it by
    (the first in CallerKind order if they slice it by several), else the first kind in
    CallerKind order that has caller usage for it, else None."""
    sliced = sliced_kinds(deployment_id, use_cases)
    if sliced:
        return sliced[0]
    key = id_key(deployment_id)
    used = {c.caller.kind for c in callers if id_key(c.deployment_id) == key}
    return next((k for k in CallerKind if k in used), None)
