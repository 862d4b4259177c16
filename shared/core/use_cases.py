"""Use cases as code: who owns which deployments (or which callers' slice of them), and what
outcome their cost is divided by. The file format and rules: docs/use-cases.md.

Everything here is pure. Parsing returns every problem as `(field path, detail)` (a JSON path
such as `useCases[1].deployments[0].deployment`), never only the first, so one apply names every
bad field; the overlap check (`overlaps`) makes sure no deployment and no caller slice is claimed
twice, so no cent is counted twice.

A use case is `live` (the default) or `planned` (`status`). A planned one has no deployments yet
(`deployments` absent or empty) and a `plan`: its expected traffic (outcomes per day, requests
per outcome, tokens per request, an optional weekday shape) and the candidate configurations to
price it with (shared/core/planned_use_cases.py). A live one has deployments and may keep its
plan, for planned vs actual. The plan's numbers are read exactly (`_decimal`): an integer, a
Decimal (a file parsed with `parse_float=Decimal`), a string holding a JSON number, or a float
(a body parsed without parse_float), read from its shortest repr, which is the number written up
to 15 significant digits. They are stored and served as integers when whole and written so,
else as exact decimal strings (as targets' thresholds are).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.core.callers import CallerKind
from shared.core.exact_numbers import exact_number
from shared.core.inventory import SKU_TYPES
from shared.core.meters import Mode
from shared.core.price_book import ReservationTerm
from shared.core.resource_id import id_key

Problem = tuple[str, str]  # (field path, detail)
Resolve = Callable[[str], str | None]  # what a user wrote -> the inventory's ARM id, or None

SLUG = re.compile(r"[a-z][a-z0-9-]{0,62}")
GUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
SLUG_RULE = (
    "must be a slug: lower-case letters, digits and hyphens, 1 to 63, starting with a letter"
)
# The outcome query's output columns: both names must appear as whole words outside `//` comments.
OUTCOME_COLUMNS = ("day", "outcomes")
UNKNOWN_DEPLOYMENT = "no deployment of the inventory has this id or key"

DOCUMENT_KEYS = ("useCases", "targets")
USE_CASE_KEYS = (
    "name", "owner", "costCenter", "description", "status", "outcome", "deployments", "plan",
)  # fmt: skip
OUTCOME_KEYS = ("unit", "source")
ENTRY_KEYS = ("deployment", "deploymentId", "callers")  # deploymentId: as served, re-resolved
PLAN_KEYS = (
    "region", "outcomesPerDay", "requestsPerOutcome", "inputTokensPerRequest",
    "cachedInputTokensPerRequest", "outputTokensPerRequest", "weekdayShape", "candidates",
)  # fmt: skip
CANDIDATE_KEYS = ("model", "version", "sku", "ptu", "reservation")
WEEKDAYS = 7  # a weekday shape's weights, Monday..Sunday
# The SKUs' modes a candidate may have: the ones the what-if prices (shared/core/what_if.py).
PLANNABLE_MODES = (Mode.STANDARD, Mode.BATCH, Mode.PROVISIONED)
PLANNABLE_SKUS = ", ".join(sorted(k for k, (_, m) in SKU_TYPES.items() if m in PLANNABLE_MODES))
# JSON's number grammar (no blanks, no `+`, no NaN or Infinity): what a string may hold.
PLANNED_WITH_DEPLOYMENTS = (
    "a planned use case has no deployments yet: remove them, or make it live (status live)"
)
PLAN_REQUIRED = "required: a planned use case gives its traffic plan"


class UseCaseStatus(StrEnum):
    """Whether a use case runs on deployments (`live`) or is only planned (`planned`)."""

    LIVE = "live"
    PLANNED = "planned"


class SourceType(StrEnum):
    """Where a use case's outcomes (the units its cost is divided by) come from."""

    LOG_ANALYTICS = "logAnalytics"
    PUSH = "push"


@dataclass(frozen=True)
class OutcomeSource:
    type: SourceType
    workspace_id: str = ""
    query: str = ""


@dataclass(frozen=True)
class Outcome:
    unit: str
    source: OutcomeSource


@dataclass(frozen=True)
class DeploymentEntry:
    """One deployment of a use case: whole (`callers` empty) or the slice of these callers."""

    deployment: str  # as the user wrote it: an ARM id or a deployment key
    deployment_id: str  # the ARM id as the inventory spells it
    callers: tuple[tuple[CallerKind, tuple[str, ...]], ...] = ()

    @property
    def whole(self) -> bool:
        return not self.callers


