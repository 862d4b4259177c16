"""Use-case definitions: apply a whole definitions file, or read and change one use case.

Every change is validated whole before anything is written (shared/core/use_cases.py): the
deployments named must be known to the inventory (any snapshot), and no deployment or caller
slice may be claimed twice across the stored set; a refused change writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.core.inventory import Deployment
from shared.core.use_cases import (
    SLUG,
    SLUG_RULE,
    Placed,
    UseCase,
    known_index,
    overlaps,
    parse_document,
    parse_use_case,
)
from shared.errors import InvalidDefinitions, InvalidInput, NotFound
from shared.services.ports import KnownDeployments, UseCaseStore


@dataclass(frozen=True)
class ApplyReport:
    """What one apply changed, by use-case name."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


class UseCaseService:
    def __init__(self, store: UseCaseStore, inventory: KnownDeployments) -> None:
        self._store = store
        self._inventory = inventory

    def apply(self, document: object) -> ApplyReport:
        """Make the stored use cases exactly those of `document` (a parsed definitions file), or
        raise InvalidDefinitions naming every problem and store nothing."""
        use_cases, problems = parse_document(document, self._known())
        if problems:
            raise InvalidDefinitions(problems)
        before = {u.name: u for u in self._store.all()}
        wanted = {u.name: u for u in use_cases}
        self._store.replace_all(sorted(use_cases, key=lambda u: u.name))
        return ApplyReport(
            created=tuple(sorted(n for n in wanted if n not in before)),
            updated=tuple(sorted(n for n in wanted if n in before and before[n] != wanted[n])),
            deleted=tuple(sorted(n for n in before if n not in wanted)),
            unchanged=tuple(sorted(n for n in wanted if before.get(n) == wanted[n])),
        )

    def list(self) -> list[UseCase]:
        return self._store.all()

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
        if not SLUG.fullmatch(name) or not self._store.delete(name):
            raise NotFound("useCase", name)

    def _known(self) -> dict[str, str]:
        deployments: list[Deployment] = self._inventory.known_deployments()
        return known_index((d.deployment_id, d.key) for d in deployments)


def _slug(name: str) -> str:
    if not SLUG.fullmatch(name):
        raise InvalidInput("name", SLUG_RULE)
    return name
