"""The filters every list of the API takes: account, model, sku, use case, owner.

A deployment matches when each given filter matches it: `account` its account's name or ARM id,
`model` its model name, `sku` its ARM SKU name (`GlobalStandard`), `useCase` a live use case
that has it (whole or a caller slice), `owner` the owner of such a use case; all compared
without case. A list of things that are not deployments (use cases, targets, findings) filters
by the deployments each one is about: any one matching is enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.core.arm_ids import deployment_key_of
from shared.core.use_cases import UseCase
from shared.errors import InvalidInput

MAX_FILTER_LENGTH = 200
FILTER_FIELDS = ("account", "model", "sku", "useCase", "owner")


@dataclass(frozen=True)
class DeploymentFacts:
    """What the filters look at of one deployment."""

    key: str
    account_id: str
    account: str
    model: str
    sku: str


@dataclass(frozen=True)
class ListFilter:
    account: str | None = None
    model: str | None = None
    sku: str | None = None
    use_case: str | None = None
    owner: str | None = None

    @classmethod
    def parse(
        cls,
        account: str | None = None,
        model: str | None = None,
        sku: str | None = None,
        use_case: str | None = None,
        owner: str | None = None,
    ) -> ListFilter:
        """From the query's text; an empty or over-long value is InvalidInput naming it."""
        values = dict(zip(FILTER_FIELDS, (account, model, sku, use_case, owner), strict=True))
        for name, value in values.items():
            if value is not None and not value.strip():
                raise InvalidInput(name, "empty: give a value or leave the filter out")
            if value is not None and len(value) > MAX_FILTER_LENGTH:
                raise InvalidInput(name, f"longer than {MAX_FILTER_LENGTH} characters")
        return cls(*(v.strip() if v is not None else None for v in values.values()))

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.account, self.model, self.sku, self.use_case,
                                      self.owner))  # fmt: skip

    @property
    def needs_use_cases(self) -> bool:
        return self.use_case is not None or self.owner is not None

    def matches(self, facts: DeploymentFacts, use_cases: Iterable[UseCase] = ()) -> bool:
        """Whether the deployment passes every filter given (`use_cases`: those having it)."""
        if self.account is not None and not (
            _same(self.account, facts.account) or _same(self.account, facts.account_id)
        ):
            return False
        if self.model is not None and not _same(self.model, facts.model):
            return False
        if self.sku is not None and not _same(self.sku, facts.sku):
            return False
        if not self.needs_use_cases:
            return True
        return any(
            (self.use_case is None or _same(self.use_case, u.name))
            and (self.owner is None or _same(self.owner, u.owner))
            for u in use_cases
        )

    def matches_any(
        self, deployments: Iterable[DeploymentFacts], membership: Mapping[str, tuple[UseCase, ...]]
    ) -> bool:
        """Whether any of the deployments passes (`membership`: key -> the use cases having it)."""
        return any(self.matches(d, membership.get(d.key, ())) for d in deployments)


def membership(use_cases: Iterable[UseCase]) -> dict[str, tuple[UseCase, ...]]:
    """Deployment key -> the live use cases that have it (whole or a slice)."""
    found: dict[str, list[UseCase]] = {}
    for use_case in use_cases:
        if use_case.planned:
            continue
        for entry in use_case.deployments:
            found.setdefault(deployment_key_of(entry.deployment_id), []).append(use_case)
    return {key: tuple(cases) for key, cases in found.items()}


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()
