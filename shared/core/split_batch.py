"""The period's lines split by usage (token and per-unit meters), split all at once.

The allocation's rules decide, line by line, which candidates a line has and which usage
field weighs them (rule 3); the weighing and the exact split are the same arithmetic for every
such line, so they are done here for the whole period in a few array operations: the usage as
one int64 table (field x day x candidate), the lines' candidates gathered from it, the lines
nobody used found, and every split apportioned at once (`batch_split.apportion_many`, exact).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from itertools import chain, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.core.allocated_lines import ShareColumns
from shared.core.arm_ids import deployment_id
from shared.core.batch_split import apportion_many
from shared.core.costs import CostLine
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import AmountColumns
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput

if TYPE_CHECKING:
    import numpy.typing as npt

INT64_SAFE = 2**62


class UsageField(Enum):
    """What weighs a line split by usage (rule 3)."""

    INPUT_TOKENS = 0
    OUTPUT_TOKENS = 1
    REQUESTS = 2

    @classmethod
    def of(cls, kind: TokenKind) -> UsageField:
        if kind.is_input_side:
            return cls.INPUT_TOKENS
        return cls.OUTPUT_TOKENS if kind is TokenKind.OUTPUT else cls.REQUESTS


class SplitRoute(NamedTuple):
    """Lines split by usage: their meter's kind, the `UsageField` value that weighs them and the
    numbers of their candidates (a named tuple: looked up for every line of the period)."""

    kind: TokenKind
    field: int
    numbers: tuple[int, ...]


@dataclass(frozen=True)
class SettledSplits:
    """The shares of every line that was used, and the ordinals of those nobody used."""

    columns: ShareColumns | None
    unused: list[int]


class SplitBatch:
    """Lines waiting to be split by usage. Candidates are numbers into `keys` (their usage
    lookup keys, `id_key` of the deployment id: two records of one deployment share theirs) and
    `carriers` (the deployments the shares name)."""

    def __init__(self, days: Sequence[date], keys: Sequence[str], carriers: Sequence[Deployment]):
        self.days = {day: i for i, day in enumerate(days)}
        self.columns: dict[str, int] = {}  # a usage key's column in the usage table
        self.column_of = [self.columns.setdefault(key, len(self.columns)) for key in keys]
        self.carriers = carriers
        self.ordinals: list[int] = []
        self.lines: list[CostLine] = []
        self.routes: list[SplitRoute] = []

    def extend(self, ordinals: list[int], lines: list[CostLine], routes: list[SplitRoute]) -> None:
        """Lines `ordinals` of the period, each split as its route says."""
        self.ordinals.extend(ordinals)
        self.lines.extend(lines)
        self.routes.extend(routes)

    def settle(self, usage: Sequence[UsageRecord], amounts: AmountColumns) -> SettledSplits:
        """Weigh and split every line by `usage` (the records of other days are left out;
        InvalidInput for negative usage in a line to split). `amounts` are the period's lines'
        costs, by ordinal."""
        if not self.lines:
            return SettledSplits(None, [])
        import numpy as np

        ordinals, lines = self.ordinals, self.lines
        kinds, fields, groups = zip(*self.routes, strict=True)
        count = len(lines)
        line_quanta, exponents = amounts.quanta, amounts.exponents
        day_of = np.fromiter(map(self.days.__getitem__, map(_DATE, lines)), np.int64, count)
        slots = (np.array(fields, dtype=np.int64) * len(self.days) + day_of) * len(self.columns)
        table = self._usage_table(usage, [UsageField(f) for f in sorted(set(fields))])
        lengths = np.fromiter(map(len, groups), np.int64, count)
        owners = np.repeat(np.arange(count), lengths)
        numbers = np.fromiter(chain.from_iterable(groups), np.int64, int(lengths.sum()))
        column = np.array(self.column_of, dtype=np.int64)[numbers]
        weights = table[np.repeat(slots, lengths) + column]
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        totals = np.add.reduceat(weights, starts)
        used = _positive(totals)
        if (used[owners] & np.asarray(weights < 0, dtype=bool)).any():
            raise InvalidInput("weights", "must be non-negative with a positive sum")
        kept = used[owners] & _positive(weights)
        compact = np.cumsum(used) - 1  # a used line's index among the used lines
        unused = [ordinals[i] for i in np.flatnonzero(~used).tolist()]
        used_lines = np.flatnonzero(used).tolist()
        if not used_lines:
            return SettledSplits(None, unused)
        owner = compact[owners[kept]]
        quanta = apportion_many(
            [abs(line_quanta[ordinals[i]]) for i in used_lines], owner, weights[kept], totals[used]
        )
        columns = ShareColumns(
            ordinals=[ordinals[i] for i in used_lines],
            lines=[lines[i] for i in used_lines],
            kinds=[kinds[i] for i in used_lines],
            amounts=[line_quanta[ordinals[i]] for i in used_lines],
            exponents=[exponents[ordinals[i]] for i in used_lines],
            carriers=self.carriers,
            line=owner,
            carrier=numbers[kept],
            quanta=quanta,
            weight=weights[kept],
        )
        return SettledSplits(columns, unused)

    def _usage_table(
        self, usage: Sequence[UsageRecord], wanted: Sequence[UsageField]
    ) -> npt.NDArray[Any]:
        """Each candidate's usage per field and day (the `wanted` fields; the others are 0),
        merged (summed) as `merge_usage` does, in int64, or in Python integers (dtype object)
        when a sum could leave int64. The records of the batch's days are read by C-level maps;
        Python runs once per deployment, not once per record."""
        import numpy as np

        count, width = len(usage), len(self.columns)
        # A number per distinct (account id, deployment) as spelled (its first record's place),
        # then each number's column: the deployment id keyed once per pair, not per record.
        numbers: dict[tuple[str, str], int] = {}
        pairs = zip(map(_ACCOUNT, usage), map(_NAME, usage), strict=True)
        number = np.fromiter(map(numbers.setdefault, pairs, itertools.count()), np.int64, count)
        column_of = np.full(count, -1, dtype=np.int64)
        column_of[list(numbers.values())] = [
            self.columns.get(id_key(deployment_id(*pair)), -1) for pair in numbers
        ]
        columns = column_of[number]
        day_of = np.fromiter(map(self.days.get, map(_DATE, usage), repeat(-1)), np.int64, count)
        # Records of deployments no line is split onto, or of other days: left out.
        known = np.flatnonzero((columns >= 0) & (day_of >= 0))
        at = (day_of * width + columns)[known]
        values = _values(usage, wanted, known)
        size = len(self.days) * width
        table = np.zeros(3 * size, dtype=values.dtype)
        slots = np.concatenate([at + field.value * size for field in wanted])
        if not len(at) or np.bincount(at).max() == 1:  # one record a deployment-day: placed
            table[slots] = values.reshape(-1)
        else:  # records to merge: summed (unbuffered, slower)
            np.add.at(table, slots, values.reshape(-1))
        return table


_ACCOUNT = attrgetter("account_id")
_NAME = attrgetter("deployment")
_DATE = attrgetter("date")
_FIELDS = (attrgetter("input_tokens"), attrgetter("output_tokens"), attrgetter("requests"))


def _values(
    usage: Sequence[UsageRecord], wanted: Sequence[UsageField], known: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """The `wanted` fields of the `known` records (indices), one row per field: int64 when
    every sum of them stays within it, else Python integers (dtype object)."""
    import numpy as np

    getters = [_FIELDS[field.value] for field in wanted]
    try:
        values = np.stack([np.fromiter(map(get, usage), np.int64, len(usage)) for get in getters])
    except OverflowError:
        return _exact_values(usage, getters, known)
    values = values[:, known]
    largest = float(np.abs(values, dtype=np.float64).max()) if values.size else 0.0
    if largest * (values.shape[1] + 1) >= INT64_SAFE:
        return _exact_values(usage, getters, known)
    return values


def _exact_values(
    usage: Sequence[UsageRecord], getters: list[attrgetter[int]], known: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    import numpy as np

    fields = [list(map(get, usage)) for get in getters]
    return np.array(fields, dtype=object).reshape(len(fields), -1)[:, known]


def _positive(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    import numpy as np

    return np.asarray(values > 0, dtype=bool)
