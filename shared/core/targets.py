"""Unit-cost targets as code: what a target watches, and how its definition is read.

A target lives in the definitions file beside the use cases (`"targets": [...]`, stored by
`apply --file`) or is sent alone over HTTP (`PUT /api/targets/{id}`):

    {"id": "support-bot-cpo", "scope": {"useCase": "support-bot"}, "metric": "costPerOutcome",
     "threshold": "0.04", "warningRatio": "0.8", "costType": "actual"}

Rules (every problem is `(JSON path, detail)`, all of them at once, as in use_cases.py; a target
with any problem is not returned, so nothing of it is stored):

- `id`: required, a slug (`SLUG`); unique in a file.
- `scope`: an object naming exactly one of `{"deployment": "<ARM id or key>"}` (resolved to the
  inventory's ARM id, compared case-insensitively), `{"useCase": NAME}` (a use case of the file,
  or a stored one over HTTP), `{"account": "<ARM id>"}` (the ARM id of an account the inventory
  knows, compared case-insensitively) or `{"tenant": true}` (only `true`). As served, a
  deployment scope carries `deploymentId` and an account scope `accountId` (the resolved ids):
  they may be sent back, and are ignored and resolved again.
- `metric`: one of `Metric`. It must fit the scope: `costPerOutcome` only for a `useCase` scope
  (only a use case has outcomes); `costPer1kInputTokens` / `costPer1kOutputTokens` not for a
  `useCase` scope (the use-case economics carry no input/output cost split: use
  `costPer1kTokens`).
- `threshold`: required, in the billing currency (per unit for unit costs), read exactly from its
  text: a string (`"0.04"`), an integer, or a Decimal. A JSON number must reach this module as a
  Decimal: parse the body with `json.loads(text, parse_float=Decimal)` (a float is refused: its
  binary value is not the text). Refused: booleans, NaN, infinities, negatives, more than 1e15
  (`MAX_AMOUNT`), more than `MAX_PLACES` decimal places (shared/core/exact_numbers.py). 0 is
  allowed.
- `warningRatio`: optional, read like the threshold, greater than 0 and at most 1; default
  `DEFAULT_WARNING_RATIO` (0.8, the issue's example): at risk once the observed value reaches
  80 % of the threshold.
- `costType`: optional, `actual` or `amortized` (the API's names); default `amortized`.
- Any other key, at the top or in `scope`, is an error naming its path (`unknown field`).

Both resolvers are called with `id_key` of what was written, so `known_index(...).get` (for
deployments) and `known_accounts(...).get` fit; they answer the inventory's ARM id, or None.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal

from shared.core.arm_ids import is_account_id
from shared.core.costs import CostType
from shared.core.exact_numbers import exact_number
from shared.core.resource_id import id_key
from shared.core.target_records import Metric, ScopeKind, Target, TargetScope
from shared.core.use_cases import SLUG, SLUG_RULE, UNKNOWN_DEPLOYMENT, Problem, Resolve
from shared.core.views import API_NAMES, COST_TYPES

TARGET_KEYS = ("id", "scope", "metric", "threshold", "warningRatio", "costType")
SCOPE_KINDS = tuple(k.value for k in ScopeKind)
RESOLVED_KEYS = {ScopeKind.DEPLOYMENT: "deploymentId", ScopeKind.ACCOUNT: "accountId"}
SCOPE_KEYS = (*SCOPE_KINDS, *RESOLVED_KEYS.values())
DEFAULT_WARNING_RATIO = Decimal("0.8")
DEFAULT_COST_TYPE = CostType.AMORTIZED
UNKNOWN_ACCOUNT = "no account of the inventory has this ARM id"
UNKNOWN_USE_CASE = "no use case has this name"
NOT_AN_ACCOUNT_ID = "must be the ARM id of a Cognitive Services account"
SCOPE_RULE = "must be an object naming one of " + ", ".join(SCOPE_KINDS)

# Metrics that do not fit a scope kind, and why.
UNFIT: Mapping[tuple[Metric, ScopeKind], str] = {
    **{
        (Metric.COST_PER_OUTCOME, kind): "costPerOutcome needs a useCase scope: only a use case "
        "has outcomes"
        for kind in ScopeKind
        if kind is not ScopeKind.USE_CASE
    },
    **{
        (metric, ScopeKind.USE_CASE): f"{metric.value} is not offered for a useCase scope (the "
        "use-case economics carry no input/output cost split): use costPer1kTokens"
        for metric in (Metric.COST_PER_1K_INPUT_TOKENS, Metric.COST_PER_1K_OUTPUT_TOKENS)
    },
}


def known_accounts(account_ids: Iterable[str]) -> dict[str, str]:
    """The account resolver's lookup: `id_key` of an account's ARM id -> the id as given."""
    return {id_key(a): a for a in account_ids}


def parse_targets(
    raw: object,
    path: str,
    resolve_deployment: Resolve,
    resolve_account: Resolve,
    use_case_names: Collection[str],
) -> tuple[list[Target], list[Problem]]:
    """The definitions file's `targets` list (`raw`; None: absent, no targets) at `path`
    (`targets`): every target, and every problem (`targets[i].field`), duplicate ids included.
    The targets are meaningful only when there is no problem."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [(path, "must be a list of targets")]
    found: list[Target] = []
    problems: list[Problem] = []
    first_of: dict[str, int] = {}
    for i, item in enumerate(raw):
        at = f"{path}[{i}]"
        target, item_problems = parse_target(
            item, at, resolve_deployment, resolve_account, use_case_names
        )
        problems += item_problems
        target_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(target_id, str) and target_id in first_of:
            problems.append((_at(at, "id"), f"duplicate of {path}[{first_of[target_id]}].id"))
        elif isinstance(target_id, str):
            first_of[target_id] = i
        if target is not None:
            found.append(target)
    return found, problems


