"""Unit-cost target definitions (one at a time over HTTP; the whole file with the use cases, in
shared/services/use_cases.py `apply`) and their status: each period's latest evaluation and the
history of transitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.core.list_filter import ListFilter
from shared.core.resource_id import id_key
from shared.core.target_filter import matching_targets
from shared.core.target_records import StoredEvaluation, Target, Transition
from shared.core.targets import parse_target
from shared.core.use_cases import SLUG, SLUG_RULE, known_index
from shared.errors import InvalidDefinitions, InvalidInput, NotFound
from shared.services.ports import KnownDeployments, TargetStatusStore, TargetStore, UseCaseStore

Resolve = Callable[[str], str | None]  # what a user wrote -> the inventory's ARM id, or None


@dataclass(frozen=True)
class TargetStatus:
    """A target, its latest evaluation of every period evaluated, and its transitions."""

    target: Target
    evaluations: tuple[StoredEvaluation, ...]
    history: tuple[Transition, ...]


class TargetService:
    def __init__(
        self,
        store: TargetStore,
        status: TargetStatusStore,
        use_cases: UseCaseStore,
        inventory: KnownDeployments,
    ) -> None:
        self._store = store
        self._status = status
        self._use_cases = use_cases
        self._inventory = inventory

    def list(self, wanted: ListFilter | None = None) -> list[Target]:
        """The targets, sorted by id; those `wanted` keeps (shared/core/target_filter.py)."""
        found = self._store.all()
        if wanted is None or wanted.empty:
            return found
        use_cases = self._use_cases.all() if wanted.owner is not None else []
        return matching_targets(found, wanted, use_cases)

    def get(self, target_id: str) -> Target:
        found = self._store.get(target_id) if SLUG.fullmatch(target_id) else None
        if found is None:
            raise NotFound("targetId", target_id)
        return found

    def put(self, target_id: str, body: object) -> tuple[Target, bool]:
        """Create or replace the target `target_id` from a request body; (stored, created)."""
        if not SLUG.fullmatch(target_id):
            raise InvalidInput("id", SLUG_RULE)
        if not isinstance(body, dict):
            raise InvalidDefinitions([("body", "must be a JSON object: one target")])
        if body.get("id", target_id) != target_id:
            raise InvalidDefinitions([("id", f"must equal the id in the path ({target_id!r})")])
        resolve_deployment, resolve_account = resolvers(self._inventory)
        names = {u.name for u in self._use_cases.all()}
        target, problems = parse_target(
            {**body, "id": target_id}, "", resolve_deployment, resolve_account, names
        )
        if problems or target is None:
            raise InvalidDefinitions(problems)
        created = self._store.get(target_id) is None
        self._store.put(target)
        return target, created

    def delete(self, target_id: str) -> None:
        if not SLUG.fullmatch(target_id) or not self._store.delete(target_id):
            raise NotFound("targetId", target_id)

    def status(self, target_id: str) -> TargetStatus:
        target = self.get(target_id)
        return TargetStatus(
            target,
            tuple(self._status.evaluations(target.id)),
            tuple(self._status.history(target.id)),
        )


def resolvers(inventory: KnownDeployments) -> tuple[Resolve, Resolve]:
    """What a target's deployment and account scopes resolve by: any snapshot's deployments
    (ARM id or key) and their accounts (ARM id), compared case-insensitively."""
    deployments = inventory.known_deployments()
    by_deployment = known_index((d.deployment_id, d.key) for d in deployments)
    by_account = {id_key(d.account.id): d.account.id for d in deployments}
    return (
        lambda written: by_deployment.get(id_key(written)),
        lambda written: by_account.get(id_key(written)),
    )
