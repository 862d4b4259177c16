"""Which targets a list filter keeps (GET /api/targets?account=&useCase=&owner=): those whose
scope names what every filter given names, compared without case:

- `account`: an account scope of that account, or a deployment scope of a deployment of it (the
  account's name or ARM id, as shared/core/list_filter.py compares accounts);
- `useCase`: a useCase scope of that use case;
- `owner`: a useCase scope of a use case that owner has.

A tenant scope names none of them, so any filter leaves it out; a deployment or account scope
names no use case (a target's scope is one thing). `model` and `sku` are not filters of targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared.core.arm_ids import parse_account_id
from shared.core.list_filter import ListFilter
from shared.core.target_records import ScopeKind, Target
from shared.core.use_cases import UseCase


def matching_targets(
    targets: Iterable[Target], wanted: ListFilter, use_cases: Iterable[UseCase] = ()
) -> list[Target]:
    """The targets `wanted` keeps, in their order (`use_cases`: for `owner`, the stored ones)."""
    owners = {u.name.casefold(): u.owner for u in use_cases} if wanted.owner is not None else {}
    return [t for t in targets if target_matches(t, wanted, owners)]


def target_matches(target: Target, wanted: ListFilter, owners: Mapping[str, str]) -> bool:
    """Whether the target's scope names what each filter given names (`owners`: use case name,
    case-folded -> its owner)."""
    if wanted.empty:
        return True
    if wanted.model is not None or wanted.sku is not None:
        return False
    kind, value = target.scope.kind, target.scope.value
    if wanted.account is not None:
        if kind not in (ScopeKind.ACCOUNT, ScopeKind.DEPLOYMENT):
            return False
        account = parse_account_id(value)
        if not (_same(wanted.account, account.name) or _same(wanted.account, account.id)):
            return False
    if wanted.use_case is None and wanted.owner is None:
        return True
    if kind is not ScopeKind.USE_CASE:
        return False
    if wanted.use_case is not None and not _same(wanted.use_case, value):
        return False
    return wanted.owner is None or _same(wanted.owner, owners.get(value.casefold(), ""))


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()
