"""The demo's unit-cost targets end to end: the three states it prints (ok, at-risk, breached),
the CloudEvents it would send (one AtRisk, one Breached, none for the ok target), and the running
demo's `GET /api/targets/{id}/status` agreeing with the printout.

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
EXPECTED_EVENTS = {
    AT_RISK_TARGET: "UnitCost.Target.AtRisk",
    BREACHED_TARGET: "UnitCost.Target.Breached",
}
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


def _printed_targets(output: str) -> dict[str, dict[str, str]]:
    """Each printed target block: its state and amounts (as printed)."""
    section = output[output.index("Unit-cost targets, ") : output.index("Target events: ")]
    found: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in section.splitlines():
        if head := HEAD.match(line):
            current = found.setdefault(head["id"], {"head": line})
        elif current is not None and (state := STATE.match(line)):
            current["state"] = state["state"]
        elif current is not None and (amounts := AMOUNTS.match(line)):
            current.update(amounts.groupdict())
        elif current is not None and line.startswith("  drivers vs previous period: "):
            current["vsPreviousPeriod"] = line
        elif current is not None and line.startswith("  transition "):
            current["transition"] = line
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
    printed = _printed_targets(output)
    assert {t: p["state"] for t, p in printed.items()} == EXPECTED_STATES
    for target_id, block in printed.items():
        assert "no previous period" in block["vsPreviousPeriod"], target_id
        assert block["transition"].startswith(
            f"  transition first evaluation -> {EXPECTED_STATES[target_id]} at "
        ), block
    assert f"{SUPPORT_BOT}, costPerOutcome" in printed[OK_TARGET]["head"]
    assert f"deployment {PTU_DEPLOYMENT}, costPer1kTokens" in printed[BREACHED_TARGET]["head"]


def test_the_demo_prints_one_event_of_each_expected_type_and_none_for_ok(demo: Demo) -> None:
    _, output = demo
    assert "EVENTGRID_TOPIC_ENDPOINT is not set, so none was sent" in output
    events = _printed_events(output)
    assert sorted((e["subject"], e["type"]) for e in events) == sorted(
        (f"targets/{t}", kind) for t, kind in EXPECTED_EVENTS.items()
    )
    assert len({e["id"] for e in events}) == len(events)
    for event in events:
        data = event["data"]
        assert data["targetId"] == event["subject"].removeprefix("targets/")
        assert data["state"] == EXPECTED_STATES[data["targetId"]]
        assert data["previousState"] is None
        assert data["period"] == PERIOD
        assert data["link"] == f"/api/targets/{data['targetId']}/status"
        assert data["drivers"] == {"vsPreviousPeriod": None, "vsPreviousEvaluation": None}


def test_the_status_api_agrees_with_the_printout(demo: Demo) -> None:
    base, output = demo
    printed = _printed_targets(output)
    events = {e["data"]["targetId"]: e for e in _printed_events(output)}
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
        (transition,) = status["transitions"]
        assert transition["state"] == state and transition["previousState"] is None
        assert transition["event"] == EXPECTED_EVENTS.get(target_id)
        if target_id in events:
            data = events[target_id]["data"]
            assert data["observed"] == evaluation["observed"]
            assert data["threshold"] == evaluation["threshold"]
            assert data["forecast"] == evaluation["forecast"]


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
