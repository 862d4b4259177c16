"""CHEAPER_MODEL on crafted Global Standard prices: short answers on gpt-4o and gpt-4.1 priced on
their smaller siblings, the hand-computed saving of the cheapest; just over the output threshold,
without a sibling's price, on PTU. The table of alternatives names only models Azure dates."""

from __future__ import annotations

from decimal import Decimal

from shared.core.detectors_models import QUALITY_UNKNOWN, cheaper_model
from shared.core.findings import Confidence, FindingType, Thresholds
from shared.core.model_alternatives import ROWS, cheaper_models
from shared.core.model_retirements import ROWS as RETIREMENTS
from shared.core.price_book import PriceBook
from shared.core.what_if import OUTPUT_UNKNOWN
from tests.builders import daily, dep, facts_of, retail

DEFAULTS = Thresholds()
BOOK = PriceBook.build(
    (),
    (
        retail("4o-in", "gpt 4o 1120 Inp glbl Tokens", "0.0025"),
        retail("4o-out", "gpt 4o 1120 Outp glbl Tokens", "0.01"),
        retail("mini-in", "gpt 4o mini 0718 Inp glbl Tokens", "0.00015"),
        retail("mini-out", "gpt 4o mini 0718 Outp glbl Tokens", "0.0006"),
        retail("41-in", "gpt 4.1 Inp glbl Tokens", "0.002"),
        retail("41-out", "gpt 4.1 Outp glbl Tokens", "0.008"),
        retail("41m-in", "gpt 4.1 mini Inp glbl Tokens", "0.0004"),
        retail("41m-out", "gpt 4.1 mini Outp glbl Tokens", "0.0016"),
        retail("41n-in", "gpt 4.1 nano Inp glbl Tokens", "0.0001"),
        retail("41n-out", "gpt 4.1 nano Outp glbl Tokens", "0.0004"),
    ),
)
# 10 days of 1,000,000 input and 100,000 output tokens in 1,000 requests: 100 output tokens per
# request. gpt-4o: 2.50 + 1.00 a day, 35.00; gpt-4o-mini: 0.15 + 0.06 a day, 2.10.
SHORT = daily(10, 1_000_000, 100_000, requests=1000)


def test_cheaper_model_fires_on_short_answers_with_the_siblings_saving() -> None:
    [found] = cheaper_model(facts_of(dep("chat"), "35", SHORT), BOOK, DEFAULTS)
    assert found.type is FindingType.CHEAPER_MODEL
    assert found.monthly_saving == Decimal("32.90")  # 35.00 - 2.10
    assert found.confidence is Confidence.LOW
    assert found.what_if is not None and found.what_if.configuration.model == "gpt-4o-mini"
    assert OUTPUT_UNKNOWN in found.what_if.unknowns
    assert ("quality", QUALITY_UNKNOWN) in found.evidence
    assert ("output tokens per request", "100.0") in found.evidence


def test_cheaper_model_takes_the_cheapest_priced_sibling() -> None:
    # gpt-4.1: 2.00 + 0.80 a day, 28.00; mini 0.40 + 0.16 (5.60); nano 0.10 + 0.04 (1.40).
    chat = dep("chat", "gpt-4.1", "2025-04-14")
    [found] = cheaper_model(facts_of(chat, "28", SHORT), BOOK, DEFAULTS)
    assert found.monthly_saving == Decimal("26.60")  # 28.00 - 1.40
    assert ("gpt-4.1-mini cost", "5.60") in found.evidence
    assert ("gpt-4.1-nano cost", "1.40") in found.evidence


def test_cheaper_model_fires_at_the_threshold_but_not_just_over_it() -> None:
    at = daily(10, 1_000_000, 100_000, requests=250)  # 400.0 output tokens per request
    assert len(cheaper_model(facts_of(dep("chat"), "35", at), BOOK, DEFAULTS)) == 1
    over = daily(10, 1_000_000, 100_000, requests=249)  # 401.6
    assert cheaper_model(facts_of(dep("chat"), "35", over), BOOK, DEFAULTS) == []


def test_cheaper_model_does_not_fire_without_a_price_requests_or_on_ptu() -> None:
    gpt5 = dep("chat", "gpt-5", "2025-08-07")  # no gpt-5-mini or -nano price here
    assert cheaper_model(facts_of(gpt5, "35", SHORT), BOOK, DEFAULTS) == []
    silent = daily(10, 1_000_000, 100_000, requests=0)
    assert cheaper_model(facts_of(dep("chat"), "35", silent), BOOK, DEFAULTS) == []
    ptu = dep("ptu", sku="GlobalProvisionedManaged", capacity=15)
    assert cheaper_model(facts_of(ptu, "35", SHORT), BOOK, DEFAULTS) == []
    assert cheaper_model(facts_of(dep("chat"), "2", SHORT), BOOK, DEFAULTS) == []  # < 2.10


def test_every_alternative_is_a_model_azure_dates_and_the_lookup_ignores_case() -> None:
    # A typo would never be priced: every name is one the retirement table (Azure's) dates.
    dated = {row.model for row in RETIREMENTS}
    assert {m for row in ROWS for m in (row.model, *row.cheaper)} <= dated
    found = cheaper_models(" GPT-4.1 ")
    assert found is not None and found.cheaper == ("gpt-4.1-mini", "gpt-4.1-nano")
    assert cheaper_models("gpt-4o-mini") is None