@dataclass(frozen=True)
class PlannedCandidate:
    """A configuration a plan is priced with: a model (`version` None: any version of it), an
    ARM SKU name as written (SKU_TYPES, any case), and for provisioned SKUs a capacity (`ptu`
    None: sized from the planned traffic) and a reservation term ("1m", "1y")."""

    model: str
    sku: str
    version: str | None = None
    ptu: int | None = None
    reservation: str | None = None

    @property
    def label(self) -> str:
        """How readers name it: `gpt-4o 2024-11-20 GlobalStandard`, `... 15 PTU reserved 1m`."""
        text = " ".join(p for p in (self.model, self.version or "", self.sku) if p)
        if self.ptu is not None:
            text += f" {self.ptu} PTU"
        if self.reservation:
            text += f" reserved {self.reservation}"
        return text


@dataclass(frozen=True)
class Plan:
    """A use case's expected traffic and the candidates to price it with. Per-request token
    counts are averages (Decimal); `input_tokens_per_request` includes the cached ones.
    `weekday_shape` holds 7 weights, Monday..Sunday (None: flat, every day alike)."""

    region: str  # the ARM region the candidates are priced in
    outcomes_per_day: Decimal
    requests_per_outcome: Decimal
    input_tokens_per_request: Decimal
    cached_input_tokens_per_request: Decimal
    output_tokens_per_request: Decimal
    candidates: tuple[PlannedCandidate, ...]
    weekday_shape: tuple[Decimal, ...] | None = None

    @property
    def weights(self) -> tuple[Decimal, ...]:
        """The weekday weights, Monday..Sunday (1 each when flat)."""
        return self.weekday_shape or (Decimal(1),) * WEEKDAYS


@dataclass(frozen=True)
class UseCase:
    name: str
    owner: str
    cost_center: str
    outcome: Outcome
    deployments: tuple[DeploymentEntry, ...]
    description: str = ""
    status: UseCaseStatus = UseCaseStatus.LIVE
    plan: Plan | None = None

    @property
    def planned(self) -> bool:
        """Planned: no deployments yet, only a plan (module docstring)."""
        return self.status is UseCaseStatus.PLANNED


@dataclass(frozen=True)
class Placed:
    """A use case and where its fields are: `path` prefixes them in problems (`useCases[2]`, ""
    for a request body); None for a stored use case, never blamed, named by its name."""

    use_case: UseCase
    path: str | None

    def place(self, field: str) -> str:
        """How the other party's message names this use case's `field`."""
        if self.path is None:
            return f"{field} of the stored use case {self.use_case.name!r}"
        return f"{_at(self.path, field)} ({self.use_case.name})"


