"""Target definitions: every documented bad input is named by its JSON path (all at once, nothing
returned), thresholds are read exactly from their text, and a stored target reads back as it was
written."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.costs import CostType
from shared.core.exact_numbers import FLOAT_REFUSED
from shared.core.target_records import Metric, ScopeKind, Target, TargetScope
from shared.core.targets import (
    DEFAULT_WARNING_RATIO,
    NOT_AN_ACCOUNT_ID,
    UNKNOWN_ACCOUNT,
    UNKNOWN_USE_CASE,
    known_accounts,
    parse_target,
    parse_targets,
    stored_target,
    target_json,
)
from shared.core.use_cases import SLUG_RULE, UNKNOWN_DEPLOYMENT, Problem, known_index
from tests.builders import ACC, OTHER, dep

CHAT, EMBED = dep("chat-prod"), dep("embed", account=OTHER)
DEPLOYMENTS = known_index((d.deployment_id, d.key) for d in (CHAT, EMBED))
ACCOUNTS = known_accounts([ACC, OTHER])
USE_CASES = ("support-bot", "summarizer")
ISSUE_EXAMPLE = {
    "id": "support-bot-cpo",
    "scope": {"useCase": "support-bot"},
    "metric": "costPerOutcome",
    "threshold": "0.04",
    "warningRatio": "0.8",
    "costType": "actual",
}


def parse(raw: object, path: str = "") -> tuple[Target | None, list[Problem]]:
    return parse_target(raw, path, DEPLOYMENTS.get, ACCOUNTS.get, USE_CASES)


def body(**changes: object) -> dict[str, object]:
    """The issue's example with fields changed (a value None removes the field)."""
    found = {**ISSUE_EXAMPLE, **changes}
    return {k: v for k, v in found.items() if v is not None}


def problems(raw: object) -> list[Problem]:
    target, found = parse(raw)
    assert (target is None) == bool(found), "a target is returned exactly when all is well"
    return found


def test_the_issue_example_parses_exactly() -> None:
    target, found = parse(ISSUE_EXAMPLE)
    assert found == []
    assert target == Target(
        id="support-bot-cpo",
        scope=TargetScope(ScopeKind.USE_CASE, "support-bot"),
        metric=Metric.COST_PER_OUTCOME,
        threshold=Decimal("0.04"),
        warning_ratio=Decimal("0.8"),
        cost_type=CostType.ACTUAL,
        scope_written="support-bot",
    )


def test_warning_ratio_defaults_to_0_8_and_cost_type_to_amortized() -> None:
    target, found = parse(body(warningRatio=None, costType=None))
    assert found == [] and target is not None
    assert target.warning_ratio == DEFAULT_WARNING_RATIO == Decimal("0.8")
    assert target.cost_type is CostType.AMORTIZED
    target, _ = parse(body(costType="amortized", warningRatio=1))
    assert target is not None and target.cost_type is CostType.AMORTIZED
    assert target.warning_ratio == 1


@pytest.mark.parametrize(
    "written", [CHAT.deployment_id, CHAT.deployment_id.upper(), CHAT.key, CHAT.key.upper()]
)
def test_a_deployment_scope_resolves_by_arm_id_or_key_in_any_case(written: str) -> None:
    target, found = parse(body(scope={"deployment": written}, metric="costPer1kInputTokens"))
    assert found == [] and target is not None
    assert target.scope == TargetScope(ScopeKind.DEPLOYMENT, CHAT.deployment_id)
    assert target.scope_written == written


def test_an_account_scope_resolves_its_arm_id_in_any_case_and_the_tenant_is_true() -> None:
    target, found = parse(body(scope={"account": OTHER.lower()}, metric="periodCost"))
    assert found == [] and target is not None
    assert target.scope == TargetScope(ScopeKind.ACCOUNT, OTHER)
    assert target.scope_written == OTHER.lower()
    target, found = parse(body(scope={"tenant": True}, metric="costPerRequest"))
    assert found == [] and target is not None
    assert target.scope == TargetScope(ScopeKind.TENANT, "") and target.scope_written == ""


UNKNOWN_SUB = ACC.replace("/s1/", "/s9/")


