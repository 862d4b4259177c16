"""Use-case definitions: every documented bad input is named by its JSON path (all at once),
overlaps name both places, and a stored use case reads back as it was written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.use_cases import (
    UNKNOWN_DEPLOYMENT,
    CallerKind,
    Problem,
    SourceType,
    known_index,
    parse_document,
    stored_use_case,
    use_case_json,
)
from shared.errors import InvalidDefinitions, NotFound
from shared.services.use_cases import UseCaseService
from tests.builders import GUID, OTHER, dep, use_case_body
from tests.fakes import MemoryTableGateway

CHAT, TEST, EMBED = dep("chat-prod"), dep("chat-test"), dep("embed", account=OTHER)
KNOWN = known_index((d.deployment_id, d.key) for d in (CHAT, TEST, EMBED))


def whole(d: Any = CHAT, written: str | None = None) -> dict[str, object]:
    return {"deployment": written or d.deployment_id}


def sliced(d: Any = CHAT, kind: str = "apimSubscriptions", *names: str) -> dict[str, object]:
    return {"deployment": d.deployment_id, "callers": {kind: list(names or ("bot",))}}


def problems_of(*use_cases: object, **top: object) -> list[Problem]:
    return parse_document({"useCases": list(use_cases), **top}, KNOWN)[1]


def fields(*use_cases: object, **top: object) -> list[str]:
    return [field for field, _ in problems_of(*use_cases, **top)]


def test_a_valid_file_parses_with_ids_resolved_case_insensitively_and_by_key() -> None:
    body = use_case_body(
        "support-bot",
        whole(CHAT, CHAT.deployment_id.upper()),
        whole(TEST, TEST.key),
        sliced(EMBED, "appRoles", "Support.Read"),
        {"deployment": EMBED.deployment_id, "callers": {"appRoles": ["support"]}},
    )
    found, problems = parse_document({"useCases": [body]}, KNOWN)
    assert problems == []
    [use_case] = found
    assert [e.deployment_id for e in use_case.deployments] == [
        CHAT.deployment_id, TEST.deployment_id, EMBED.deployment_id, EMBED.deployment_id,
    ]  # fmt: skip
    assert use_case.deployments[0].deployment == CHAT.deployment_id.upper()  # as written
    assert use_case.deployments[2].callers == ((CallerKind.APP_ROLES, ("Support.Read",)),)
    assert use_case.outcome.source.type is SourceType.LOG_ANALYTICS
    assert use_case.cost_center == "CC-1042"


def test_targets_may_be_absent_or_a_list_and_are_ignored() -> None:
    assert problems_of(use_case_body("a", whole())) == []
    assert problems_of(use_case_body("a", whole()), targets=[{"anything": 1}]) == []
    assert fields(use_case_body("a", whole()), targets={}) == ["targets"]


def test_the_round_trip_through_json_and_the_store_is_exact() -> None:
    body = use_case_body("support-bot", whole(), sliced(EMBED, "apimSubscriptions", "a", "b"))
    [use_case], _ = parse_document({"useCases": [body]}, KNOWN)
    served = use_case_json(use_case)
    assert served == {**body, "deployments": [
        {**whole(), "deploymentId": CHAT.deployment_id},
        {**sliced(EMBED, "apimSubscriptions", "a", "b"), "deploymentId": EMBED.deployment_id},
    ]}  # fmt: skip
    assert stored_use_case(json.loads(json.dumps(served))) == use_case
    table = UseCaseTable(MemoryTableGateway())
    assert table.put(use_case) and table.get("support-bot") == use_case
    assert table.all() == [use_case]
    assert not table.put(use_case)  # the same again writes nothing


def test_a_push_source_takes_no_other_field() -> None:
    push = {"unit": "ticket", "source": {"type": "push"}}
    assert problems_of(use_case_body("a", whole(), outcome=push)) == []
    bad = {"unit": "ticket", "source": {"type": "push", "query": "x"}}
    assert fields(use_case_body("a", whole(), outcome=bad)) == ["useCases[0].outcome.source.query"]


BAD_INPUTS = [
    ({"name": "Support_Bot"}, "useCases[0].name", "slug"),
    ({"name": "a" * 64}, "useCases[0].name", "slug"),
    ({"name": "1bot"}, "useCases[0].name", "slug"),
    ({"name": None}, "useCases[0].name", "required"),
    ({"owner": None}, "useCases[0].owner", "required"),
    ({"owner": " "}, "useCases[0].owner", "must not be empty"),
    ({"costCenter": 1042}, "useCases[0].costCenter", "must be a string"),
    ({"description": ["x"]}, "useCases[0].description", "must be a string"),
    ({"colour": "red"}, "useCases[0].colour", "unknown field"),
    ({"outcome": None}, "useCases[0].outcome", "required"),
    ({"outcome": {"unit": "", "source": {"type": "push"}}}, "useCases[0].outcome.unit", "empty"),
    ({"outcome": {"unit": "q", "source": {"type": "sql"}}}, "useCases[0].outcome.source.type",
     "logAnalytics, push"),
    ({"outcome": {"unit": "q", "source": {"type": "push"}, "x": 1}}, "useCases[0].outcome.x",
     "unknown field"),
    ({"outcome": {"unit": "q", "source": {"type": "logAnalytics", "workspaceId": "ws-1",
      "query": "T | project day, outcomes"}}}, "useCases[0].outcome.source.workspaceId", "GUID"),
    ({"outcome": {"unit": "q", "source": {"type": "logAnalytics", "workspaceId": GUID}}},
     "useCases[0].outcome.source.query", "required"),
    ({"outcome": {"unit": "q", "source": {"type": "logAnalytics", "workspaceId": GUID,
      "query": "T | summarize n = count() by day // outcomes"}}},
     "useCases[0].outcome.source.query", "day and outcomes"),
    ({"outcome": {"unit": "q", "source": {"type": "logAnalytics", "workspaceId": GUID,
      "query": "T | project day, outcomes", "table": "T"}}}, "useCases[0].outcome.source.table",
     "unknown field"),
    ({"deployments": []}, "useCases[0].deployments", "at least one"),
    ({"deployments": None}, "useCases[0].deployments", "required"),
    ({"deployments": ["x"]}, "useCases[0].deployments[0]", "must be an object"),
    ({"deployments": [{"deployment": "/subscriptions/s1/nope"}]},
     "useCases[0].deployments[0].deployment", UNKNOWN_DEPLOYMENT),
    ({"deployments": [{"deployment": CHAT.deployment_id, "weight": 1}]},
     "useCases[0].deployments[0].weight", "unknown field"),
    ({"deployments": [{"deployment": CHAT.deployment_id, "callers": {}}]},
     "useCases[0].deployments[0].callers", "apimSubscriptions"),
    ({"deployments": [{"deployment": CHAT.deployment_id, "callers": {"ips": ["1"]}}]},
     "useCases[0].deployments[0].callers.ips", "unknown field"),
    ({"deployments": [{"deployment": CHAT.deployment_id, "callers": {"appRoles": []}}]},
     "useCases[0].deployments[0].callers.appRoles", "non-empty list"),
    ({"deployments": [{"deployment": CHAT.deployment_id, "callers": {"appRoles": ["a", ""]}}]},
     "useCases[0].deployments[0].callers.appRoles[1]", "non-empty string"),
]  # fmt: skip


@pytest.mark.parametrize("change,field,detail", BAD_INPUTS)
def test_each_bad_input_is_named_by_its_path(
    change: dict[str, object], field: str, detail: str
) -> None:
    body = {k: v for k, v in {**use_case_body("a", whole()), **change}.items() if v is not None}
    found = problems_of(body)
    assert [f for f, _ in found] == [field]
    assert detail in found[0][1]


def test_every_problem_of_a_file_is_named_at_once() -> None:
    first = use_case_body("Bad", {"deployment": "nope"}, owner="")
    second = {"name": "b", "extra": 1}
    found = fields(first, second, 7, colour="red")
    assert found == [
        "colour",
        "useCases[0].name", "useCases[0].owner", "useCases[0].deployments[0].deployment",
        "useCases[1].extra", "useCases[1].owner", "useCases[1].costCenter",
        "useCases[1].outcome", "useCases[1].deployments",
        "useCases[2]",
    ]  # fmt: skip


def test_the_document_itself_is_checked() -> None:
    assert parse_document([], KNOWN)[1] == [("", "the file must hold a JSON object with useCases")]
    assert parse_document({}, KNOWN)[1] == [("useCases", "required")]
    assert parse_document({"useCases": {}}, KNOWN)[1] == [
        ("useCases", "must be a list of use cases")
    ]


def test_duplicate_names_name_the_first() -> None:
    found = problems_of(use_case_body("a", whole()), use_case_body("a", whole(TEST)))
    assert found == [("useCases[1].name", "duplicate of useCases[0].name")]


OVERLAPS = [
    ([[whole()], [whole(CHAT, CHAT.key)]], "useCases[1].deployments[0].deployment",
     "already taken whole at useCases[0].deployments[0] (uc0)"),
    ([[whole(), whole()]], "useCases[0].deployments[1].deployment",
     "already taken whole at useCases[0].deployments[0] (uc0)"),
    ([[whole()], [sliced()]], "useCases[1].deployments[0].callers",
     "already taken whole at useCases[0].deployments[0] (uc0)"),
    ([[sliced(), whole()]], "useCases[0].deployments[1].deployment",
     "already sliced by callers at useCases[0].deployments[0] (uc0)"),
    ([[sliced()], [sliced()]], "useCases[1].deployments[0].callers.apimSubscriptions[0]",
     "already claimed at useCases[0].deployments[0].callers.apimSubscriptions[0] (uc0)"),
    ([[sliced(CHAT, "appRoles", "r", "r")]], "useCases[0].deployments[0].callers.appRoles[1]",
     "already claimed at useCases[0].deployments[0].callers.appRoles[0] (uc0)"),
    ([[sliced()], [sliced(CHAT, "appRoles", "r")]], "useCases[1].deployments[0].callers.appRoles",
     "already sliced by apimSubscriptions at useCases[0].deployments[0].callers (uc0)"),
    ([[{"deployment": CHAT.deployment_id,
        "callers": {"apimSubscriptions": ["a"], "apimProducts": ["p"]}}]],
     "useCases[0].deployments[0].callers.apimProducts",
     "already sliced by apimSubscriptions at useCases[0].deployments[0].callers (uc0)"),
]  # fmt: skip


@pytest.mark.parametrize("entries,field,detail", OVERLAPS)
def test_overlaps_are_refused_naming_both_places(
    entries: list[list[dict[str, object]]], field: str, detail: str
) -> None:
    bodies = [use_case_body(f"uc{i}", *e) for i, e in enumerate(entries)]
    found = problems_of(*bodies)
    assert len(found) == 1 and found[0][0] == field
    assert detail in found[0][1]


def test_disjoint_slices_of_one_deployment_may_go_to_several_use_cases() -> None:
    assert (
        problems_of(
            use_case_body("a", sliced(CHAT, "apimSubscriptions", "a"), whole(TEST)),
            use_case_body(
                "b", sliced(CHAT, "apimSubscriptions", "b"), sliced(EMBED, "appRoles", "a")
            ),
            use_case_body("c", sliced(CHAT, "apimSubscriptions", "c")),
        )
        == []
    )


class Inventory:
    def known_deployments(self) -> list[Any]:
        return [CHAT, TEST, EMBED]


def service() -> tuple[UseCaseService, MemoryTableGateway]:
    gateway = MemoryTableGateway()
    return UseCaseService(UseCaseTable(gateway), Inventory()), gateway


def test_apply_replaces_the_stored_set_exactly_and_twice_writes_nothing() -> None:
    uses, gateway = service()
    doc = {"useCases": [use_case_body("b", whole()), use_case_body("a", whole(TEST))]}
    report = uses.apply(doc)
    assert report.created == ("a", "b") and report.changed
    assert [u.name for u in uses.list()] == ["a", "b"]
    writes = gateway.writes
    again = uses.apply(doc)
    assert not again.changed and again.unchanged == ("a", "b") and gateway.writes == writes
    changed = uses.apply({"useCases": [use_case_body("a", whole(TEST), owner="ops")]})
    assert (changed.updated, changed.deleted) == (("a",), ("b",))
    assert [u.owner for u in uses.list()] == ["ops"]


def test_a_refused_apply_stores_nothing_and_names_every_problem() -> None:
    uses, gateway = service()
    uses.apply({"useCases": [use_case_body("a", whole())]})
    before = repr(gateway.tables)
    bad = {"useCases": [use_case_body("a", whole()), use_case_body("b", whole(), owner="")]}
    with pytest.raises(InvalidDefinitions) as err:
        uses.apply(bad)
    assert [f for f, _ in err.value.problems] == [
        "useCases[1].owner", "useCases[1].deployments[0].deployment",
    ]  # fmt: skip
    assert err.value.field == "useCases[1].owner"
    assert repr(gateway.tables) == before


def test_put_validates_against_the_other_stored_use_cases() -> None:
    uses, gateway = service()
    stored, created = uses.put("a", use_case_body("a", whole()))
    assert created and stored.name == "a"
    assert uses.put("a", {**use_case_body("a", whole()), "owner": "ops"})[1] is False
    before = repr(gateway.tables)
    with pytest.raises(InvalidDefinitions) as err:
        uses.put("b", {k: v for k, v in use_case_body("b", whole(CHAT, CHAT.key)).items()
                       if k != "name"})  # fmt: skip
    assert err.value.problems == (
        ("deployments[0].deployment",
         "this deployment is already taken whole at deployments[0] of the stored use case 'a'"),
    )  # fmt: skip
    with pytest.raises(InvalidDefinitions) as err:
        uses.put("b", use_case_body("c", whole(TEST)))
    assert err.value.field == "name"
    with pytest.raises(InvalidDefinitions) as err:
        uses.put("b", [])
    assert err.value.field == "body"
    assert repr(gateway.tables) == before
    assert uses.put("a", use_case_body("a", sliced()))[1] is False  # itself is no overlap


def test_get_and_delete_of_an_unknown_use_case_are_not_found() -> None:
    uses, _ = service()
    uses.put("a", use_case_body("a", whole()))
    for name in ("b", "Not/A/Slug"):
        with pytest.raises(NotFound):
            uses.get(name)
        with pytest.raises(NotFound):
            uses.delete(name)
    uses.delete("a")
    assert uses.list() == []
