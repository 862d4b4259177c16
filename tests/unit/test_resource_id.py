"""Resource ids compare case-insensitively (shared/core/resource_id.py) and stay text as billed."""

from __future__ import annotations

from datetime import date

from shared.core.arm_ids import deployment_id, parse_account_id
from shared.core.deployment_timeline import DeploymentTimeline
from shared.core.inventory import InventorySnapshot, by_account
from shared.core.resource_id import id_key, same_id
from shared.core.usage import UsageIndex
from tests.builders import ACC, D1, dep, use

BILLED = ACC.lower()  # Cost Management may lower-case the id


def test_one_id_in_any_casing_has_one_key() -> None:
    assert id_key(ACC) == id_key(BILLED) == id_key(ACC.upper())
    assert same_id(ACC, BILLED)
    assert not same_id(ACC, ACC + "2")
    assert not same_id(ACC, f" {ACC}")  # blanks are not casing: ids arrive stripped


def test_the_key_is_only_for_comparing_the_text_stays_as_given() -> None:
    account = parse_account_id(BILLED)
    assert account.norm == id_key(ACC)
    assert account.key == parse_account_id(ACC).key
    assert deployment_id(BILLED, "Chat") == f"{BILLED}/deployments/Chat"  # spelled as given
    assert dep("Chat").deployment_id == f"{ACC}/deployments/Chat"
    assert use("Chat", account=BILLED).deployment_id == f"{BILLED}/deployments/Chat"


def test_lookups_by_id_answer_any_casing() -> None:
    deployment = dep("Chat-Prod", capacity=5)
    index = UsageIndex.build([use("chat-prod", 7, account=BILLED)])
    found = index.get(D1, deployment.deployment_id.upper())
    assert found is not None and found.input_tokens == 7
    assert found.account_id == BILLED  # the record keeps the id as billed
    timeline = DeploymentTimeline.build([InventorySnapshot.on(date(2026, 11, 1), (deployment,))])
    assert timeline.hours(D1, id_key(deployment.deployment_id)) == 24
    assert timeline.capacity_hours(D1, deployment.deployment_id.upper()) == 5 * 24
    assert list(by_account([deployment])) == [id_key(ACC)]
