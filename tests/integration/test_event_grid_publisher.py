"""`EventGridPublisher` through the real `EventGridPublisherClient` and DefaultAzureCredential,
against the Event Grid topic double (shared/demo/event_receiver.py) served over HTTPS by the
Azure double: CloudEvents 1.0 envelopes, the Event Grid token audience, batches under the limits,
retried throttling, failures that keep the outbox (what was accepted is said, so it is never sent
again), and an event over 1 MB refused by name.

Expectations come from the test's own events, never from the adapter's code."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from azure.core.credentials import TokenCredential

from shared.adapters.azure.calls import CallOptions
from shared.adapters.azure.event_grid import (
    MAX_BATCH_EVENTS,
    MAX_REQUEST_BYTES,
    RETRY,
    SOURCE,
    EventGridPublisher,
    PublishError,
    pack,
    serialized_size,
)
from shared.core.target_records import OutboxEvent
from shared.demo.event_receiver import EventReceiver
from shared.demo.https_double import RecordedRequest
from tests.doubles import AzureDouble
from tests.doubles.fixtures import RunningDouble

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]
T0 = datetime(2026, 11, 20, 6, 0, 0, 250_000, tzinfo=UTC)
ONE_MB = 1_000_000


def event(n: int, note: str = "", target: str = "support-bot-cpo") -> OutboxEvent:
    data = {
        "targetId": target,
        "period": "2026-11",
        "state": "at-risk",
        "previousState": "ok",
        "observed": "0.0350",
        "threshold": 0.04,
        "note": note,
        "evidence": f"https://finops.example/api/targets/{target}/status",
    }
    return OutboxEvent(
        id=f"{n:016x}",
        type="UnitCost.Target.AtRisk",
        subject=f"targets/{target}",
        time=T0 + timedelta(minutes=n),
        data_json=json.dumps(data, ensure_ascii=False),
    )


def publisher(
    azure: RunningDouble,
    credential: Credential,
    sleeps: list[float] | None = None,
    max_attempts: int = RETRY.max_attempts,
    timeout_seconds: float = 30.0,
) -> EventGridPublisher:
    options = CallOptions(
        replace(RETRY, max_attempts=max_attempts),
        sleeps.append if sleeps is not None else (lambda seconds: None),
    )
    return EventGridPublisher(
        f"{azure.base_url}/api/events",
        credential(azure),
        options,
        timeout_seconds=timeout_seconds,
    )


def serve(serve_azure: Serve, receiver: EventReceiver) -> RunningDouble:
    return serve_azure(AzureDouble(events=receiver))


def as_sent(e: OutboxEvent) -> dict[str, object]:
    """What the topic must receive for an outbox event (CloudEvents 1.0, JSON format)."""
    return {
        "specversion": "1.0",
        "id": e.id,
        "source": SOURCE,
        "type": e.type,
        "subject": e.subject,
        "datacontenttype": "application/json",
        "data": json.loads(e.data_json),
    }


def received(receiver: EventReceiver) -> list[dict[str, object]]:
    return [{k: v for k, v in r.envelope.items() if k != "time"} for r in receiver.accepted]


def test_events_arrive_as_cloudevents_1_0_in_one_batch_with_the_event_grid_audience(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver()
    azure = serve(serve_azure, receiver)
    events = [event(1, "ünïcode ✓"), event(2, target="chat-tokens"), event(3)]

    publisher(azure, credential_for).send(events)

    assert received(receiver) == [as_sent(e) for e in events]
    times = [r.time for r in receiver.accepted]
    assert [datetime.fromisoformat(str(t).replace("Z", "+00:00")) for t in times] == [
        e.time for e in events
    ]
    (post,) = receiver.posts()
    assert post.headers["content-type"] == "application/cloudevents-batch+json; charset=utf-8"
    assert post.param("api-version") == "2018-01-01"
    assert receiver.duplicates() == []
    (token_request,) = azure.double.token_requests()
    scope = quote("https://eventgrid.azure.net/.default", safe="")
    assert f"scope={scope}".encode() in token_request.body


def test_the_topic_refuses_a_token_for_another_audience(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver()
    azure = serve(serve_azure, receiver)
    credential = credential_for(azure)
    arm = credential.get_token("https://management.azure.com/.default").token
    grid = credential.get_token("https://eventgrid.azure.net/.default").token
    body = json.dumps([{**as_sent(event(1)), "time": "2026-11-20T06:01:00Z"}]).encode()

    def post(token: str) -> int:
        headers = {
            "authorization": f"Bearer {token}",
            "content-type": "application/cloudevents-batch+json; charset=utf-8",
        }
        query = {"api-version": ["2018-01-01"]}
        request = RecordedRequest("POST", "/api/events", "", query, headers, body)
        return receiver.handle(request).status

    assert post(arm) == 401 and post("not-issued") == 401
    assert receiver.accepted == []
    assert post(grid) == 200 and receiver.ids() == [event(1).id]


def test_batches_stay_under_1_mb_and_every_event_arrives_once_in_order(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver(max_request_bytes=ONE_MB)  # strict: 10^6 bytes
    azure = serve(serve_azure, receiver)
    events = [event(n, "x✓" * 30_000) for n in range(25)]  # ~6 MB in all (escaped: \u2713)

    publisher(azure, credential_for).send(events)

    posts = receiver.posts()
    assert len(posts) >= 3
    assert all(len(p.body) <= MAX_REQUEST_BYTES for p in posts)
    assert receiver.ids() == [e.id for e in events]
    assert receiver.duplicates() == []
    assert [len(b) for b in receiver.batches] == [len(json.loads(p.body)) for p in posts]
    by_id = {e.id: e for e in events}
    for post, ids in zip(posts, receiver.batches, strict=True):  # the estimate bounds the body
        sizes = [serialized_size(by_id[i], json.loads(by_id[i].data_json)) for i in ids]
        assert len(post.body) <= 2 + sum(sizes) + 2 * (len(ids) - 1)


def test_pack_keeps_order_and_both_limits() -> None:
    """Both limits (5,000 events: only events under ~200 bytes could reach it before 1 MB)."""
    assert pack([(i, 10) for i in range(7)], max_bytes=2 + 10 * 3 + 2 * 2, max_events=5) == [
        (0, 1, 2),
        (3, 4, 5),
        (6,),
    ]
    assert pack([(i, 1) for i in range(7)], max_events=5) == [(0, 1, 2, 3, 4), (5, 6)]
    assert pack([("big", 50), ("small", 1)], max_bytes=20) == [("big",), ("small",)]
    assert [len(b) for b in pack([(i, 1) for i in range(MAX_BATCH_EVENTS * 2 + 1)])] == [
        MAX_BATCH_EVENTS,
        MAX_BATCH_EVENTS,
        1,
    ]
    assert pack([]) == []


def test_a_503_is_retried_as_retry_after_asks_then_accepted_once(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver(fail_first_n=2, fail_status=503, retry_after="2")
    azure = serve(serve_azure, receiver)
    sleeps: list[float] = []
    events = [event(1), event(2)]

    publisher(azure, credential_for, sleeps).send(events)

    assert sleeps == [2.0, 2.0]
    assert len(receiver.posts()) == 3
    assert receiver.ids() == [e.id for e in events]


def test_503_past_the_budget_keeps_everything_for_the_next_run(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver(fail_first_n=3, fail_status=503)
    azure = serve(serve_azure, receiver)
    events = [event(1), event(2)]
    source = publisher(azure, credential_for, max_attempts=3)

    with pytest.raises(PublishError) as caught:
        source.send(events)

    message = str(caught.value)
    assert "\n" not in message and "503" in message and "batch 1 of 1" in message
    assert caught.value.accepted == () and receiver.accepted == []
    source.send(events)  # the next run
    assert receiver.ids() == [e.id for e in events] and receiver.duplicates() == []


def test_a_401_is_not_retried_and_nothing_is_lost(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver(fail_first_n=1, fail_status=401)
    azure = serve(serve_azure, receiver)
    sleeps: list[float] = []
    source = publisher(azure, credential_for, sleeps)

    with pytest.raises(PublishError, match="401") as caught:
        source.send([event(1)])

    assert sleeps == [] and len(receiver.posts()) == 1
    assert caught.value.accepted == ()
    source.send([event(1)])
    assert receiver.ids() == [event(1).id]


def test_a_timeout_is_a_publish_error_and_not_retried(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver(fail_first_n=1, fail_delay_seconds=3.0)
    azure = serve(serve_azure, receiver)
    source = publisher(azure, credential_for, timeout_seconds=0.5)

    with pytest.raises(PublishError) as caught:
        source.send([event(1)])

    assert "\n" not in str(caught.value) and caught.value.accepted == ()
    assert len(receiver.posts()) == 1
    source.send([event(1)])
    assert receiver.ids() == [event(1).id]


def test_a_failed_later_batch_says_which_events_were_accepted(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver(fail_after=1, fail_first_n=10, fail_status=500)
    azure = serve(serve_azure, receiver)
    events = [event(n, "y" * 400_000) for n in range(4)]  # two per batch

    with pytest.raises(PublishError, match="batch 2 of 2") as caught:
        publisher(azure, credential_for, max_attempts=2).send(events)

    assert caught.value.accepted == tuple(events[:2])
    assert receiver.ids() == [e.id for e in events[:2]]


def test_an_event_over_1_mb_is_refused_by_name_and_the_others_are_sent(
    serve_azure: Serve, credential_for: Credential
) -> None:
    receiver = EventReceiver()
    azure = serve(serve_azure, receiver)
    small, huge, other = event(1), event(2, "z" * ONE_MB), event(3)
    bad = replace(event(4), data_json="{not json")

    with pytest.raises(PublishError) as caught:
        publisher(azure, credential_for).send([small, huge, other, bad])

    message = str(caught.value)
    assert huge.id in message and "1 MB" in message and "(and 1 more)" in message
    assert "\n" not in message
    assert caught.value.accepted == (small, other)
    assert receiver.ids() == [small.id, other.id]


def test_nothing_to_send_sends_nothing(serve_azure: Serve, credential_for: Credential) -> None:
    receiver = EventReceiver()
    azure = serve(serve_azure, receiver)
    publisher(azure, credential_for).send([])
    assert receiver.posts() == [] and azure.double.token_requests() == []


# --- the topic double itself ------------------------------------------------------------------


def _post(receiver: EventReceiver, body: object, content_type: str = "") -> int:
    headers = {
        "authorization": "Bearer anything",
        "content-type": content_type or "application/cloudevents-batch+json; charset=utf-8",
    }
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = RecordedRequest(
        "POST", "/api/events", "", {"api-version": ["2018-01-01"]}, headers, raw
    )
    return receiver.handle(request).status


GOOD = {
    "specversion": "1.0",
    "id": "a1",
    "source": SOURCE,
    "type": "UnitCost.Target.Breached",
    "subject": "targets/t",
    "time": "2026-11-20T06:00:00.000Z",
    "datacontenttype": "application/json",
    "data": {"x": 1},
}


OK_FIRST = {**GOOD, "id": "ok"}  # a good event before the bad one: none of the batch is kept


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ([OK_FIRST, {k: v for k, v in GOOD.items() if k != "specversion"}], ""),
        ([OK_FIRST, {**GOOD, "specversion": "0.3"}], ""),
        ([OK_FIRST, {k: v for k, v in GOOD.items() if k != "source"}], ""),
        ([OK_FIRST, {**GOOD, "id": ""}], ""),
        ([OK_FIRST, {**GOOD, "time": "yesterday"}], ""),
        ([OK_FIRST, {**GOOD, "subject": 7}], ""),
        ([OK_FIRST, {**GOOD, "Bad-Name": "x"}], ""),
        ([OK_FIRST, {**GOOD, "data_base64": "eA=="}], ""),
        ([OK_FIRST, "not an object"], ""),
        (GOOD, ""),
        ([], ""),
        (b"[{", ""),
        ([GOOD], "application/json"),
    ],
)
def test_the_topic_refuses_a_malformed_batch_with_400_and_records_none_of_it(
    body: object, content_type: str
) -> None:
    receiver = EventReceiver()
    assert _post(receiver, [GOOD, {**GOOD, "id": "a2"}]) == 200
    assert _post(receiver, body, content_type) == 400
    assert receiver.ids() == ["a1", "a2"]


def test_the_topic_wants_a_bearer_token_and_records_a_repeat() -> None:
    receiver = EventReceiver()
    anonymous = RecordedRequest(
        "POST", "/api/events", "", {"api-version": ["2018-01-01"]},
        {"content-type": "application/cloudevents-batch+json"}, json.dumps([GOOD]).encode(),
    )  # fmt: skip
    assert receiver.handle(anonymous).status == 401
    assert _post(receiver, [GOOD]) == 200 and _post(receiver, [GOOD]) == 200
    assert receiver.ids() == ["a1", "a1"] and receiver.duplicates() == ["a1"]
    assert _post(receiver, [GOOD] * (MAX_BATCH_EVENTS + 1)) == 413