def parse_target(
    raw: object,
    path: str,
    resolve_deployment: Resolve,
    resolve_account: Resolve,
    use_case_names: Collection[str],
) -> tuple[Target | None, list[Problem]]:
    """One target (a request body: `path` ""), and its problems; the target is None whenever
    there is a problem."""
    if not isinstance(raw, dict):
        return None, [(path, "must be an object")]
    problems = [(_at(path, str(k)), "unknown field") for k in raw if k not in TARGET_KEYS]
    target_id = raw.get("id")
    if not isinstance(target_id, str):
        problems.append((_at(path, "id"), "required" if target_id is None else "must be a string"))
    elif not SLUG.fullmatch(target_id):
        problems.append((_at(path, "id"), SLUG_RULE))
    scope = _scope(
        raw.get("scope"),
        _at(path, "scope"),
        resolve_deployment,
        resolve_account,
        use_case_names,
        problems,
    )
    metric = _metric(raw.get("metric"), _at(path, "metric"), problems)
    if scope is not None and metric is not None and (metric, scope[0].kind) in UNFIT:
        problems.append((_at(path, "metric"), UNFIT[(metric, scope[0].kind)]))
    threshold = _number(raw, "threshold", path, problems)
    ratio: Decimal | None = DEFAULT_WARNING_RATIO
    if raw.get("warningRatio") is not None:
        ratio = _number(raw, "warningRatio", path, problems)
        if ratio is not None and not 0 < ratio <= 1:
            problems.append((_at(path, "warningRatio"), "must be greater than 0 and at most 1"))
    cost_type = _cost_type(raw.get("costType"), _at(path, "costType"), problems)
    if problems or scope is None or metric is None or threshold is None or ratio is None:
        return None, problems
    assert isinstance(target_id, str) and cost_type is not None
    return Target(target_id, scope[0], metric, threshold, ratio, cost_type, scope[1]), []


def target_json(target: Target) -> dict[str, object]:
    """A target in the file's shape: the scope's value as written (plus the resolved
    `deploymentId` / `accountId`), the threshold and ratio as exact decimal strings."""
    return {
        "id": target.id,
        "scope": scope_json(target),
        "metric": target.metric.value,
        "threshold": str(target.threshold),
        "warningRatio": str(target.warning_ratio),
        "costType": API_NAMES[target.cost_type],
    }


