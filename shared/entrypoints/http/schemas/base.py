"""The base of every response model: camelCase JSON names, frozen, no unknown fields; and the
problem body (RFC 9457) every error answers with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

CostTypeName = Literal["actual", "amortized"]  # the API's names of the price bases
PeriodStatusName = Literal["open", "closed"]  # `open` while Azure may restate the period


class ApiModel(BaseModel):
    """A response body or part of one. Python names are snake_case; the JSON names camelCase
    (`cost_per_1k_tokens` -> `costPer1kTokens`, or an explicit `Field(alias=...)`)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )


class FieldProblem(ApiModel):
    field: str
    detail: str


class Problem(ApiModel):
    """An error (RFC 9457): `field` names the bad or missing input when there is one."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldProblem] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in (
        (400, "Invalid input: `field` names it"),
        (404, "Not found: `field` names what is missing"),
        (503, "Storage unavailable or a publication in progress: retry after `Retry-After`"),
    )
}


def with_conflict(description: str) -> dict[int | str, dict[str, object]]:
    """PROBLEM_RESPONSES and a 409 problem: `description` says when (`field` names what)."""
    conflict = {"model": Problem, "content": {"application/problem+json": {}},
                "description": description}  # fmt: skip
    return {**PROBLEM_RESPONSES, 409: conflict}


class SourceFreshness(ApiModel):
    """When one stored input was last collected whole (null: never)."""

    source: str  # costs-actual, costs-amortized, usage, inventory, prices, callers, outcomes
    last_collected_at: str | None


class Provenance(ApiModel):
    """Where a period's figures come from: when readers first saw the allocation, what share of
    the bill it allocated, when each input was last collected, which meter catalogue it used."""

    cost_type: CostTypeName
    status: PeriodStatusName
    published_at: str | None
    allocated_share: float | None  # allocated / billed, 4 decimals (null: nothing billed)
    sources: list[SourceFreshness]
    catalogue_version: str | None


class PeriodHead(ApiModel):
    """The head of every response about one allocated period and price basis."""

    period: str
    cost_type: CostTypeName
    currency: str
    status: PeriodStatusName
    closes_on: str
    provenance: Provenance | None = None  # filled by the route (schemas/provenance)
