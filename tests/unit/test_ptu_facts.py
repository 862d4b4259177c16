"""PTU facts: every row of the table sizes a peak load up to its minimum and increment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.meters import DeploymentType
from shared.core.ptu_facts import (
    PTU_FACTS,
    ROWS,
    SOURCE,
    PtuFacts,
    PtuStep,
    input_tpm_equivalent,
    ptu_facts,
    size_ptu,
)

G, DZ, R = DeploymentType.GLOBAL, DeploymentType.DATA_ZONE, DeploymentType.REGIONAL

# The source's table (azure-cost-facts.md, "Minimum deployment and increments", S13 2026-01-12):
# model -> (Global & Data Zone minimum, increment), (Regional minimum, increment) or None,
# input TPM per PTU.
# fmt: off
SOURCE_TABLE: dict[str, tuple[tuple[int, int], tuple[int, int] | None, int]] = {
    "gpt-5.2": ((15, 5), (50, 50), 3_400), "gpt-5.2-codex": ((15, 5), (50, 50), 3_400),
    "gpt-5.1": ((15, 5), (50, 50), 4_750), "gpt-5.1-codex": ((15, 5), (50, 50), 4_750),
    "gpt-5": ((15, 5), (50, 50), 4_750), "gpt-5-mini": ((15, 5), (25, 25), 23_750),
    "gpt-4.1": ((15, 5), (50, 50), 3_000), "gpt-4.1-mini": ((15, 5), (25, 25), 14_900),
    "gpt-4.1-nano": ((15, 5), (25, 25), 59_400), "o3": ((15, 5), (50, 50), 3_000),
    "o4-mini": ((15, 5), (25, 25), 5_400), "gpt-4o": ((15, 5), (50, 50), 2_500),
    "gpt-4o-mini": ((15, 5), (25, 25), 37_000), "o3-mini": ((15, 5), (25, 25), 2_500),
    "o1": ((15, 5), (25, 50), 230),
    "Llama-3.3-70B-Instruct": ((100, 100), None, 8_450),
    "DeepSeek-R1": ((100, 100), None, 4_000), "DeepSeek-V3-0324": ((100, 100), None, 4_000),
    "DeepSeek-R1-0528": ((100, 100), None, 4_000),
}
# fmt: on


def test_the_table_is_the_sources_row_for_row_and_cites_it() -> None:
    assert {
        row.model: (
            (row.global_and_data_zone.minimum, row.global_and_data_zone.increment),
            (row.regional.minimum, row.regional.increment) if row.regional else None,
            row.input_tpm_per_ptu,
        )
        for row in ROWS
    } == SOURCE_TABLE
    assert len(PTU_FACTS) == len(ROWS)
    assert "Minimum deployment and increments" in SOURCE and "2026-01-12" in SOURCE


def cases() -> list[tuple[str, DeploymentType, PtuStep]]:
    found = []
    for row in ROWS:
        for dtype in DeploymentType:
            step = row.step(dtype)
            if step is not None:
                found.append((row.model, dtype, step))
    return found


@pytest.mark.parametrize(("model", "dtype", "step"), cases())
def test_every_row_rounds_up_to_its_minimum_and_increment(
    model: str, dtype: DeploymentType, step: PtuStep
) -> None:
    facts = ptu_facts(model)
    assert facts is not None
    tpm = facts.input_tpm_per_ptu
    assert size_ptu(model, dtype, 0) == step.minimum
    assert size_ptu(model, dtype, tpm) == step.minimum  # 1 PTU needed
    assert size_ptu(model, dtype, step.minimum * tpm) == step.minimum  # exactly the minimum
    just_above = step.minimum * tpm + 1  # one PTU more than the minimum
    assert size_ptu(model, dtype, just_above) == step.minimum + step.increment
    two_steps = (step.minimum + step.increment) * tpm + 1
    assert size_ptu(model, dtype, two_steps) == step.minimum + 2 * step.increment
    assert size_ptu(model.upper(), dtype, Decimal(just_above)) == step.minimum + step.increment


def test_worked_examples() -> None:
    assert size_ptu("gpt-4o", G, 17 * 2_500) == 20  # needs 17: 15 + 5
    assert size_ptu("gpt-4o", DZ, Decimal("16.2") * 2_500) == 20  # needs 17 (16.2 rounded up)
    assert size_ptu("gpt-4o", R, 51 * 2_500) == 100  # needs 51: 50 + 50
    assert size_ptu("gpt-4.1-mini", R, 26 * 14_900) == 50  # needs 26: 25 + 25
    assert size_ptu("o1", R, 26 * 230) == 75  # needs 26: 25 + 50
    assert size_ptu("DeepSeek-R1", G, 101 * 4_000) == 200


def test_an_unknown_model_or_a_deployment_type_without_ptu_is_none() -> None:
    assert ptu_facts("gpt-35-turbo") is None
    assert size_ptu("gpt-35-turbo", G, 10_000) is None
    assert size_ptu("DeepSeek-R1", R, 10_000) is None
    assert size_ptu("Llama-3.3-70B-Instruct", R, 10_000) is None


@pytest.mark.parametrize("peak", [Decimal(-1), Decimal("NaN"), Decimal("Infinity")])
def test_a_peak_that_is_not_a_load_is_refused(peak: Decimal) -> None:
    with pytest.raises(ValueError, match="peak load"):
        size_ptu("gpt-4o", G, peak)


def test_output_tokens_weigh_as_the_source_says_and_cached_input_is_deducted() -> None:
    weights = {row.model: row.output_weight for row in ROWS if row.output_weight is not None}
    assert weights == {"gpt-5": 8, "gpt-5-mini": 8, "gpt-4.1": 4}
    assert input_tpm_equivalent("gpt-4.1", 10_000, 1_000) == 14_000
    assert input_tpm_equivalent("gpt-5", 10_000, 1_000, cached_input_tpm=4_000) == 14_000
    assert input_tpm_equivalent("gpt-4o", 10_000, 1_000) is None  # weight not in the source
    assert input_tpm_equivalent("unknown", 10_000, 1_000) is None
    with pytest.raises(ValueError):
        input_tpm_equivalent("gpt-4.1", 1_000, 0, cached_input_tpm=2_000)


@given(row=st.sampled_from(ROWS), dtype=st.sampled_from(list(DeploymentType)),
       peak=st.integers(min_value=0, max_value=10**10))  # fmt: skip
def test_a_size_is_deployable_and_the_smallest_that_carries_the_peak(
    row: PtuFacts, dtype: DeploymentType, peak: int
) -> None:
    step = row.step(dtype)
    size = size_ptu(row.model, dtype, peak)
    if step is None:
        assert size is None
        return
    assert size is not None
    assert size >= step.minimum and (size - step.minimum) % step.increment == 0
    assert size * row.input_tpm_per_ptu >= peak
    smaller = size - step.increment
    assert size == step.minimum or smaller * row.input_tpm_per_ptu < peak