def scope_json(target: Target) -> dict[str, object]:
    """The scope as written (`{"tenant": true}` for the tenant), with its resolved id."""
    kind = target.scope.kind
    if kind is ScopeKind.TENANT:
        return {"tenant": True}
    body: dict[str, object] = {kind.value: target.scope_written or target.scope.value}
    if kind in RESOLVED_KEYS:
        body[RESOLVED_KEYS[kind]] = target.scope.value
    return body


def stored_target(raw: Mapping[str, object]) -> Target:
    """A target read back from `target_json` (stored valid: its ids resolve to themselves)."""
    found_scope = raw.get("scope")
    scope: Mapping[str, object] = found_scope if isinstance(found_scope, dict) else {}
    index = {
        id_key(str(scope[kind.value])): str(scope[key])
        for kind, key in RESOLVED_KEYS.items()
        if kind.value in scope and key in scope
    }
    names = [str(scope["useCase"])] if "useCase" in scope else []
    found, problems = parse_target(dict(raw), "", index.get, index.get, names)
    if found is None:
        raise ValueError(f"stored target does not parse: {problems[:3]}")
    return found


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _scope(
    raw: object,
    path: str,
    resolve_deployment: Resolve,
    resolve_account: Resolve,
    use_case_names: Collection[str],
    problems: list[Problem],
) -> tuple[TargetScope, str] | None:
    """The scope and its value as written, or None (a problem is recorded)."""
    if not isinstance(raw, dict):
        problems.append((path, "required" if raw is None else SCOPE_RULE))
        return None
    before = len(problems)
    problems += [(_at(path, str(k)), "unknown field") for k in raw if k not in SCOPE_KEYS]
    kinds = [k for k in ScopeKind if k.value in raw]
    if len(kinds) != 1:
        detail = SCOPE_RULE if not kinds else SCOPE_RULE.replace("one of", "exactly one of")
        problems.append((path, detail))
        return None
    [kind] = kinds
    for other, key in RESOLVED_KEYS.items():
        if key in raw and other is not kind:
            problems.append((_at(path, key), f"allowed only with {other.value}"))
        elif key in raw and not isinstance(raw[key], str):
            problems.append((_at(path, key), "must be a string"))
    at = _at(path, kind.value)
    value = raw[kind.value]
    if kind is ScopeKind.TENANT:
        if value is not True:
            problems.append((at, "must be true"))
        return (TargetScope(kind), "") if len(problems) == before else None
    if not isinstance(value, str) or not value.strip():
        problems.append((at, "must be a non-empty string"))
        return None
    resolved: str | None = value
    if kind is ScopeKind.DEPLOYMENT:
        resolved = resolve_deployment(id_key(value))
        if resolved is None:
            problems.append((at, UNKNOWN_DEPLOYMENT))
    elif kind is ScopeKind.ACCOUNT:
        resolved = resolve_account(id_key(value)) if is_account_id(value) else None
        if resolved is None:
            problems.append((at, UNKNOWN_ACCOUNT if is_account_id(value) else NOT_AN_ACCOUNT_ID))
    elif value not in use_case_names:
        problems.append((at, UNKNOWN_USE_CASE))
    if len(problems) != before or resolved is None:
        return None
    return TargetScope(kind, resolved), value


def _metric(raw: object, path: str, problems: list[Problem]) -> Metric | None:
    if isinstance(raw, str) and raw in tuple(Metric):
        return Metric(raw)
    names = ", ".join(m.value for m in Metric)
    problems.append((path, "required" if raw is None else f"must be one of {names}"))
    return None


def _cost_type(raw: object, path: str, problems: list[Problem]) -> CostType | None:
    if raw is None:
        return DEFAULT_COST_TYPE
    if isinstance(raw, str) and raw in COST_TYPES:
        return COST_TYPES[raw]
    problems.append((path, "must be one of " + ", ".join(COST_TYPES)))
    return None


def _number(
    raw: Mapping[str, object], key: str, path: str, problems: list[Problem]
) -> Decimal | None:
    """A non-negative decimal read exactly (module docstring), or None (a problem recorded)."""
    return exact_number(raw.get(key), _at(path, key), problems)
