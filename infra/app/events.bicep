// The optional delivery of the unit-cost target events (docs/targets.md): one Event Grid
// subscription on the app's topic that pushes UnitCost.Target.AtRisk, Breached and Recovered, as
// CloudEvents 1.0, to a webhook (a Teams workflow, Power Automate or Logic App HTTP trigger).
// main.bicep deploys this module only when targetEventsWebhookUrl is given.
//
// With CloudEvents 1.0 delivery, Event Grid validates the endpoint with the CloudEvents
// abuse-protection handshake: an HTTP OPTIONS request with WebHook-Request-Origin, which the
// endpoint must answer with WebHook-Allowed-Origin (see docs/targets.md).
targetScope = 'resourceGroup'

@description('Required. Name of the Event Grid custom topic (CloudEvents 1.0 input schema) the app publishes the target events to.')
param eventGridTopicName string

@secure()
@description('Required. HTTPS URL of the webhook that receives the target events. Secure: a workflow trigger URL carries its signature (sig=...), which is a secret.')
param webhookUrl string

@minLength(3)
@maxLength(64)
@description('Optional. Name of the event subscription. Default: target-events-webhook.')
param subscriptionName string = 'target-events-webhook'

// The event types the app sends (shared/core/target_evaluation.py), and nothing else.
var targetEventTypes = [
  'UnitCost.Target.AtRisk'
  'UnitCost.Target.Breached'
  'UnitCost.Target.Recovered'
]

resource topic 'Microsoft.EventGrid/topics@2022-06-15' existing = {
  name: eventGridTopicName
}

// One event per request, delivered as CloudEvents 1.0 (the schema the topic takes them in);
// retried for up to a day, then dropped (no dead-letter destination: the status API keeps every
// transition).
resource targetEventsWebhook 'Microsoft.EventGrid/topics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: targetEventTypes
    }
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output name string = targetEventsWebhook.name
