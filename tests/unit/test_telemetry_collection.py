"""Telemetry collection through the collection service, on the in-memory fakes: caller tokens
resolved to known deployments (never guessed), use cases' outcome queries (one failing stops only
itself), the shrink rule per source and per use case, and a changed period enqueued only when it
has costs (its allocation is then a no-op; its targets are evaluated again)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pytest

from shared.adapters.storage.costs_table import CostsTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.callers import Caller, CallerKind, CallerUsage, LoggedCalls, TelemetrySource
from shared.core.costs import CostType
from shared.core.inputs import InputScope, InputSource
from shared.core.inventory import Deployment
from shared.core.outcomes import DailyOutcomes
from shared.core.period import BillingPeriod, DateWindow
from shared.core.resource_id import id_key
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from shared.errors import CollectionRefused, SourceError
from shared.services.collection import CollectionService
from shared.services.collectors import CallerCollector, OutcomeCollector
from tests.builders import GUID, NOV, OTHER, dep
from tests.fakes import (
    ListQueue,
    MemoryCallerUsage,
    MemoryInputVersions,
    MemoryOutcomes,
    MemoryTableGateway,
)

WINDOW = NOV.window
D3, D4, D5, D6 = (date(2026, 11, d) for d in (3, 4, 5, 6))
DEC1 = date(2026, 12, 1)  # outside the window
CHAT = dep("chat-prod")  # account "acc"
CHAT_OTHER = dep("chat-prod", account=OTHER)  # the same deployment name in account "other"
TEST = dep("chat-test")  # only in "acc"
SUB = CallerKind.APIM_SUBSCRIPTIONS
A, B = Caller(SUB, "a"), Caller(SUB, "b")
ROLE = Caller(CallerKind.APP_ROLES, "checkout")


@dataclass
class FixedCalls:
    """A CallerUsageSource answering fixed logged calls (or raising)."""

    calls: list[LoggedCalls] | Exception
    source: TelemetrySource = TelemetrySource.APIM

    def fetch(self, window: DateWindow) -> list[LoggedCalls]:
        if isinstance(self.calls, Exception):
            raise self.calls
        return list(self.calls)  # the collector filters the window itself


@dataclass
class FixedQueries:
    """An OutcomeQuerySource answering each workspace and query fixed days (or raising);
    `asked` every query it ran."""

    answers: dict[str, list[DailyOutcomes] | Exception]
    asked: list[str] = field(default_factory=list)

    def fetch(self, workspace_id: str, query: str, window: DateWindow) -> list[DailyOutcomes]:
        assert workspace_id == GUID
        self.asked.append(query)
        answer = self.answers[query]
        if isinstance(answer, Exception):
            raise answer
        return list(answer)


@dataclass
class Known:
    deployments: Sequence[Deployment] = (CHAT, CHAT_OTHER, TEST)

    def known_deployments(self) -> list[Deployment]:
        return list(self.deployments)


def query_of(name: str) -> str:
    return f"AppEvents | where Name == '{name}' | summarize outcomes = count() by day = bin(1d)"


def use_case(name: str, source: SourceType = SourceType.LOG_ANALYTICS) -> UseCase:
    outcome = OutcomeSource(source)
    if source is SourceType.LOG_ANALYTICS:
        outcome = OutcomeSource(source, GUID, query_of(name))
    entry = DeploymentEntry(CHAT.key, CHAT.deployment_id)
    return UseCase(name, "owner", "CC-1", Outcome("resolved query", outcome), (entry,))


def days(*counts: tuple[date, int]) -> list[DailyOutcomes]:
    return [DailyOutcomes(d, n) for d, n in counts]


@dataclass
class Telemetry:
    """The telemetry collectors over memory fakes, and the collection service around them."""

    callers: MemoryCallerUsage = field(default_factory=MemoryCallerUsage)
    outcomes: MemoryOutcomes = field(default_factory=MemoryOutcomes)
    use_cases: UseCaseTable = field(default_factory=lambda: UseCaseTable(MemoryTableGateway()))
    queue: ListQueue = field(default_factory=ListQueue)
    versions: MemoryInputVersions = field(default_factory=MemoryInputVersions)

    def service(
        self,
        sources: Sequence[FixedCalls],
        queries: FixedQueries | None = None,
        billed: bool = False,
    ) -> CollectionService:
        collectors = [
            CallerCollector(sources, self.callers, Known()),
            OutcomeCollector(queries or FixedQueries({}), self.outcomes, self.use_cases),
        ]
        costs = Billed(MemoryTableGateway()) if billed else CostsTable(MemoryTableGateway())
        return CollectionService(collectors, costs, self.queue, self.versions)

    def stored(self) -> tuple[object, ...]:
        return copy.deepcopy((self.callers.rows, self.outcomes.collected, self.outcomes.events))


class Billed(CostsTable):
    """A costs store whose every period has collected costs."""

    def has_lines(self, period: BillingPeriod, cost_type: CostType) -> bool:
        return True


def test_a_period_with_costs_whose_telemetry_changed_is_enqueued_once() -> None:
    t = Telemetry()
    logged = [calls("acc", "chat-prod", A, 100, 10, 1)]
    report = t.service([FixedCalls(logged)], billed=True).collect_telemetry(WINDOW)
    assert report.changed_periods == frozenset({NOV}) and t.queue.sent == [NOV]
    again = t.service([FixedCalls(logged)], billed=True).collect_telemetry(WINDOW)
    assert again.changed_periods == frozenset() and t.queue.sent == [NOV]  # unchanged: no more


def calls(account: str, deployment: str, caller: Caller, inp: int, out: int, reqs: int,
          day: date = D3) -> LoggedCalls:  # fmt: skip
    return LoggedCalls(day, account, deployment, caller, inp, out, reqs)


def usage_key(day: date, d: Deployment, caller: Caller) -> tuple[date, str, Caller]:
    return (day, id_key(d.deployment_id), caller)


def test_calls_resolve_by_account_and_name_or_a_unique_name_and_the_rest_is_a_note() -> None:
    t = Telemetry()
    logged = [
        calls("acc", "chat-prod", A, 100, 10, 1),  # acc/chat-prod: CHAT
        calls("ACC", "Chat-Prod", A, 30, 3, 2),  # the same, other casing: summed with it
        calls("other", "chat-prod", A, 7, 1, 1),  # other/chat-prod: CHAT_OTHER
        calls("", "chat-test", B, 50, 5, 1),  # no account, one chat-test known: TEST
        calls("", "chat-prod", B, 70, 7, 1),  # no account, two chat-prod known: ambiguous
        calls("nope", "chat-test", B, 40, 4, 1),  # an account no snapshot knows
        calls("acc", "missing", B, 20, 2, 1),  # a deployment no snapshot knows
        calls("acc", "chat-prod", A, 900, 90, 9, DEC1),  # resolved, but outside the window
    ]
    report = t.service([FixedCalls(logged)]).collect_telemetry(WINDOW)

    assert t.callers.rows == {
        usage_key(D3, CHAT, A): CallerUsage(D3, CHAT.deployment_id, A, 130, 13, 3),  # 100+30..
        usage_key(D3, CHAT_OTHER, A): CallerUsage(D3, CHAT_OTHER.deployment_id, A, 7, 1, 1),
        usage_key(D3, TEST, B): CallerUsage(D3, TEST.deployment_id, B, 50, 5, 1),
    }
    assert report.caller_records == 3
    [note] = report.notes
    # unresolved: (70 + 7) + (40 + 4) + (20 + 2) = 143 tokens in 3 rows
    assert "caller telemetry (apim)" in note
    assert "143 tokens of 3 caller-day rows" in note
    assert "?/chat-prod" in note and "nope/chat-test" in note and "acc/missing" in note
    assert report.failures == ()
    # Telemetry feeds no allocation: the allocation's input version is unmoved, and a period
    # without costs is not enqueued (nothing to evaluate).
    assert t.queue.sent == [] and report.changed_periods == frozenset()
    assert t.versions.sequences == {InputScope(InputSource.CALLERS, NOV): 1}
    assert t.versions.version(NOV).sequence == 0


def test_a_run_of_the_same_telemetry_writes_nothing_and_bumps_nothing() -> None:
    t = Telemetry()
    logged = [calls("acc", "chat-prod", A, 100, 10, 1), calls("", "chat-test", B, 50, 5, 1)]
    t.service([FixedCalls(logged)]).collect_telemetry(WINDOW)
    writes, sequences = len(t.callers.writes), dict(t.versions.sequences)
    assert writes == 1  # one period, one planned write that changed something

    report = t.service([FixedCalls(logged)]).collect_telemetry(WINDOW)
    assert report.caller_records == 2 and report.notes == ()
    assert len(t.callers.writes) == writes
    assert t.versions.sequences == sequences
    assert t.queue.sent == []


def test_each_telemetry_source_replaces_only_its_own_callers() -> None:
    t = Telemetry()
    apim = [calls("acc", "chat-prod", A, 100, 10, 1)]
    roles = [calls("acc", "chat-prod", ROLE, 60, 6, 2)]
    t.service(
        [FixedCalls(apim), FixedCalls(roles, TelemetrySource.APP_INSIGHTS)]
    ).collect_telemetry(WINDOW)
    assert set(t.callers.rows) == {usage_key(D3, CHAT, A), usage_key(D3, CHAT, ROLE)}

    # APIM now logs caller b instead of a: a goes, the App Insights role stays.
    again = [calls("acc", "chat-prod", B, 80, 8, 1)]
    report = t.service([FixedCalls(again)]).collect_telemetry(WINDOW)
    assert report.caller_records == 1
    assert t.callers.rows == {
        usage_key(D3, CHAT, B): CallerUsage(D3, CHAT.deployment_id, B, 80, 8, 1),
        usage_key(D3, CHAT, ROLE): CallerUsage(D3, CHAT.deployment_id, ROLE, 60, 6, 2),
    }


def four_days_of_callers() -> list[LoggedCalls]:
    return [calls("acc", "chat-prod", A, 10, 1, 1, day) for day in (D3, D4, D5, D6)]


def test_caller_telemetry_shrinking_below_half_of_what_is_stored_is_refused() -> None:
    t = Telemetry()
    t.use_cases.put(use_case("support-bot"))
    queries = FixedQueries({query_of("support-bot"): days((D3, 4))})
    t.service([FixedCalls(four_days_of_callers())], queries).collect_telemetry(WINDOW)
    assert len(t.callers.rows) == 4
    before = t.stored()

    # 1 row where 4 are stored: 1 < 4 x 0.5 = 2, refused; the outcomes of the run neither stored
    one = [calls("acc", "chat-prod", A, 10, 1, 1, D3)]
    queries = FixedQueries({query_of("support-bot"): days((D3, 9))})
    with pytest.raises(CollectionRefused, match=r"caller telemetry \(apim\) answered 1 rows"):
        t.service([FixedCalls(one)], queries).collect_telemetry(WINDOW)
    assert t.stored() == before

    # 2 rows is not below 4 x 0.5 = 2: stored
    two = four_days_of_callers()[:2]
    same = FixedQueries({query_of("support-bot"): days((D3, 4))})
    assert t.service([FixedCalls(two)], same).collect_telemetry(WINDOW).caller_records == 2
    assert set(t.callers.rows) == {usage_key(D3, CHAT, A), usage_key(D4, CHAT, A)}

    # allowed: the 1 row replaces the 2
    report = t.service([FixedCalls(one)], same).collect_telemetry(WINDOW, allow_shrink=True)
    assert report.caller_records == 1 and set(t.callers.rows) == {usage_key(D3, CHAT, A)}


def test_a_failing_telemetry_source_stores_nothing_of_the_run() -> None:
    t = Telemetry()
    t.use_cases.put(use_case("support-bot"))
    queries = FixedQueries({query_of("support-bot"): days((D3, 4))})
    failing = FixedCalls(SourceError("Log Analytics answered 500"))
    with pytest.raises(SourceError):
        t.service([FixedCalls(four_days_of_callers()), failing], queries).collect_telemetry(WINDOW)
    assert t.callers.rows == {} and t.outcomes.collected == {}
    assert t.versions.sequences == {}


def test_each_log_analytics_use_case_is_collected_and_a_failing_query_stops_only_its_own() -> None:
    t = Telemetry()
    for name in ("billing", "support-bot"):
        t.use_cases.put(use_case(name))
    t.use_cases.put(use_case("pushed", SourceType.PUSH))
    first = FixedQueries({
        query_of("billing"): days((D3, 2), (D4, 3)),
        query_of("support-bot"): days((D3, 4), (D4, 5), (DEC1, 99)),  # December: dropped
    })  # fmt: skip
    report = t.service([], first).collect_telemetry(WINDOW)
    assert sorted(first.asked) == [query_of("billing"), query_of("support-bot")]  # not "pushed"
    assert report.outcome_days == 4  # 2 + 2 days in the window
    assert t.outcomes.collected == {
        ("billing", D3): 2, ("billing", D4): 3, ("support-bot", D3): 4, ("support-bot", D4): 5,
    }  # fmt: skip

    second = FixedQueries({
        query_of("billing"): SourceError("query failed: 'Name' is not a column"),
        query_of("support-bot"): days((D3, 6), (D4, 5)),
    })  # fmt: skip
    report = t.service([], second).collect_telemetry(WINDOW)
    [failure] = report.failures
    assert "'billing'" in failure and "is not a column" in failure
    assert report.outcome_days == 2  # support-bot's only
    assert t.outcomes.collected == {
        ("billing", D3): 2, ("billing", D4): 3,  # kept as stored
        ("support-bot", D3): 6, ("support-bot", D4): 5,  # replaced
    }  # fmt: skip
    assert t.queue.sent == []
    assert t.versions.version(NOV).sequence == 0  # outcomes feed no allocation either


def test_the_shrink_rule_counts_each_use_cases_days_on_their_own() -> None:
    t = Telemetry()
    for name in ("billing", "support-bot"):
        t.use_cases.put(use_case(name))
    four = days((D3, 1), (D4, 1), (D5, 1), (D6, 1))
    both = FixedQueries({query_of("billing"): four, query_of("support-bot"): four})
    t.service([], both).collect_telemetry(WINDOW)
    before = t.stored()

    # billing 4 of 4, support-bot 1 of 4: together 5 of 8 (not below half), but support-bot's
    # own 1 < 4 x 0.5 = 2: refused, nothing of the run stored (billing's neither)
    changed = days((D3, 7), (D4, 7), (D5, 7), (D6, 7))
    shrunk = FixedQueries({query_of("billing"): changed, query_of("support-bot"): days((D3, 1))})
    with pytest.raises(CollectionRefused, match="outcomes of use case 'support-bot' answered 1"):
        t.service([], shrunk).collect_telemetry(WINDOW)
    assert t.stored() == before

    report = t.service([], shrunk).collect_telemetry(WINDOW, allow_shrink=True)
    assert report.outcome_days == 5  # 4 + 1
    assert t.outcomes.collected == {
        **{("billing", d): 7 for d in (D3, D4, D5, D6)},
        ("support-bot", D3): 1,
    }


def test_a_failed_use_case_is_no_shrink_of_its_stored_days() -> None:
    t = Telemetry()
    t.use_cases.put(use_case("billing"))
    four = days((D3, 1), (D4, 1), (D5, 1), (D6, 1))
    t.service([], FixedQueries({query_of("billing"): four})).collect_telemetry(WINDOW)
    failing = FixedQueries({query_of("billing"): SourceError("timeout")})
    report = t.service([], failing).collect_telemetry(WINDOW)
    assert len(report.failures) == 1 and report.outcome_days == 0
    assert t.outcomes.collected == {("billing", d): 1 for d in (D3, D4, D5, D6)}
