"""What every metered record of tokens and requests derives the same way: its total tokens, and,
with a cost, its cost per 1K tokens and per request (None without tokens or requests)."""

from __future__ import annotations

from decimal import Decimal

from shared.core.money import in_money_context
from shared.core.unit_costs import THOUSAND, per_unit


class Tokens:
    """A mixin of frozen records with `input_tokens` and `output_tokens`."""

    input_tokens: int
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class MeteredCost(Tokens):
    """A mixin of frozen records that also have a `cost` and `requests`."""

    cost: Decimal
    requests: int

    @property
    @in_money_context
    def cost_per_1k_tokens(self) -> Decimal | None:
        return per_unit(self.cost, self.total_tokens, THOUSAND)

    @property
    @in_money_context
    def cost_per_request(self) -> Decimal | None:
        return per_unit(self.cost, self.requests)
