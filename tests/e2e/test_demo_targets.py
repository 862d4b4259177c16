"""The demo's unit-cost targets end to end: the three states it prints (ok, at-risk, breached),
the CloudEvents it would send (none for the ok target; Breached for the PTU deployment; for the
summarizer Breached on the first evaluation, when 3 of every 10 summaries had not arrived yet,
then AtRisk once the late ones came, with the drivers of that change), and the running demo's
`GET /api/targets/{id}/status` agreeing with the printout.

The states are also checked against the numbers the other routes serve (the use cases' cost per
outcome, the deployment's cost per 1K tokens) and the documented rule (docs/targets.md): above
the threshold is breached, from warningRatio x threshold on at risk, else ok; the demo month is
closed, so the forecast is the observed value.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.demo.azurite import SIGTERM_EXIT_CODE
from shared.demo.sample_use_cases import (
    AT_RISK_TARGET,
    BREACHED_TARGET,
    OK_TARGET,
    PTU_DEPLOYMENT,
    SUMMARIZER,
    SUPPORT_BOT,
    targets_document,
)
from tests.e2e.test_demo import RunningDemo

PERIOD = "2026-10"
UNIT = Decimal("0.00000001")  # the API's quantum of unit costs
EXPECTED_STATES = {OK_TARGET: "ok", AT_RISK_TARGET: "at-risk", BREACHED_TARGET: "breached"}
# Each target's transitions, in order: (previous state, state, the event it sends).
EXPECTED_TRANSITIONS: dict[str, list[tuple[str | None, str, str | None]]] = {
    OK_TARGET: [(None, "ok", None)],
    AT_RISK_TARGET: [
        (None, "breached", "UnitCost.Target.Breached"),  # before the late summaries
        ("breached", "at-risk", "UnitCost.Target.AtRisk"),  # after them
    ],
    BREACHED_TARGET: [(None, "breached", "UnitCost.Target.Breached")],
}
TRANSITION = re.compile(
    r"^  transition (?P<previous>first evaluation|[a-z-]+) -> (?P<state>[a-z-]+) "
)
HEAD = re.compile(r"^Target (?P<id>[a-z0-9-]+): ")
STATE = re.compile(r"^  state: (?P<state>[a-z-]+)")
AMOUNTS = re.compile(
    r"^  observed (?P<observed>[\d,.]+) USD, threshold (?P<threshold>[\d,.]+) USD "
    r"\(at risk from (?P<warning>[\d,.]+) USD\)$"
)
EVENT = re.compile(
    r"^  (?P<type>UnitCost\.Target\.\w+)  subject (?P<subject>\S+)  id (?P<id>[0-9a-f]+)  "
    r"time (?P<time>\S+)$"
)

Demo = tuple[str, str]  # the API's base URL, the demo's output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    out: Path = tmp_path_factory.mktemp("tenant")
    running = RunningDemo(out)
    try:
        running.wait_served()
        yield running.base, running.output
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == SIGTERM_EXIT_CODE, running.output


def _get(base: str, path: str, **params: str) -> dict[str, Any]:
    resp = httpx.get(f"{base}{path}", params=params, timeout=60)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _printed_targets(output: str) -> dict[str, dict[str, Any]]:
    """Each target's block of the last printed evaluation (after the late summaries): its
    state, amounts and drivers lines as printed, and its transitions (previous, state)."""
    section = output[output.rindex("Unit-cost targets, ") : output.index("Target events: ")]
    found: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in section.splitlines():
        if head := HEAD.match(line):
            current = found.setdefault(head["id"], {"head": line, "transitions": []})
        elif current is None:
            continue
        elif state := STATE.match(line):
            current["state"] = state["state"]
        elif amounts := AMOUNTS.match(line):
            current.update(amounts.groupdict())
        elif line.startswith("  drivers vs previous period: "):
            current["vsPreviousPeriod"] = line
        elif line.startswith("  drivers vs previous evaluation: "):
            current["vsPreviousEvaluation"] = line
        elif moved := TRANSITION.match(line):
            previous = None if moved["previous"] == "first evaluation" else moved["previous"]
            current["transitions"].append((previous, moved["state"]))
    return found


def _printed_events(output: str) -> list[dict[str, Any]]:
    """The printed CloudEvents: type, subject, id, time and the data (parsed)."""
    lines = output[output.index("Target events: ") :].splitlines()
    events: list[dict[str, Any]] = []
    for line, following in pairwise(lines):
        if event := EVENT.match(line):
            assert following.startswith("    data "), following
            events.append({**event.groupdict(), "data": json.loads(following[len("    data ") :])})
    return events


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_the_demo_prints_one_target_in_each_state(demo: Demo) -> None:
    _, output = demo
    assert "Applied the targets of " in output
    assert "Late outcomes of summarizer: " in output
    printed = _printed_targets(output)
    assert {t: p["state"] for t, p in printed.items()} == EXPECTED_STATES
    for target_id, block in printed.items():
        assert "no previous period" in block["vsPreviousPeriod"], target_id
        expected = [(before, after) for before, after, _ in EXPECTED_TRANSITIONS[target_id]]
        assert block["transitions"] == expected, target_id
    assert f"{SUPPORT_BOT}, costPerOutcome" in printed[OK_TARGET]["head"]
    assert f"deployment {PTU_DEPLOYMENT}, costPer1kTokens" in printed[BREACHED_TARGET]["head"]


def test_the_late_summaries_lower_the_cost_per_summary_by_volume(demo: Demo) -> None:
    """Only the outcomes changed between the two evaluations: tokens per outcome (volume)
    carries the change; 3 of every 10 summaries came late, so the value fell to about 7/10."""
    _, output = demo
    line = _printed_targets(output)[AT_RISK_TARGET]["vsPreviousEvaluation"]
    head = re.search(r": ([\d.]+) USD -> ([\d.]+) USD \(([+-][\d.]+) USD, ", line)
    assert head is not None, line
    before, after, change = (Decimal(v) for v in head.groups())
    assert after - before == change < 0
    assert Decimal("0.65") < after / before < Decimal("0.75")
    effects = {k: Decimal(v) for k, v in re.findall(r"(\w+) \([^)]*\) ([+-][\d.]+) USD", line)}
    assert set(effects) == {"volume", "mix", "price", "rest"}
    assert abs(effects["volume"]) > 100 * max(abs(effects[k]) for k in ("mix", "price", "rest"))
    # The printed effects are each rounded to 1e-8: they add up to the change within 4 units.
    assert abs(sum(effects.values()) - change) <= 4 * UNIT


def test_the_demo_prints_the_expected_events_and_none_for_ok(demo: Demo) -> None:
    _, output = demo
    assert "EVENTGRID_TOPIC_ENDPOINT is not set, so none was sent" in output
    events = _printed_events(output)
    expected = [
        (f"targets/{t}", kind)
        for t, moves in EXPECTED_TRANSITIONS.items()
        for _, _, kind in moves
        if kind is not None
    ]
    assert sorted((e["subject"], e["type"]) for e in events) == sorted(expected)
    assert len({e["id"] for e in events}) == len(events)
    for event in events:
        data = event["data"]
        target_id = data["targetId"]
        assert target_id == event["subject"].removeprefix("targets/")
        (move,) = [m for m in EXPECTED_TRANSITIONS[target_id] if m[2] == event["type"]]
        assert (data["previousState"], data["state"]) == (move[0], move[1])
        assert data["period"] == PERIOD
        assert data["link"] == f"/api/targets/{target_id}/status"
        assert data["drivers"]["vsPreviousPeriod"] is None  # one month: nothing before
        changed = data["drivers"]["vsPreviousEvaluation"]
        assert (changed is not None) == (move[0] is not None)  # drivers since the first one


def test_the_status_api_agrees_with_the_printout(demo: Demo) -> None:
    base, output = demo
    printed = _printed_targets(output)
    listed = _get(base, "/api/targets")
    assert sorted(t["id"] for t in listed["targets"]) == sorted(EXPECTED_STATES)
    for target_id, state in EXPECTED_STATES.items():
        status = _get(base, f"/api/targets/{target_id}/status")
        assert status["targetId"] == target_id
        (evaluation,) = [p for p in status["periods"] if p["period"] == PERIOD]
        assert evaluation["state"] == state
        for printed_key, api_key in (
            ("observed", "observed"),
            ("threshold", "threshold"),
            ("warning", "warningAt"),
        ):
            api = Decimal(str(evaluation[api_key]))
            assert _number(printed[target_id][printed_key]) == api, (target_id, api_key)
        assert evaluation["forecast"]["method"] == "observed"  # the month is closed
        assert evaluation["forecast"]["value"] == evaluation["observed"]
        assert evaluation["drivers"]["vsPreviousPeriod"] is None
        moves = [(t["previousState"], t["state"], t["event"]) for t in status["transitions"]]
        assert moves == EXPECTED_TRANSITIONS[target_id]


def _observed_elsewhere(base: str) -> dict[str, Decimal]:
    """Each target's metric as the other routes serve it (amortized cost, the demo month)."""
    cost_per_outcome = {
        name: Decimal(str(_get(base, f"/api/use-cases/{name}/unit-costs", period=PERIOD)[
            "costPerOutcome"
        ]))
        for name in (SUPPORT_BOT, SUMMARIZER)
    }  # fmt: skip
    listed = _get(base, "/api/unit-costs", period=PERIOD, costType="amortized")
    (ptu,) = [d for d in listed["deployments"] if d["deployment"] == PTU_DEPLOYMENT]
    return {
        OK_TARGET: cost_per_outcome[SUPPORT_BOT],
        AT_RISK_TARGET: cost_per_outcome[SUMMARIZER],
        BREACHED_TARGET: Decimal(str(ptu["costPer1kTokens"])),
    }


def test_each_state_follows_from_the_served_numbers_with_a_margin(demo: Demo) -> None:
    base, _ = demo
    elsewhere = _observed_elsewhere(base)
    definitions = {t["id"]: t for t in targets_document()}
    for target_id, state in EXPECTED_STATES.items():
        status = _get(base, f"/api/targets/{target_id}/status")
        observed = Decimal(str(status["periods"][0]["observed"]))
        assert abs(observed - elsewhere[target_id]) <= UNIT, target_id
        threshold = Decimal(definitions[target_id]["threshold"])
        warning = threshold * Decimal(definitions[target_id]["warningRatio"])
        value = elsewhere[target_id]
        expected = "breached" if value > threshold else "at-risk" if value >= warning else "ok"
        assert expected == state, (target_id, value, threshold)
        # stable: at least 5 % away from the boundaries that would change the state
        for boundary in (threshold, warning):
            assert abs(value - boundary) >= boundary * Decimal("0.05"), (target_id, boundary)