@pytest.mark.parametrize(
    "changes,field,detail",
    [
        ({"id": None}, "id", "required"),
        ({"id": 7}, "id", "must be a string"),
        ({"id": "Support Bot"}, "id", SLUG_RULE),
        ({"scope": None}, "scope", "required"),
        ({"scope": "support-bot"}, "scope", "must be an object naming one of"),
        ({"scope": {}}, "scope", "must be an object naming one of"),
        ({"scope": {"useCase": "support-bot", "team": "x"}}, "scope.team", "unknown field"),
        (
            {"scope": {"useCase": "support-bot", "tenant": True}},
            "scope",
            "naming exactly one of",
        ),
        ({"scope": {"useCase": "nobody"}}, "scope.useCase", UNKNOWN_USE_CASE),
        ({"scope": {"useCase": ""}}, "scope.useCase", "must be a non-empty string"),
        ({"scope": {"useCase": 3}}, "scope.useCase", "must be a non-empty string"),
        (
            {"scope": {"deployment": "acc~nope~123"}, "metric": "periodCost"},
            "scope.deployment",
            UNKNOWN_DEPLOYMENT,
        ),
        (
            {"scope": {"account": CHAT.key}, "metric": "periodCost"},
            "scope.account",
            NOT_AN_ACCOUNT_ID,
        ),
        (
            {"scope": {"account": CHAT.deployment_id}, "metric": "periodCost"},
            "scope.account",
            NOT_AN_ACCOUNT_ID,
        ),
        (
            {"scope": {"account": UNKNOWN_SUB}, "metric": "periodCost"},
            "scope.account",
            UNKNOWN_ACCOUNT,
        ),
        ({"scope": {"tenant": False}, "metric": "periodCost"}, "scope.tenant", "must be true"),
        ({"scope": {"tenant": "yes"}, "metric": "periodCost"}, "scope.tenant", "must be true"),
        (
            {"scope": {"useCase": "support-bot", "deploymentId": CHAT.deployment_id}},
            "scope.deploymentId",
            "allowed only with deployment",
        ),
        (
            {"scope": {"account": ACC, "accountId": 5}, "metric": "periodCost"},
            "scope.accountId",
            "must be a string",
        ),
        ({"metric": None}, "metric", "required"),
        ({"metric": "costPerToken"}, "metric", "must be one of costPer1kTokens"),
        ({"scope": {"deployment": CHAT.key}}, "metric", "costPerOutcome needs a useCase scope"),
        ({"scope": {"account": ACC}}, "metric", "costPerOutcome needs a useCase scope"),
        ({"scope": {"tenant": True}}, "metric", "costPerOutcome needs a useCase scope"),
        ({"metric": "costPer1kInputTokens"}, "metric", "not offered for a useCase scope"),
        ({"metric": "costPer1kOutputTokens"}, "metric", "not offered for a useCase scope"),
        ({"threshold": None}, "threshold", "required"),
        ({"threshold": "-0.01"}, "threshold", "must not be negative"),
        ({"threshold": -1}, "threshold", "must not be negative"),
        ({"threshold": Decimal("-0.5")}, "threshold", "must not be negative"),
        ({"threshold": "cheap"}, "threshold", "must be a decimal number"),
        ({"threshold": ""}, "threshold", "must be a decimal number"),
        ({"threshold": " 0.04"}, "threshold", "must be a decimal number"),
        ({"threshold": "1_000"}, "threshold", "must be a decimal number"),
        ({"threshold": "NaN"}, "threshold", "must be a decimal number"),
        ({"threshold": "Infinity"}, "threshold", "must be a decimal number"),
        ({"threshold": Decimal("NaN")}, "threshold", "must be a finite number"),
        ({"threshold": Decimal("Infinity")}, "threshold", "must be a finite number"),
        ({"threshold": True}, "threshold", "not a boolean"),
        ({"threshold": 0.04}, "threshold", FLOAT_REFUSED),
        ({"threshold": [1]}, "threshold", "must be a number or a string"),
        ({"threshold": "1000000000000000.01"}, "threshold", "must be at most 1e15"),
        ({"threshold": 10**16}, "threshold", "must be at most 1e15"),
        ({"threshold": "1e-29"}, "threshold", "at most 28 decimal places"),
        ({"warningRatio": "0"}, "warningRatio", "greater than 0 and at most 1"),
        ({"warningRatio": "1.01"}, "warningRatio", "greater than 0 and at most 1"),
        ({"warningRatio": "-0.5"}, "warningRatio", "must not be negative"),
        ({"warningRatio": "most"}, "warningRatio", "must be a decimal number"),
        ({"warningRatio": False}, "warningRatio", "not a boolean"),
        ({"costType": "Actual"}, "costType", "must be one of actual, amortized"),
        ({"costType": "ActualCost"}, "costType", "must be one of actual, amortized"),
        ({"owner": "me"}, "owner", "unknown field"),
    ],
)
def test_every_bad_input_is_named_and_nothing_is_returned(
    changes: dict[str, object], field: str, detail: str
) -> None:
    found = problems(body(**changes))
    assert [f for f, _ in found] == [field], found
    assert detail in found[0][1]


def test_a_body_that_is_no_object_is_named() -> None:
    assert problems(["x"]) == [("", "must be an object")]


