"""Which use cases a list filter keeps (GET /api/use-cases?account=&model=&sku=&useCase=&owner=,
shared/core/list_filter.py): `useCase` and `owner` look at the use case itself (its name, its
owner), `account`, `model` and `sku` at its deployments (any one of them passing is enough),
all compared without case. A planned use case has no deployments: only `useCase` and `owner`
can keep it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared.core.arm_ids import deployment_key_of, parse_account_id
from shared.core.deployment_filter import inventory_facts
from shared.core.inventory import Deployment
from shared.core.list_filter import DeploymentFacts, ListFilter
from shared.core.use_cases import DeploymentEntry, UseCase
from shared.errors import InvalidInput

NO_DEPLOYMENT = DeploymentFacts("", "", "", "", "")  # a planned use case's: matches no filter


def matching_use_cases(
    use_cases: Iterable[UseCase], wanted: ListFilter, deployments: Iterable[Deployment] = ()
) -> list[UseCase]:
    """The use cases `wanted` keeps, in their order (`deployments`: the inventory's, read for
    `account`, `model` and `sku`)."""
    if wanted.empty:
        return list(use_cases)
    known = {d.key: inventory_facts(d) for d in deployments}
    return [u for u in use_cases if use_case_matches(u, wanted, known)]


def use_case_matches(
    use_case: UseCase, wanted: ListFilter, known: Mapping[str, DeploymentFacts]
) -> bool:
    """Whether one of the use case's deployments passes every filter, the use case standing as
    the one that has it (`known`: deployment key -> its facts)."""
    about = [_facts(e, known) for e in use_case.deployments] or [NO_DEPLOYMENT]
    return any(wanted.matches(facts, (use_case,)) for facts in about)


def _facts(entry: DeploymentEntry, known: Mapping[str, DeploymentFacts]) -> DeploymentFacts:
    """The entry's deployment as the inventory knows it; else its account alone (from its id)."""
    try:
        key = deployment_key_of(entry.deployment_id)
    except InvalidInput:  # a stored entry's id always parses; one that does not matches nothing
        return NO_DEPLOYMENT
    found = known.get(key)
    if found is not None:
        return found
    account = parse_account_id(entry.deployment_id)
    return DeploymentFacts(key, account.id, account.name, "", "")
