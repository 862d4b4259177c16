"""Cheaper models of the same family: data, one table, for CHEAPER_MODEL
(shared/core/detectors_models.py).

A row names a model (an ARM model name, any case) and the smaller models of its family, released
with it or after it for the same API, that a short-output workload (classification, extraction,
routing) can often move to. The table only names candidates: whether one is cheaper is priced by
`what_if` from the price book (the list prices in azure-cost-facts.md section 4.4 show each is),
and whether its answers are good enough is not known here (the finding says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Alternatives:
    """A model, its cheaper models of the same family (smallest last), and why."""

    model: str
    cheaper: tuple[str, ...]
    rationale: str


# fmt: off
ROWS: tuple[Alternatives, ...] = (
    Alternatives("gpt-4o", ("gpt-4o-mini",),
                 "gpt-4o-mini is the small model of the gpt-4o generation (same API, text and "
                 "images); list 0.00015/0.0006 vs 0.0025/0.01 per 1K (cost facts 4.4)"),
    Alternatives("gpt-4.1", ("gpt-4.1-mini", "gpt-4.1-nano"),
                 "gpt-4.1-mini and -nano were released with gpt-4.1 (2025-04-14) as its smaller "
                 "sizes; list 0.0004 and 0.0001 vs 0.002 input per 1K (cost facts 4.4)"),
    Alternatives("gpt-5", ("gpt-5-mini", "gpt-5-nano"),
                 "gpt-5-mini and -nano were released with gpt-5 (2025-08-07) as its smaller "
                 "sizes (model-retirements table, versions 2025-08-07)"),
    Alternatives("gpt-5-mini", ("gpt-5-nano",),
                 "gpt-5-nano is the smallest size of the gpt-5 release (2025-08-07)"),
    Alternatives("o3", ("o4-mini",),
                 "o4-mini is the small reasoning model released with o3 (2025-04-16); list "
                 "0.0011/0.0044 vs 0.002/0.008 per 1K (cost facts 4.4)"),
)
# fmt: on

ALTERNATIVES: Mapping[str, Alternatives] = MappingProxyType(
    {row.model.lower(): row for row in ROWS}
)


def cheaper_models(model: str) -> Alternatives | None:
    """The row of an ARM model name (any case), or None for a model the table does not have."""
    return ALTERNATIVES.get(model.strip().lower())