def known_index(deployments: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The resolver's lookup from (ARM id, key) pairs: `id_key` of either -> the ARM id."""
    index: dict[str, str] = {}
    for arm_id, key in deployments:
        index[id_key(arm_id)] = arm_id
        index[id_key(key)] = arm_id
    return index


def parse_document(raw: object, known: Mapping[str, str]) -> tuple[list[UseCase], list[Problem]]:
    """A whole definitions file: every use case, and every problem (overlaps and duplicate
    names included); the use cases are meaningful only when there is no problem."""
    if not isinstance(raw, dict):
        return [], [("", "the file must hold a JSON object with useCases")]
    problems = _unknown(raw, DOCUMENT_KEYS, "")
    if "targets" in raw and not isinstance(raw["targets"], list):
        problems.append(("targets", "must be a list of targets"))
    items = raw.get("useCases")
    if not isinstance(items, list):
        detail = "required" if items is None else "must be a list of use cases"
        return [], [*problems, ("useCases", detail)]
    found: list[UseCase] = []
    placed: list[Placed] = []
    first_of: dict[str, int] = {}
    for i, item in enumerate(items):
        path = f"useCases[{i}]"
        use_case, item_problems = parse_use_case(item, path, known.get)
        problems += item_problems
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name in first_of:
            problems.append((f"{path}.name", f"duplicate of useCases[{first_of[name]}].name"))
        elif isinstance(name, str):
            first_of[name] = i
        if use_case is not None:
            found.append(use_case)
            placed.append(Placed(use_case, path))
    return found, list(dict.fromkeys(problems + overlaps(placed)))  # each use case's own again


def parse_use_case(
    raw: object, path: str, resolve: Resolve
) -> tuple[UseCase | None, list[Problem]]:
    """One use case and its problems. The use case is None when `raw` is no object, else as far
    as it parses (so overlaps can still be checked): meaningful only without problems."""
    if not isinstance(raw, dict):
        return None, [(path, "must be an object")]
    problems = _unknown(raw, USE_CASE_KEYS, path)
    name = _text(raw, "name", path, problems)
    if name and not SLUG.fullmatch(name):
        problems.append((_at(path, "name"), SLUG_RULE))
    owner = _text(raw, "owner", path, problems)
    cost_center = _text(raw, "costCenter", path, problems)
    description = _text(raw, "description", path, problems, required=False)
    status = _status(raw.get("status"), _at(path, "status"), problems)
    outcome = _outcome(raw.get("outcome"), _at(path, "outcome"), problems)
    entries: list[DeploymentEntry] = []
    if status is UseCaseStatus.PLANNED:
        if raw.get("deployments") not in (None, []):
            problems.append((_at(path, "deployments"), PLANNED_WITH_DEPLOYMENTS))
        if raw.get("plan") is None:
            problems.append((_at(path, "plan"), PLAN_REQUIRED))
    else:
        entries = _entries(raw.get("deployments"), _at(path, "deployments"), resolve, problems)
    plan = None
    if "plan" in raw and not (raw["plan"] is None and status is UseCaseStatus.PLANNED):
        plan = _plan(raw.get("plan"), _at(path, "plan"), problems)
    draft = outcome or Outcome("", OutcomeSource(SourceType.PUSH))
    use_case = UseCase(name, owner, cost_center, draft, tuple(entries), description, status, plan)
    return use_case, problems + overlaps([Placed(use_case, path)])


def overlaps(placed: Sequence[Placed]) -> list[Problem]:
    """Every claim that counts a cent twice, blamed on the later claim (in `placed` order), the
    message naming the earlier: a deployment taken whole twice, whole and sliced, sliced by two
    caller kinds, or the same caller slice (deployment, caller kind, name) twice."""
    whole: dict[str, str] = {}  # id_key(deployment id) -> where it is taken whole
    sliced: dict[str, str] = {}  # id_key(deployment id) -> where it is first sliced
    sliced_by: dict[str, tuple[CallerKind, str]] = {}  # -> the caller kind of its slices, where
    slices: dict[tuple[str, CallerKind, str], str] = {}
    problems: list[Problem] = []

    def blame(p: Placed, field: str, detail: str) -> None:
        if p.path is not None:
            problems.append((_at(p.path, field), detail))

    for p in placed:
        for j, entry in enumerate(p.use_case.deployments):
            at = f"deployments[{j}]"
            key = id_key(entry.deployment_id)
            if not key:  # unknown to the inventory: a problem already
                continue
            if entry.whole:
                if key in whole or key in sliced:
                    taken = (
                        f"taken whole at {whole[key]}"
                        if key in whole
                        else (f"sliced by callers at {sliced[key]}")
                    )
                    blame(p, f"{at}.deployment", f"this deployment is already {taken}")
                else:
                    whole[key] = p.place(at)
                continue
            if key in whole:
                blame(p, f"{at}.callers", f"this deployment is already taken whole at {whole[key]}")
                continue
            sliced.setdefault(key, p.place(at))
            for kind, names in entry.callers:
                first_kind, where = sliced_by.setdefault(key, (kind, p.place(f"{at}.callers")))
                if kind is not first_kind:
                    blame(
                        p,
                        f"{at}.callers.{kind.value}",
                        f"this deployment is already sliced by {first_kind.value} at {where}:"
                        " slice one deployment by one caller kind (a call has a subscription, a"
                        " product and a role at once, so two kinds would count it twice)",
                    )
                    continue
                for k, caller in enumerate(names):
                    field = f"{at}.callers.{kind.value}[{k}]"
                    slot = (key, kind, caller)
                    if slot in slices:
                        blame(p, field, f"this caller is already claimed at {slices[slot]}")
                    else:
                        slices[slot] = p.place(field)
    return problems


def use_case_json(use_case: UseCase) -> dict[str, object]:
    """A use case in the file's shape (camelCase), plus each entry's resolved `deploymentId`."""
    source: dict[str, object] = {"type": use_case.outcome.source.type.value}
    if use_case.outcome.source.type is SourceType.LOG_ANALYTICS:
        source["workspaceId"] = use_case.outcome.source.workspace_id
        source["query"] = use_case.outcome.source.query
    body: dict[str, object] = {
        "name": use_case.name,
        "owner": use_case.owner,
        "costCenter": use_case.cost_center,
    }
    if use_case.description:
        body["description"] = use_case.description
    if use_case.planned:
        body["status"] = use_case.status.value
    body["outcome"] = {"unit": use_case.outcome.unit, "source": source}
    if not use_case.planned or use_case.deployments:
        body["deployments"] = [_entry_json(e) for e in use_case.deployments]
    if use_case.plan is not None:
        body["plan"] = plan_json(use_case.plan)
    return body


def plan_json(plan: Plan) -> dict[str, object]:
    """A plan in the file's shape, its numbers as `number_json` writes them."""
    body: dict[str, object] = {
        "region": plan.region,
        "outcomesPerDay": number_json(plan.outcomes_per_day),
        "requestsPerOutcome": number_json(plan.requests_per_outcome),
        "inputTokensPerRequest": number_json(plan.input_tokens_per_request),
        "cachedInputTokensPerRequest": number_json(plan.cached_input_tokens_per_request),
        "outputTokensPerRequest": number_json(plan.output_tokens_per_request),
    }
    if plan.weekday_shape is not None:
        body["weekdayShape"] = [number_json(w) for w in plan.weekday_shape]
    body["candidates"] = [_candidate_json(c) for c in plan.candidates]
    return body


def _candidate_json(candidate: PlannedCandidate) -> dict[str, object]:
    body: dict[str, object] = {"model": candidate.model}
    if candidate.version is not None:
        body["version"] = candidate.version
    body["sku"] = candidate.sku
    if candidate.ptu is not None:
        body["ptu"] = candidate.ptu
    if candidate.reservation is not None:
        body["reservation"] = candidate.reservation
    return body


def number_json(value: Decimal) -> int | str:
    """A plan's number as stored and served: an integer when written as one, else its exact
    decimal string (JSON has no exact decimals; a float would not be the number written)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent == 0:
        return int(value)
    return str(value)


def stored_use_case(raw: Mapping[str, object]) -> UseCase:
    """A use case read back from `use_case_json` (stored valid: its ids resolve to themselves)."""
    entries = raw.get("deployments")
    index = {
        id_key(str(e["deployment"])): str(e["deploymentId"])
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict)
    }
    found, problems = parse_use_case(dict(raw), "", index.get)
    if found is None:
        raise ValueError(f"stored use case does not parse: {problems[:3]}")
    return found


def _entry_json(entry: DeploymentEntry) -> dict[str, object]:
    body: dict[str, object] = {"deployment": entry.deployment, "deploymentId": entry.deployment_id}
    if entry.callers:
        body["callers"] = {kind.value: list(names) for kind, names in entry.callers}
    return body


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _unknown(raw: Mapping[str, object], allowed: Sequence[str], path: str) -> list[Problem]:
    return [(_at(path, str(k)), "unknown field") for k in raw if k not in allowed]


def _text(
    raw: Mapping[str, object], key: str, path: str, problems: list[Problem], required: bool = True
) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        problems.append((_at(path, key), "required" if value is None else "must be a string"))
        return ""
    if required and not value.strip():
        problems.append((_at(path, key), "must not be empty"))
    return value


def _outcome(raw: object, path: str, problems: list[Problem]) -> Outcome | None:
    if not isinstance(raw, dict):
        problems.append((path, "required" if raw is None else "must be an object"))
        return None
    problems += _unknown(raw, OUTCOME_KEYS, path)
    unit = _text(raw, "unit", path, problems)
    source = _source(raw.get("source"), _at(path, "source"), problems)
    return Outcome(unit, source) if source else None


def _source(raw: object, path: str, problems: list[Problem]) -> OutcomeSource | None:
    if not isinstance(raw, dict):
        problems.append((path, "required" if raw is None else "must be an object"))
        return None
    kinds = ", ".join(t.value for t in SourceType)
    kind = raw.get("type")
    if kind not in tuple(SourceType):
        detail = "required" if kind is None else f"must be one of {kinds}"
        problems.append((_at(path, "type"), detail))
        return None
    if kind == SourceType.PUSH:
        problems += [
            (_at(path, str(k)), "not allowed when type is push") for k in raw if k != "type"
        ]
        return OutcomeSource(SourceType.PUSH)
    problems += _unknown(raw, ("type", "workspaceId", "query"), path)
    workspace = _text(raw, "workspaceId", path, problems)
    if workspace and not GUID.fullmatch(workspace):
        problems.append((_at(path, "workspaceId"), "must be a GUID (the workspace's customer id)"))
    query = _text(raw, "query", path, problems)
    missing = [c for c in OUTCOME_COLUMNS if not _names_column(query, c)]
    if query.strip() and missing:
        columns = " and ".join(OUTCOME_COLUMNS)
        problems.append((_at(path, "query"), f"must output the columns {columns}"))
    return OutcomeSource(SourceType.LOG_ANALYTICS, workspace, query)


def _names_column(query: str, column: str) -> bool:
    """Whether the KQL text names `column` as a whole word outside `//` comments."""
    code = "\n".join(line.split("//", 1)[0] for line in query.splitlines())
    return re.search(rf"(?<![\w.]){re.escape(column)}(?!\w)", code) is not None


def _entries(
    raw: object, path: str, resolve: Resolve, problems: list[Problem]
) -> list[DeploymentEntry]:
    if not isinstance(raw, list) or not raw:
        detail = "required" if raw is None else "must list at least one deployment"
        problems.append((path, detail))
        return []
    found: list[DeploymentEntry] = []
    for j, item in enumerate(raw):
        at = f"{path}[{j}]"
        if not isinstance(item, dict):
            problems.append((at, "must be an object"))
            continue
        problems += _unknown(item, ENTRY_KEYS, at)
        written = _text(item, "deployment", at, problems)
        if "deploymentId" in item and not isinstance(item["deploymentId"], str):
            problems.append((f"{at}.deploymentId", "must be a string"))
        resolved = resolve(id_key(written)) if written.strip() else None
        if written.strip() and resolved is None:
            problems.append((f"{at}.deployment", UNKNOWN_DEPLOYMENT))
        callers = (
            _callers(item.get("callers"), f"{at}.callers", problems) if "callers" in item else ()
        )
        found.append(DeploymentEntry(written, resolved or "", callers))
    return found


def _callers(
    raw: object, path: str, problems: list[Problem]
) -> tuple[tuple[CallerKind, tuple[str, ...]], ...]:
    kinds = ", ".join(k.value for k in CallerKind)
    if not isinstance(raw, dict) or not raw:
        problems.append((path, f"must be an object naming callers by {kinds}"))
        return ()
    problems += _unknown(raw, tuple(k.value for k in CallerKind), path)
    found: list[tuple[CallerKind, tuple[str, ...]]] = []
    for kind in CallerKind:
        if kind.value not in raw:
            continue
        names = raw[kind.value]
        at = f"{path}.{kind.value}"
        if not isinstance(names, list) or not names:
            problems.append((at, "must be a non-empty list of names"))
            continue
        bad = [k for k, n in enumerate(names) if not isinstance(n, str) or not n.strip()]
        problems += [(f"{at}[{k}]", "must be a non-empty string") for k in bad]
        if not bad:
            found.append((kind, tuple(str(n) for n in names)))
    return tuple(found)


def _status(raw: object, path: str, problems: list[Problem]) -> UseCaseStatus:
    if raw is None:
        return UseCaseStatus.LIVE
    if isinstance(raw, str) and raw in tuple(UseCaseStatus):
        return UseCaseStatus(raw)
    problems.append((path, "must be one of " + ", ".join(s.value for s in UseCaseStatus)))
    return UseCaseStatus.LIVE


def _plan(raw: object, path: str, problems: list[Problem]) -> Plan | None:
    """The plan (module docstring), or None when it has a problem (recorded)."""
    if not isinstance(raw, dict):
        problems.append((path, "must be an object"))
        return None
    before = len(problems)
    problems += _unknown(raw, PLAN_KEYS, path)
    region = _text(raw, "region", path, problems)
    outcomes = _decimal(raw, "outcomesPerDay", path, problems, positive=True)
    requests = _decimal(raw, "requestsPerOutcome", path, problems, positive=True)
    inp = _decimal(raw, "inputTokensPerRequest", path, problems)
    cached = _decimal(raw, "cachedInputTokensPerRequest", path, problems, required=False)
    output = _decimal(raw, "outputTokensPerRequest", path, problems)
    if inp is not None and cached is not None and cached > inp:
        problems.append(
            (_at(path, "cachedInputTokensPerRequest"), "must not exceed inputTokensPerRequest")
        )
    if inp is not None and output is not None and inp + output == 0:
        problems.append((_at(path, "outputTokensPerRequest"), "a request has some tokens"))
    shape = _shape(raw.get("weekdayShape"), _at(path, "weekdayShape"), problems)
    candidates = _candidates(raw.get("candidates"), _at(path, "candidates"), problems)
    if len(problems) != before:
        return None
    assert outcomes is not None and requests is not None and inp is not None
    assert cached is not None and output is not None
    return Plan(region, outcomes, requests, inp, cached, output, candidates, shape)


def _decimal(
    raw: Mapping[str, object],
    key: str,
    path: str,
    problems: list[Problem],
    *,
    positive: bool = False,
    required: bool = True,
) -> Decimal | None:
    """`raw[key]` read exactly (module docstring): non-negative (positive when asked), finite,
    at most MAX_AMOUNT and MAX_PLACES places; absent and not required: 0."""
    if raw.get(key) is None and not required:
        return Decimal(0)
    return _number(raw.get(key), _at(path, key), problems, positive=positive)


def _number(
    value: object, at: str, problems: list[Problem], *, positive: bool = False
) -> Decimal | None:
    """A plan's number read exactly (shared/core/exact_numbers.py; a float from its repr)."""
    return exact_number(value, at, problems, positive=positive, floats=True)


def _shape(raw: object, path: str, problems: list[Problem]) -> tuple[Decimal, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != WEEKDAYS:
        problems.append((path, "must be a list of 7 weights, Monday to Sunday"))
        return None
    before = len(problems)
    weights = [_number(w, f"{path}[{k}]", problems) for k, w in enumerate(raw)]
    if len(problems) != before:
        return None
    found = tuple(w for w in weights if w is not None)
    if not any(found):
        problems.append((path, "must not be all zero"))
        return None
    return found


def _candidates(raw: object, path: str, problems: list[Problem]) -> tuple[PlannedCandidate, ...]:
    if not isinstance(raw, list) or not raw:
        detail = "required" if raw is None else "must list at least one candidate"
        problems.append((path, detail))
        return ()
    found: list[PlannedCandidate] = []
    first_of: dict[tuple[object, ...], int] = {}
    for k, item in enumerate(raw):
        at = f"{path}[{k}]"
        candidate = _candidate(item, at, problems)
        if candidate is None:
            continue
        same = (candidate.model.lower(), (candidate.version or "").lower(),
                candidate.sku.lower(), candidate.ptu, candidate.reservation)  # fmt: skip
        if same in first_of:
            problems.append((at, f"duplicate of {path}[{first_of[same]}]"))
            continue
        first_of[same] = k
        found.append(candidate)
    return tuple(found)


def _candidate(raw: object, path: str, problems: list[Problem]) -> PlannedCandidate | None:
    if not isinstance(raw, dict):
        problems.append((path, "must be an object"))
        return None
    before = len(problems)
    problems += _unknown(raw, CANDIDATE_KEYS, path)
    model = _text(raw, "model", path, problems).strip()
    version = _text(raw, "version", path, problems, required=False).strip() or None
    sku = _text(raw, "sku", path, problems).strip()
    found = SKU_TYPES.get(sku.lower()) if sku else None
    if sku and (found is None or found[1] not in PLANNABLE_MODES):
        problems.append((_at(path, "sku"), f"must be one of {PLANNABLE_SKUS} (any case)"))
    provisioned = found is not None and found[1] is Mode.PROVISIONED
    ptu = raw.get("ptu")
    if ptu is not None:
        whole = isinstance(ptu, int | Decimal) and not isinstance(ptu, bool) and ptu == int(ptu)
        if not whole or int(ptu) <= 0:
            problems.append((_at(path, "ptu"), "must be a positive whole number of PTUs"))
        elif found is not None and not provisioned:
            problems.append((_at(path, "ptu"), "only for a provisioned SKU"))
    reservation = raw.get("reservation")
    if reservation is not None:
        if not isinstance(reservation, str) or reservation.strip().lower() not in ("1m", "1y"):
            problems.append((_at(path, "reservation"), "must be 1m or 1y"))
        elif found is not None and not provisioned:
            problems.append((_at(path, "reservation"), "only for a provisioned SKU"))
    if len(problems) != before:
        return None
    term = None if reservation is None else ReservationTerm.parse(str(reservation)).value
    capacity = None if ptu is None else int(ptu)
    return PlannedCandidate(model, sku, version, capacity, term)
