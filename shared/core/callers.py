"""Callers of a shared deployment: who sent which tokens, per day, from the telemetry Azure keeps.

Two telemetry sources tell callers apart: the API Management AI gateway's LLM logs (by APIM
subscription and by product) and Application Insights GenAI spans (by the calling service's
cloud role name). Both are aggregated in Log Analytics per day, deployment and caller
(shared/adapters/azure/log_analytics_queries.py) and come back as `LoggedCalls`, which name the
deployment as the client did: the account's endpoint name (when the logs show it) and the
deployment name. `resolve_calls` matches them to the inventory's deployments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum, StrEnum

from shared.core.inventory import Deployment
from shared.core.metered import Tokens
from shared.core.resource_id import id_key


class TelemetrySource(Enum):
    """Where caller tokens come from (one Log Analytics query each)."""

    APIM = "apim"  # ApiManagementGatewayLlmLog joined to ApiManagementGatewayLogs
    APP_INSIGHTS = "appInsights"  # AppDependencies GenAI spans (workspace-based App Insights)


class CallerKind(StrEnum):
    """How the callers of a shared deployment are told apart (the use cases' `callers` keys)."""

    APIM_SUBSCRIPTIONS = "apimSubscriptions"
    APIM_PRODUCTS = "apimProducts"
    APP_ROLES = "appRoles"

    @property
    def source(self) -> TelemetrySource:
        if self is CallerKind.APP_ROLES:
            return TelemetrySource.APP_INSIGHTS
        return TelemetrySource.APIM


def kinds_of(source: TelemetrySource) -> frozenset[CallerKind]:
    return frozenset(k for k in CallerKind if k.source is source)


@dataclass(frozen=True)
class Caller:
    """One caller: its kind and name (an APIM subscription id, a product id, a role name)."""

    kind: CallerKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}"


@dataclass(frozen=True)
class LoggedCalls:
    """What the logs say one caller sent to one deployment on one UTC day (not yet resolved).

    `account` is the first label of the account's endpoint host as logged (`contoso-aoai` of
    `contoso-aoai.openai.azure.com`), "" when the logs do not show it; `deployment` is the
    deployment name the client used.
    """

    date: date
    account: str
    deployment: str
    caller: Caller
    input_tokens: int
    output_tokens: int
    requests: int

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens", "requests"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True)
class CallerUsage(Tokens):
    """Tokens and requests one caller sent to one deployment (its ARM id) on one UTC day."""

    date: date
    deployment_id: str
    caller: Caller
    input_tokens: int
    output_tokens: int
    requests: int


@dataclass(frozen=True)
class Resolution:
    """Logged calls matched to deployments, and those no deployment (or more than one) fits."""

    usage: tuple[CallerUsage, ...]
    unresolved: tuple[LoggedCalls, ...]


def resolve_calls(logged: Iterable[LoggedCalls], deployments: Sequence[Deployment]) -> Resolution:
    """Match each logged call to the one deployment of that name in that account (the account
    by its name, which is its endpoint's name unless a custom subdomain differs); without an
    account, to the one deployment of that name in the inventory. Calls of one caller, day and
    deployment are summed; ambiguous or unknown ones are `unresolved`, never guessed."""
    by_account: dict[tuple[str, str], list[str]] = {}
    by_name: dict[tuple[str, str], list[str]] = {}
    for dep in deployments:
        arm_id = dep.deployment_id
        for index, key in (
            (by_account, (id_key(dep.account.name), id_key(dep.name))),
            (by_name, ("", id_key(dep.name))),
        ):
            ids = index.setdefault(key, [])
            if all(id_key(i) != id_key(arm_id) for i in ids):
                ids.append(arm_id)
    sums: dict[tuple[date, str, Caller], list[int]] = {}
    unresolved: list[LoggedCalls] = []
    for call in logged:
        named = (
            by_account.get((id_key(call.account), id_key(call.deployment)), [])
            if call.account
            else by_name.get(("", id_key(call.deployment)), [])
        )
        found = named[0] if len(named) == 1 else None
        if found is None:
            unresolved.append(call)
            continue
        totals = sums.setdefault((call.date, found, call.caller), [0, 0, 0])
        totals[0] += call.input_tokens
        totals[1] += call.output_tokens
        totals[2] += call.requests
    usage = tuple(
        CallerUsage(day, dep_id, caller, *totals)
        for (day, dep_id, caller), totals in sorted(
            sums.items(), key=lambda kv: (kv[0][0], id_key(kv[0][1]), str(kv[0][2]))
        )
    )
    return Resolution(usage, tuple(unresolved))
