"""Which groups of a showback a list filter keeps (GET /api/showback?owner=&useCase=,
shared/core/list_filter.py): those with a use case of that owner (and of that name), compared
without case. By owner a group is its owner's use cases; by cost center, the groups holding one
of the owner's. `billedCost` and the unassigned rest stay the period's: a filter narrows the
list, never the bill."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from shared.core.economics_views import ShowbackView
from shared.core.list_filter import ListFilter
from shared.core.use_case_filter import NO_DEPLOYMENT
from shared.core.use_cases import UseCase


def matching_groups(
    view: ShowbackView, wanted: ListFilter, use_cases: Iterable[UseCase]
) -> ShowbackView:
    """The view with the groups `wanted` keeps, in their order (`use_cases`: the stored ones,
    the groups' members by name)."""
    if wanted.empty:
        return view
    by_name = {u.name: u for u in use_cases}
    kept = tuple(
        g
        for g in view.groups
        if wanted.matches(NO_DEPLOYMENT, [by_name[n] for n in g.use_cases if n in by_name])
    )
    return replace(view, groups=kept)
