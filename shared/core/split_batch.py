"""The period's lines split by usage (token and per-unit meters), split all at once.

The allocation's rules decide, line by line, which candidates a line has and which usage
field weighs them (rule 3); the weighing and the exact split are the same arithmetic for every
such line, so they are done here for the whole period in a few array operations: the usage as
one int64 table (field x day x candidate), the lines' candidates gathered from it, the lines
nobody used found, and every split apportioned at once (`batch_split.apportion_many`, exact).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.core.allocated_lines import Carrier, ShareColumns
from shared.core.batch_split import apportion_many
from shared.core.costs import CostLine
from shared.core.meters import TokenKind
from shared.core.money import split_units
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
    `carriers` (what a share names)."""

    def __init__(self, days: Sequence[date], keys: Sequence[str], carriers: Sequence[Carrier]):
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

    def settle(self, usage: Sequence[UsageRecord]) -> SettledSplits:
        """Weigh and split every line by `usage` (records of the batch's days; InvalidInput for
        negative usage in a line to split, or an amount that is not finite)."""
        if not self.lines:
            return SettledSplits(None, [])
        import numpy as np

        ordinals, lines = self.ordinals, self.lines
        kinds, fields, groups = zip(*self.routes, strict=True)
        count = len(lines)
        amounts = list(map(split_units, map(_COST, lines)))  # (negative, quanta, exponent)
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
            [amounts[i][1] for i in used_lines], owner, weights[kept], totals[used]
        )
        columns = ShareColumns(
            ordinals=[ordinals[i] for i in used_lines],
            lines=[lines[i] for i in used_lines],
            kinds=[kinds[i] for i in used_lines],
            amounts=[amounts[i] for i in used_lines],
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
        when a sum could leave int64. The records (of the batch's days) are read by C-level
        maps; Python runs once per deployment, not once per record."""
        import numpy as np

        days, width = self.days, len(self.columns)
        pairs = list(map(_PAIR, usage))
        first = dict(zip(pairs, usage, strict=True))  # a record of each (account, deployment)
        column = {pair: self.columns.get(id_key(r.deployment_id), -1) for pair, r in first.items()}
        columns = np.fromiter(map(column.__getitem__, pairs), np.int64, len(pairs))
        known = columns >= 0  # records of deployments no line is split onto: left out
        day_of = np.fromiter(map(days.__getitem__, map(_DATE, usage)), np.int64, len(pairs))
        at = (day_of * width + columns)[known]
        values = _values([list(map(_FIELDS[field.value], usage)) for field in wanted], known)
        size = len(days) * width
        table = np.zeros(3 * size, dtype=values.dtype)
        slots = np.concatenate([at + field.value * size for field in wanted])
        if not len(at) or np.bincount(at).max() == 1:  # one record a deployment-day: placed
            table[slots] = values.reshape(-1)
        else:  # records to merge: summed (unbuffered, slower)
            np.add.at(table, slots, values.reshape(-1))
        return table


_COST = attrgetter("cost")
_PAIR = attrgetter("account_id", "deployment")
_DATE = attrgetter("date")
_FIELDS = (attrgetter("input_tokens"), attrgetter("output_tokens"), attrgetter("requests"))


def _values(fields: list[list[int]], known: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The fields' values of the known records, one row per field: int64 when every sum of them
    stays within it, else Python integers (dtype object)."""
    import numpy as np

    try:
        values = np.array(fields, dtype=np.int64).reshape(len(fields), -1)
    except OverflowError:
        return np.array(fields, dtype=object).reshape(len(fields), -1)[:, known]
    values = values[:, known]
    largest = float(np.abs(values, dtype=np.float64).max()) if values.size else 0.0
    if largest * (values.shape[1] + 1) >= INT64_SAFE:
        return np.array(fields, dtype=object).reshape(len(fields), -1)[:, known]
    return values


def _positive(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    import numpy as np

    return np.asarray(values > 0, dtype=bool)
