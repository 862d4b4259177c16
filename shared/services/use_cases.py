"""Use-case definitions: apply a whole definitions file, or read and change one use case.

Every change is validated whole before anything is written (shared/core/use_cases.py): the
deployments named must be known to the inventory (any snapshot), and no deployment or caller
slice may be claimed twice across the stored set; a refused change writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from shared.core.inventory import Deployment
from shared.core.list_filter import ListFilter
from shared.core.target_records import ScopeKind, Target
from shared.core.targets import parse_targets
from shared.core.use_case_filter import matching_use_cases
from shared.core.use_cases import (
    SLUG,
    SLUG_RULE,
    Placed,
    Problem,
    UseCase,
    known_index,
    overlaps,
    parse_document,
    parse_use_case,
)
from shared.errors import Conflict, InvalidDefinitions, InvalidInput, NotFound
from shared.services.ports import KnownDeployments, TargetStore, UseCaseStore
from shared.services.targets import resolvers


@dataclass(frozen=True)
class ApplyReport:
    """What one apply changed, by use-case name (and, in `targets`, by target id; None when
    the file has no `targets` and they were left as they are)."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    targets: ApplyReport | None = None

    @property
    def changed(self) -> bool:
        own = bool(self.created or self.updated or self.deleted)
        return own or (self.targets is not None and self.targets.changed)

    @classmethod
    def of(cls, before: Mapping[str, object], wanted: Mapping[str, object]) -> ApplyReport:
        """The names created, updated, deleted and unchanged from `before` to `wanted`."""
        return cls(
            created=tuple(sorted(n for n in wanted if n not in before)),
            updated=tuple(sorted(n for n in wanted if n in before and before[n] != wanted[n])),
            deleted=tuple(sorted(n for n in before if n not in wanted)),
            unchanged=tuple(sorted(n for n in wanted if before.get(n) == wanted[n])),
        )


class UseCaseService:
    def __init__(
        self,
        store: UseCaseStore,
        inventory: KnownDeployments,
        targets: TargetStore | None = None,
    ) -> None:
        self._store = store
        self._inventory = inventory
        self._targets = targets

    def apply(self, document: object) -> ApplyReport:
        """Make the stored use cases exactly those of `document` (a parsed definitions file), and
        the stored targets exactly its `targets` when it has them (else they are kept, and must
        still name use cases of the file); or raise InvalidDefinitions naming every problem and
        store nothing."""
        use_cases, problems = parse_document(document, self._known())
        names = {u.name for u in use_cases}
        targets: list[Target] | None = None
        if self._targets is not None and isinstance(document, dict):
            if "targets" in document:
                deployment, account = resolvers(self._inventory)
                targets, found = parse_targets(
                    document["targets"], "targets", deployment, account, names
                )
                problems = [*problems, *found]
            else:
                problems = [*problems, *_orphaned(self._targets.all(), names)]
        if problems:
            raise InvalidDefinitions(problems)
        before = {u.name: u for u in self._store.all()}
        self._store.replace_all(sorted(use_cases, key=lambda u: u.name))
        report = ApplyReport.of(before, {u.name: u for u in use_cases})
        if targets is None or self._targets is None:
            return report
        stored = {t.id: t for t in self._targets.all()}
        self._targets.replace_all(sorted(targets, key=lambda t: t.id))
        return replace(report, targets=ApplyReport.of(stored, {t.id: t for t in targets}))

    def list(self, wanted: ListFilter | None = None) -> list[UseCase]:
        """The stored use cases `wanted` keeps, sorted by name (shared/core/use_case_filter.py;
        the inventory is read for `account`, `model` and `sku`)."""
        stored = self._store.all()
        if wanted is None or wanted.empty:
            return stored
        by_deployment = any(v is not None for v in (wanted.account, wanted.model, wanted.sku))
        deployments = self._inventory.known_deployments() if by_deployment else []
        return matching_use_cases(stored, wanted, deployments)

    def get(self, name: str) -> UseCase:
        found = self._store.get(name) if SLUG.fullmatch(name) else None
        if found is None:
            raise NotFound("useCase", name)
        return found

    def put(self, name: str, body: object) -> tuple[UseCase, bool]:
        """Create or replace the use case `name` from a request body; (stored, created). The body
        is validated alone and against the other stored use cases; refused, nothing changes."""
        name = _slug(name)
        if not isinstance(body, dict):
            raise InvalidDefinitions([("body", "must be a JSON object: one use case")])
        if body.get("name", name) != name:
            raise InvalidDefinitions([("name", f"must equal the name in the path ({name!r})")])
        use_case, problems = parse_use_case({**body, "name": name}, "", self._known().get)
        if use_case is not None:
            others = [Placed(u, None) for u in self._store.all() if u.name != name]
            problems = list(dict.fromkeys(problems + overlaps([*others, Placed(use_case, "")])))
        if problems or use_case is None:
            raise InvalidDefinitions(problems)
        created = self._store.get(name) is None
        self._store.put(use_case)
        return use_case, created

    def delete(self, name: str) -> None:
        """Delete one use case; Conflict when a stored target watches it (delete or change the
        target first), so no target is left watching nothing."""
        if not SLUG.fullmatch(name) or self._store.get(name) is None:
            raise NotFound("useCase", name)
        watching = [
            t.id
            for t in (self._targets.all() if self._targets else [])
            if t.scope.kind is ScopeKind.USE_CASE and t.scope.value == name
        ]
        if watching:
            raise Conflict(
                "useCase",
                f"the target(s) {', '.join(watching)} watch use case {name!r}: delete or change "
                "them first",
            )
        if not self._store.delete(name):
            raise NotFound("useCase", name)

    def _known(self) -> dict[str, str]:
        deployments: list[Deployment] = self._inventory.known_deployments()
        return known_index((d.deployment_id, d.key) for d in deployments)


def _orphaned(targets: Sequence[Target], names: Collection[str]) -> list[Problem]:
    """Stored targets naming a use case the file does not keep."""
    return [
        ("useCases", f"the stored target {t.id!r} watches use case {t.scope.value!r}, which this "
         "file does not define: remove the target (a `targets` list) or keep the use case")
        for t in targets
        if t.scope.kind is ScopeKind.USE_CASE and t.scope.value not in names
    ]  # fmt: skip


def _slug(name: str) -> str:
    if not SLUG.fullmatch(name):
        raise InvalidInput("name", SLUG_RULE)
    return name
