"""Provisioned throughput (PTU) facts per model: minimum deployment, scale increment, input tokens
per minute (TPM) per PTU, and how output tokens weigh in PTU utilization: data, one table.

Source: /work/shared/reference/azure-cost-facts.md, section 5, "Minimum deployment and
increments", from S13 (MicrosoftDocs/azure-ai-docs
`articles/ai-foundry/openai/how-to/provisioned-throughput-onboarding.md`, 2026-01-12):

- the minimum and the increment are the same for Global and Data Zone provisioned deployments,
  and differ for Regional ones; `None` where the source says "n/a" (no Regional PTU for Llama or
  DeepSeek);
- "input TPM per PTU": the source's "3,400 (5.2), 4,750 (others)" is 3,400 for gpt-5.2 and
  gpt-5.2-codex, 4,750 for gpt-5.1, gpt-5.1-codex and gpt-5; its "8,450 / 4,000" is 8,450 for
  Llama-3.3-70B-Instruct and 4,000 for the three DeepSeek models;
- output weighting: "for gpt-5, one output token counts as eight input tokens … gpt-4.1, one
  output token counts as four"; "cached tokens are deducted 100% from the utilization". The
  weight is given only for the models the source names (S13's 2025-08-14 text names gpt-5 and
  gpt-5-mini for eight); for the others it is `None` (unknown: the source points at the Foundry
  capacity calculator), never assumed.

Models are ARM model names, compared case-insensitively; versions do not change the row.

Sizing (`size_ptu`): the PTUs a peak load needs, ceil(peak input-TPM equivalent / input TPM per
PTU), rounded up to a deployable size: at least the minimum, then the minimum plus a whole number
of increments (Global gpt-4o: 15, 20, 25, ...; Regional gpt-4o: 50, 100, ...). For o1 Regional,
whose increment (50) exceeds its minimum (25), that gives 25, 75, 125, ...: the source does not
say whether sizes step from the minimum or are multiples of the increment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from types import MappingProxyType

from shared.core.meters import DeploymentType
from shared.core.money import in_money_context

SOURCE = (
    "azure-cost-facts.md, section 5 'Minimum deployment and increments' "
    "(S13: MicrosoftDocs/azure-ai-docs provisioned-throughput-onboarding.md, 2026-01-12)"
)


@dataclass(frozen=True)
class PtuStep:
    """The deployable sizes of one deployment type: `minimum`, then steps of `increment`."""

    minimum: int
    increment: int

    def round_up(self, needed: int) -> int:
        """The smallest deployable size of at least `needed` PTUs."""
        if needed <= self.minimum:
            return self.minimum
        steps = -(-(needed - self.minimum) // self.increment)
        return self.minimum + steps * self.increment


@dataclass(frozen=True)
class PtuFacts:
    """One model's row: sizes per deployment type, input TPM per PTU, output-token weight."""

    model: str
    global_and_data_zone: PtuStep
    regional: PtuStep | None
    input_tpm_per_ptu: int
    output_weight: Decimal | None = None

    def step(self, deployment_type: DeploymentType) -> PtuStep | None:
        """The sizes of the deployment type (None: the model has no such PTU deployment)."""
        if deployment_type is DeploymentType.REGIONAL:
            return self.regional
        return self.global_and_data_zone


def _row(
    model: str,
    global_dz: tuple[int, int],
    regional: tuple[int, int] | None,
    tpm: int,
    output_weight: str | None = None,
) -> PtuFacts:
    return PtuFacts(
        model=model,
        global_and_data_zone=PtuStep(*global_dz),
        regional=PtuStep(*regional) if regional else None,
        input_tpm_per_ptu=tpm,
        output_weight=Decimal(output_weight) if output_weight else None,
    )


# The table of the source, row by row (see the module docstring).
# fmt: off
ROWS: tuple[PtuFacts, ...] = (
    _row("gpt-5.2",                (15, 5),     (50, 50),  3_400),
    _row("gpt-5.2-codex",          (15, 5),     (50, 50),  3_400),
    _row("gpt-5.1",                (15, 5),     (50, 50),  4_750),
    _row("gpt-5.1-codex",          (15, 5),     (50, 50),  4_750),
    _row("gpt-5",                  (15, 5),     (50, 50),  4_750, "8"),
    _row("gpt-5-mini",             (15, 5),     (25, 25), 23_750, "8"),
    _row("gpt-4.1",                (15, 5),     (50, 50),  3_000, "4"),
    _row("gpt-4.1-mini",           (15, 5),     (25, 25), 14_900),
    _row("gpt-4.1-nano",           (15, 5),     (25, 25), 59_400),
    _row("o3",                     (15, 5),     (50, 50),  3_000),
    _row("o4-mini",                (15, 5),     (25, 25),  5_400),
    _row("gpt-4o",                 (15, 5),     (50, 50),  2_500),
    _row("gpt-4o-mini",            (15, 5),     (25, 25), 37_000),
    _row("o3-mini",                (15, 5),     (25, 25),  2_500),
    _row("o1",                     (15, 5),     (25, 50),    230),
    _row("Llama-3.3-70B-Instruct", (100, 100),  None,      8_450),
    _row("DeepSeek-R1",            (100, 100),  None,      4_000),
    _row("DeepSeek-V3-0324",       (100, 100),  None,      4_000),
    _row("DeepSeek-R1-0528",       (100, 100),  None,      4_000),
)
# fmt: on

PTU_FACTS: Mapping[str, PtuFacts] = MappingProxyType({row.model.lower(): row for row in ROWS})


def ptu_facts(model: str) -> PtuFacts | None:
    """The row of an ARM model name (any case), or None for a model the table does not have."""
    return PTU_FACTS.get(model.strip().lower())


@in_money_context
def input_tpm_equivalent(
    model: str,
    input_tpm: Decimal | int,
    output_tpm: Decimal | int,
    cached_input_tpm: Decimal | int = 0,
) -> Decimal | None:
    """The load in input-TPM equivalents: uncached input + output x the model's output weight
    (cached tokens are deducted 100%). None when the table has no weight for the model."""
    facts = ptu_facts(model)
    if facts is None or facts.output_weight is None:
        return None
    if min(input_tpm, output_tpm, cached_input_tpm) < 0 or cached_input_tpm > input_tpm:
        raise ValueError("token rates must be >= 0, cached input within input")
    uncached = Decimal(input_tpm) - Decimal(cached_input_tpm)
    return uncached + Decimal(output_tpm) * facts.output_weight


@in_money_context
def size_ptu(
    model: str, deployment_type: DeploymentType, peak_input_tpm_equivalent: Decimal | int
) -> int | None:
    """The PTUs to deploy for the peak load (input-TPM equivalents): the PTUs it needs, rounded up
    to the minimum and the increment. None for a model the table does not have, or a deployment
    type it has no PTU for."""
    facts = ptu_facts(model)
    step = facts.step(deployment_type) if facts else None
    if facts is None or step is None:
        return None
    peak = Decimal(peak_input_tpm_equivalent)
    if not peak.is_finite() or peak < 0:
        raise ValueError(f"peak load must be a finite number >= 0, got {peak}")
    needed = int((peak / facts.input_tpm_per_ptu).to_integral_value(rounding=ROUND_CEILING))
    return step.round_up(needed)
