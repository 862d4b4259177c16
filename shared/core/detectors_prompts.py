"""Prompt detectors: prompts longer than their baseline, and prompts the cache could serve.

Both price one configuration, the deployment's own (`Configuration.of`), twice with `what_if`:
on its traffic as observed and on the traffic as it could be; the saving is the difference, so
both sides carry the same prices (effective where the tenant has them, else list). A capacity
(PTU) costs the same either way: provisioned deployments make no finding. The saving is at most
the allocated cost (when the book lacks the tenant's effective prices, the own configuration's
what-if can exceed what was billed; both costs are in the evidence).

- BLOATED_PROMPT: input tokens per request (input tokens / requests over the period) above
  `bloat_ratio` x the baseline: the deployment's own input per request over `history` (the
  previous periods' days) when that has requests, else the median input per request of its peers
  (the other deployments of the same `find_all` call on the same model, any case, with
  requests; at least one). The traffic as it could be: every day's input tokens scaled to the
  baseline (x baseline / observed, rounded half even to whole tokens), its cached tokens scaled
  in proportion, output and requests unchanged. The input:output ratio is evidence (flagged at
  `bloat_io_ratio` and above: the prompt, not the answer, is the cost). Confidence from the days
  observed.
- LOW_CACHE_SHARE: the price book has a cached-input list price for the deployment's model,
  version, deployment type and mode in the region (`PriceBook.list_price_for`); input tokens per
  request at least `cache_min_prompt_tokens` (Azure caches prompts from 1,024 tokens); cache
  share (cached / input tokens over the period) below `cache_low_share`. The traffic as it could
  be: every day's cached tokens raised to `cache_target_share` of its input (rounded half even;
  never lowered). The target share is an assumption (said in the evidence: how much of a prompt
  can be a stable prefix is not known here): confidence LOW.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from statistics import median

from shared.core.findings import (
    Confidence,
    DeploymentFacts,
    Finding,
    FindingType,
    Thresholds,
    confidence_of,
    finding,
    money_text,
    own_configuration,
    per_request,
    price_text,
    priced,
    ratio_text,
)
from shared.core.meters import Mode, TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.price_book import PriceBook
from shared.core.resource_id import id_key

TARGET_ASSUMED = "assumed: the share a stable prompt prefix could reach, not observed"


def whole(value: Decimal) -> int:
    """A token count rounded half even to a whole token."""
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


@in_money_context
def baseline(
    facts: DeploymentFacts, peers: Sequence[DeploymentFacts]
) -> tuple[Decimal, str] | None:
    """The input tokens per request to compare with, and where it comes from (module docstring)."""
    own = per_request(facts.history)
    if own is not None:
        return own[0], f"own history ({len(facts.history)} days)"
    dep = facts.unit.deployment
    model, me = dep.model.strip().lower(), id_key(dep.deployment_id)
    rates = [
        found[0]
        for peer in peers
        if peer.unit.deployment.model.strip().lower() == model
        and id_key(peer.unit.deployment.deployment_id) != me
        and (found := per_request(peer.traffic)) is not None
    ]
    if not rates:
        return None
    return Decimal(median(rates)), f"median of {len(rates)} peers on {dep.model}"


@in_money_context
def bloated_prompt(
    facts: DeploymentFacts,
    peers: Sequence[DeploymentFacts],
    book: PriceBook,
    thresholds: Thresholds,
) -> list[Finding]:
    config = own_configuration(facts)
    rates = per_request(facts.traffic)
    base = baseline(facts, peers)
    if config is None or config.mode is Mode.PROVISIONED or rates is None or base is None:
        return []
    observed_in, observed_out = rates
    if base[0] <= ZERO or observed_in <= thresholds.bloat_ratio * base[0]:
        return []
    factor = base[0] / observed_in
    trimmed = tuple(
        replace(
            t,
            input_tokens=(inp := whole(t.input_tokens * factor)),
            cached_input_tokens=min(whole(t.cached_input_tokens * factor), inp),
        )
        for t in facts.traffic
    )
    observed = priced(facts, book, config)
    could = priced(facts, book, config, trimmed)
    if observed is None or could is None or could.cost >= observed.cost:
        return []
    saving = min(observed.cost - could.cost, facts.unit.cost)
    if saving <= ZERO:
        return []
    evidence = [
        ("input tokens per request", f"{observed_in:.1f}"),
        ("baseline input tokens per request", f"{base[0]:.1f}"),
        ("baseline", base[1]),
        ("ratio to baseline", ratio_text(observed_in / base[0])),
        ("maximum ratio", str(thresholds.bloat_ratio)),
    ]
    if observed_out > ZERO:
        io_ratio = observed_in / observed_out
        high = f" (high: at least {thresholds.bloat_io_ratio})"
        flag = high if io_ratio >= thresholds.bloat_io_ratio else ""
        evidence.append(("input:output ratio", f"{io_ratio:.1f}{flag}"))
    evidence += [
        ("allocated cost", money_text(facts.unit.cost)),
        ("own configuration cost", money_text(observed.cost)),
        ("trimmed cost", money_text(could.cost)),
        ("days observed", str(len(facts.traffic))),
    ]
    name = facts.unit.deployment.name
    return [
        finding(
            facts,
            FindingType.BLOATED_PROMPT,
            f"{name}'s prompts are {ratio_text(observed_in / base[0])}x its baseline",
            evidence,
            saving,
            confidence_of(len(facts.traffic), thresholds),
            could,
        )
    ]


@in_money_context
def low_cache_share(
    facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds
) -> list[Finding]:
    config = own_configuration(facts)
    rates = per_request(facts.traffic)
    if config is None or config.mode is Mode.PROVISIONED or rates is None:
        return []
    if rates[0] < thresholds.cache_min_prompt_tokens:
        return []
    dep = facts.unit.deployment
    cached_price = book.list_price_for(
        dep.model,
        dep.model_version,
        TokenKind.CACHED_INPUT,
        config.deployment_type,
        config.mode,
        facts.region,
    )
    inputs = sum(t.input_tokens for t in facts.traffic)
    if inputs <= 0:
        return []
    share = Decimal(sum(t.cached_input_tokens for t in facts.traffic)) / inputs
    if cached_price is None or share >= thresholds.cache_low_share:
        return []
    target = thresholds.cache_target_share
    raised = tuple(
        replace(t, cached_input_tokens=max(t.cached_input_tokens, whole(t.input_tokens * target)))
        for t in facts.traffic
    )
    observed = priced(facts, book, config)
    could = priced(facts, book, config, raised)
    if observed is None or could is None or could.cost >= observed.cost:
        return []
    saving = min(observed.cost - could.cost, facts.unit.cost)
    if saving <= ZERO:
        return []
    evidence = (
        ("cache share", ratio_text(share)),
        ("minimum cache share", str(thresholds.cache_low_share)),
        ("input tokens per request", f"{rates[0]:.1f}"),
        ("minimum prompt tokens cached", str(thresholds.cache_min_prompt_tokens)),
        ("target cache share", f"{target} ({TARGET_ASSUMED})"),
        ("cached-input list price per token", price_text(cached_price.amount)),
        ("allocated cost", money_text(facts.unit.cost)),
        ("own configuration cost", money_text(observed.cost)),
        ("cost at the target share", money_text(could.cost)),
    )
    return [
        finding(
            facts,
            FindingType.LOW_CACHE_SHARE,
            f"{dep.name}'s long prompts are rarely cached",
            evidence,
            saving,
            Confidence.LOW,
            could,
        )
    ]
