"""The unit-cost target events in the Bicep: the topic takes CloudEvents 1.0, the app publishes
to its endpoint with EventGrid Data Sender on that topic alone, and an optional Event Grid
subscription (only when `targetEventsWebhookUrl` is given) delivers exactly the three target
event types, as CloudEvents 1.0, to that webhook (docs/targets.md)."""

from __future__ import annotations

import re

from bicep_query import INFRA, Declaration, Expr, Ref, load

from shared import settings
from shared.core.target_evaluation import AT_RISK_EVENT, BREACHED_EVENT, RECOVERED_EVENT

EVENTS = "app/events.bicep"
CLOUD_EVENTS = "CloudEventSchemaV1_0"
EVENT_DATA_SENDER = "d5a91429-5739-47e2-a06b-3470a27159e7"


def _subscription() -> Declaration:
    (found,) = [r for r in load(EVENTS).resources() if not r.existing]
    return found


def test_the_topic_takes_cloud_events_1_0_and_the_app_publishes_to_its_endpoint() -> None:
    topic = load("main.bicep").module("eventGridTopic").params
    assert topic["inputSchema"] == CLOUD_EVENTS
    api = load("app/api.bicep")
    (existing,) = [r for r in api.resources() if r.symbol == "eventGridTopic"]
    assert existing.existing and existing.source.startswith("Microsoft.EventGrid/topics@")
    assert existing.body["name"] == Ref("eventGridTopicName")
    app_settings = api.variables()["appSettings"]
    assert app_settings[settings.EVENTGRID_TOPIC_ENDPOINT] == Ref(
        "eventGridTopic.properties.endpoint"
    )
    assert settings.EVENTGRID_TOPIC_ENDPOINT in settings.SETTING_NAMES  # the code reads it
    main_api = load("main.bicep").module("api").params
    assert main_api["eventGridTopicName"] == Ref("eventGridTopic.outputs.name")


def test_the_identity_is_event_grid_data_sender_on_the_topic_only() -> None:
    rbac = load("app/rbac.bicep")
    assert rbac.variables()["roles"]["eventGridDataSender"] == EVENT_DATA_SENDER
    senders = [
        m
        for m in rbac.modules()
        if m.params.get("roleDefinitionId") == Ref("roles.eventGridDataSender")
    ]
    assert len(senders) == 1
    (sender,) = senders
    assert sender.params["resourceId"] == Ref("eventGridTopicResourceId")
    assert sender.params["roleName"] == "EventGrid Data Sender"
    assert sender.condition is None and sender.loop is None  # always: the app always publishes
    main_rbac = load("main.bicep").module("rbac").params
    assert main_rbac["eventGridTopicResourceId"] == Ref("eventGridTopic.outputs.resourceId")


def test_the_webhook_parameter_is_secure_optional_and_empty_by_default() -> None:
    param = load("main.bicep").params()["targetEventsWebhookUrl"]
    assert param.type == "string" and param.has_default and param.default == ""
    assert "@secure()" in param.decorators
    inner = load(EVENTS).params()["webhookUrl"]
    assert "@secure()" in inner.decorators and not inner.has_default
    text = (INFRA / "main.bicepparam").read_text(encoding="utf-8")
    assert (
        "param targetEventsWebhookUrl = readEnvironmentVariable('TARGET_EVENTS_WEBHOOK_URL', '')"
        in text.splitlines()
    )


def test_the_event_subscription_is_deployed_only_when_a_webhook_is_given() -> None:
    main = load("main.bicep")
    assert main.variables()["hasTargetEventsWebhook"] == Expr("!empty(targetEventsWebhookUrl)")
    module = main.module("targetEvents")
    assert module.source == EVENTS
    assert module.condition == Expr("(hasTargetEventsWebhook)")
    assert module.body["scope"] == Ref("rg")
    assert module.params == {
        "eventGridTopicName": Ref("eventGridTopic.outputs.name"),
        "webhookUrl": Ref("targetEventsWebhookUrl"),
    }
    # nothing else reads the URL: it reaches the subscription only
    code = [
        line
        for line in (INFRA / "main.bicep").read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("//")
    ]
    uses = [line for line in code if re.search(r"\btargetEventsWebhookUrl\b", line)]
    assert len(uses) == 3, uses  # the param, hasTargetEventsWebhook, the module's webhookUrl


def test_the_subscription_is_on_the_app_topic_and_delivers_to_the_webhook() -> None:
    events = load(EVENTS)
    assert events.target_scope() == "resourceGroup"
    (topic,) = [r for r in events.resources() if r.existing]
    assert topic.source.startswith("Microsoft.EventGrid/topics@")
    assert topic.body["name"] == Ref("eventGridTopicName")
    subscription = _subscription()
    assert subscription.source.startswith("Microsoft.EventGrid/topics/eventSubscriptions@")
    assert subscription.body["parent"] == Ref(topic.symbol)
    destination = subscription.body["properties"]["destination"]
    assert destination["endpointType"] == "WebHook"
    assert destination["properties"]["endpointUrl"] == Ref("webhookUrl")
    assert destination["properties"]["maxEventsPerBatch"] == 1  # one event per request


def test_the_subscription_filters_on_the_three_target_event_types_of_the_code() -> None:
    subscription = _subscription()
    event_filter = subscription.body["properties"]["filter"]
    assert event_filter == {"includedEventTypes": Ref("targetEventTypes")}
    assert load(EVENTS).variables()["targetEventTypes"] == [
        AT_RISK_EVENT,
        BREACHED_EVENT,
        RECOVERED_EVENT,
    ]


def test_the_subscription_delivers_cloud_events_1_0_and_retries_for_a_day() -> None:
    properties = _subscription().body["properties"]
    assert properties["eventDeliverySchema"] == CLOUD_EVENTS
    assert properties["retryPolicy"] == {
        "maxDeliveryAttempts": 30,
        "eventTimeToLiveInMinutes": 1440,
    }


def test_the_deployment_doc_names_the_webhook_parameter_and_its_variable() -> None:
    doc = (INFRA.parent / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "`targetEventsWebhookUrl`" in doc and "`TARGET_EVENTS_WEBHOOK_URL`" in doc
    targets = (INFRA.parent / "docs" / "targets.md").read_text(encoding="utf-8")
    assert "`targetEventsWebhookUrl`" in targets and "WebHook-Allowed-Origin" in targets