def test_every_problem_of_a_file_is_named_at_once_under_its_index() -> None:
    raw = [
        ISSUE_EXAMPLE,
        body(id="Bad", threshold="-1", metric="costPer1kInputTokens", extra=1),
        body(metric="periodCost"),  # a duplicate id
        "not a target",
        body(id="tenant-cost", scope={"tenant": True}, metric="periodCost", threshold=100),
    ]
    targets, found = parse_targets(raw, "targets", DEPLOYMENTS.get, ACCOUNTS.get, USE_CASES)
    assert [f for f, _ in found] == [
        "targets[1].extra",
        "targets[1].id",
        "targets[1].metric",
        "targets[1].threshold",
        "targets[2].id",
        "targets[3]",
    ]
    assert ("targets[2].id", "duplicate of targets[0].id") in found
    assert [t.id for t in targets] == ["support-bot-cpo", "support-bot-cpo", "tenant-cost"]


def test_absent_targets_are_none_and_a_non_list_is_named() -> None:
    assert parse_targets(None, "targets", DEPLOYMENTS.get, ACCOUNTS.get, []) == ([], [])
    assert parse_targets({}, "targets", DEPLOYMENTS.get, ACCOUNTS.get, []) == (
        [],
        [("targets", "must be a list of targets")],
    )


def test_a_json_number_is_read_exactly_from_its_text_with_parse_float_decimal() -> None:
    text = '{"threshold": 0.10000000000000000555, "warningRatio": 0.75}'
    numbers = json.loads(text, parse_float=Decimal)
    target, found = parse(body(**numbers))
    assert found == [] and target is not None
    assert target.threshold == Decimal("0.10000000000000000555")
    assert target.warning_ratio == Decimal("0.75")
    assert problems(body(**json.loads(text))) == [
        ("threshold", FLOAT_REFUSED),
        ("warningRatio", FLOAT_REFUSED),
    ]  # plain json.loads gives floats: refused, never rounded through binary


@pytest.mark.parametrize(
    "written,value",
    [
        ("0", Decimal(0)),
        ("-0", Decimal(0)),
        ("0.040", Decimal("0.040")),
        ("4e-2", Decimal("0.04")),
        ("1E3", Decimal(1000)),
        (12, Decimal(12)),
        ("1000000000000000", Decimal("1e15")),
        ("0.0000000000000000000000000001", Decimal("1e-28")),
    ],
)
def test_thresholds_within_the_rules_are_kept_exactly(written: object, value: Decimal) -> None:
    target, found = parse(body(threshold=written))
    assert found == [] and target is not None
    assert target.threshold == value and not target.threshold.is_signed()


@given(
    st.decimals(min_value=0, max_value=Decimal("1e15"), allow_nan=False, places=12),
    st.sampled_from([str, lambda d: json.loads(json.dumps({"t": str(d)}))["t"]]),
)
def test_any_threshold_text_is_read_exactly_and_round_trips(value: Decimal, spell: Any) -> None:
    text = str(value)
    target, found = parse(body(threshold=spell(value)))
    assert found == [] and target is not None
    assert target.threshold == Decimal(text)
    assert stored_target(json.loads(json.dumps(target_json(target)))) == target


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"scope": {"deployment": CHAT.key.upper()}, "metric": "costPer1kOutputTokens"},
        {"scope": {"account": OTHER.upper()}, "metric": "periodCost", "warningRatio": None},
        {"scope": {"tenant": True}, "metric": "costPer1kTokens", "costType": None},
    ],
)
def test_target_json_is_the_file_shape_and_reads_back_exactly(changes: dict[str, object]) -> None:
    written = body(**changes)
    target, found = parse(written)
    assert found == [] and target is not None
    served = target_json(target)
    expected_scope = dict(written["scope"])  # type: ignore[call-overload]
    if target.scope.kind is ScopeKind.DEPLOYMENT:
        expected_scope["deploymentId"] = CHAT.deployment_id
    if target.scope.kind is ScopeKind.ACCOUNT:
        expected_scope["accountId"] = OTHER
    assert served == {
        "id": written["id"],
        "scope": expected_scope,
        "metric": written["metric"],
        "threshold": written["threshold"],
        "warningRatio": written.get("warningRatio", "0.8"),
        "costType": written.get("costType", "amortized"),
    }
    stored = json.loads(json.dumps(served))
    assert stored_target(stored) == target  # without the inventory: from the resolved ids
    assert parse(served) == (target, [])  # sent back as served: resolved again, the same


def test_a_stored_target_that_does_not_parse_is_refused() -> None:
    with pytest.raises(ValueError, match="does not parse"):
        stored_target({"id": "x", "scope": {"deployment": CHAT.key}, "metric": "periodCost"})
