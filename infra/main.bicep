// Azure OpenAI FinOps: the whole system in one subscription-scope deployment.
//
//   azd up                      (reads main.bicepparam through the azd environment)
//   az deployment sub create --location <region> --template-file infra/main.bicep \
//     --parameters infra/main.bicepparam
//
// Layout follows the azd Flex Consumption quickstarts (Azure-Samples/functions-quickstart-python-*):
// Azure Verified Modules for the resources, app wiring in app/api.bicep, and every role assignment
// of the function identity in app/rbac.bicep. No key, connection string or secret is created or
// passed anywhere: storage, Event Grid and Application Insights all use the managed identity. The
// one exception is yours: the optional targetEventsWebhookUrl (a signed trigger URL), a secure
// parameter passed only to the Event Grid subscription that delivers to it (app/events.bicep).
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(40)
@description('Required. Name of the environment (azd AZURE_ENV_NAME); names the resource group and seeds a unique token for the resource names.')
param environmentName string

@minLength(1)
@description('Required. Azure region for every resource; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Optional. Resource group to create. Default: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Optional. Cost Management scopes to collect, as ARM ids: subscriptions (/subscriptions/<id>) get Cost Management Reader, Monitoring Reader and Reader from this deployment; billing accounts and management groups must be granted by hand (see the README). Default: the deployment subscription.')
param costScopes string[] = []

@description('Optional. Resource id of an existing Log Analytics workspace that holds the APIM LLM logs; the function identity gets Log Analytics Reader on it. Default: none.')
param apimWorkspaceResourceId string = ''

@description('Optional. Resource id of the Log Analytics workspace behind a workspace-based Application Insights whose GenAI spans name the services that call shared deployments (cloud role names); the function identity gets Log Analytics Reader on it and APPINSIGHTS_WORKSPACE_ID its customer id. It may be the APIM workspace. Default: none.')
param appInsightsWorkspaceResourceId string = ''

@description('Optional. Resource ids of the Log Analytics workspaces that use-case outcome queries read (each use case\'s outcome.source.workspaceId names one by its customer id); the function identity gets Log Analytics Reader on each, and on nothing else. Default: none.')
param outcomeWorkspaceResourceIds string[] = []

@description('Optional. Log Analytics query API endpoint (LOGS_ENDPOINT). Default: https://api.loganalytics.io (public cloud); https://api.loganalytics.us in Azure Government, https://api.loganalytics.azure.cn in Azure operated by 21Vianet.')
param logsEndpoint string = 'https://api.loganalytics.io'

@description('Optional. Fixed Azure Monitor metrics endpoint (https://<region>.metrics.monitor.azure.com). Default: empty, the regional endpoint of each account.')
param metricsEndpoint string = ''

@description('Optional. NCRONTAB schedule (UTC) of collect_costs. Default: 0 15 */4 * * * (every 4 hours).')
param costsSchedule string = '0 15 */4 * * *'

@description('Optional. NCRONTAB schedule (UTC) of collect_usage. Default: 0 5 * * * * (hourly).')
param usageSchedule string = '0 5 * * * *'

@description('Optional. NCRONTAB schedule (UTC) of collect_inventory. Default: 0 50 * * * * (hourly at minute 50; the allocator weighs provisioned deployments by the hours they were deployed, read from these hourly snapshots).')
param inventorySchedule string = '0 50 * * * *'

@description('Optional. NCRONTAB schedule (UTC) of refresh_prices, which reads the Azure Retail Prices API. Default: 0 30 3 * * * (daily at 03:30).')
param pricesSchedule string = '0 30 3 * * *'

@description('Optional. NCRONTAB schedule (UTC) of the timer that collects caller telemetry (APIM LLM logs, Application Insights GenAI spans) and runs the use-case outcome queries. Default: 0 25 * * * * (hourly at minute 25).')
param telemetrySchedule string = '0 25 * * * *'

@description('Optional. Base URL of the Azure Retail Prices API (unauthenticated, outbound HTTPS). Default: https://prices.azure.com.')
param retailPricesEndpoint string = 'https://prices.azure.com'

@description('Optional. Overrides of the savings findings\' thresholds: name=value pairs separated by commas, e.g. ptu_min_utilization=0.6,batch_min_days=10 (docs/model-economics.md). Default: none (the defaults).')
param insightsThresholds string = ''

@minLength(3)
@maxLength(63)
@description('Optional. Name of the storage queue that carries allocation requests. Default: allocation-requests.')
param allocationQueueName string = 'allocation-requests'

@minValue(1)
@maxValue(400)
@description('Optional. Days of history each collector reads again (restated costs are replaced). Default: 35.')
param lookbackDays int = 35

@allowed([
  512
  2048
  4096
])
@description('Optional. Memory of each Flex Consumption instance, in MB; billing is per GB-second. Default: 2048.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Optional. Upper bound of Flex Consumption instances; a low cap also caps the bill and the request rate toward Cost Management. Default: 40.')
param maximumInstanceCount int = 40

@description('Optional. Also require a Microsoft Entra ID token on the HTTP API (App Service Authentication), on top of the function key. Default: false.')
param enableEntraAuth bool = false

@description('Conditional. Application (client) id of the Entra app registration that represents the API. Required when enableEntraAuth is true.')
param entraAuthClientId string = ''

@minValue(30)
@maxValue(730)
@description('Optional. Retention of the Log Analytics workspace, in days (31 days are included in the ingestion price). Default: 30.')
param logRetentionDays int = 30

@secure()
@description('Optional. HTTPS URL of a webhook that receives the unit-cost target events (UnitCost.Target.AtRisk, UnitCost.Target.Breached, UnitCost.Target.Recovered) as CloudEvents 1.0 through an Event Grid subscription on the topic: a Teams workflow, Power Automate or Logic App HTTP trigger URL. Secure, because such a URL carries its signature. Default: empty, no event subscription.')
param targetEventsWebhookUrl string = ''

@description('Optional. Tags added to every resource. Default: none (azd-env-name is always set).')
param tags object = {}

@description('Optional. Ingest Cost Management exports (docs/exports.md): an Event Grid system topic on the export storage account delivers each run\'s manifest.json to the ingest_export function. Set it to true once the code is deployed (the subscription needs the function). Default: false.')
param enableExportIngestion bool = false

@description('Optional. Resource id of the storage account the Cost Management exports write to; the identity gets Storage Blob Data Reader on it. Default: empty (the app storage account, whose Storage Blob Data Owner covers reading).')
param costExportsStorageAccountResourceId string = ''

@description('Optional. Blob container the Cost Management exports write to (created in the app storage account when no other account is given). Default: cost-exports.')
param costExportsContainerName string = 'cost-exports'

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, { 'azd-env-name': environmentName })
var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  identity: 'id-finops-${resourceToken}'
  plan: 'plan-finops-${resourceToken}'
  functionApp: 'func-finops-${resourceToken}'
  storage: 'stfinops${resourceToken}'
  logAnalytics: 'log-finops-${resourceToken}'
  appInsights: 'appi-finops-${resourceToken}'
  eventGridTopic: 'evgt-finops-${resourceToken}'
}
var deploymentContainerName = 'app-package-${take(names.functionApp, 32)}-${take(resourceToken, 7)}'

// The tables the code writes (ALL_TABLES in shared/bootstrap.py).
var tableNames = [
  'costs'
  'usage'
  'inventory'
  'retailprices'
  'inputs'
  'allocations'
  'unitcosts'
  'unallocated'
  'periods'
  'reconciliation'
  'usecases'
  'callers'
  'outcomes'
  'targets'
  'targetstatus'
  'backfill'
  'runs'
  'exportruns'
]

// Subscriptions among the cost scopes; Bicep grants the function identity its readers there.
// Every other scope (billing account, billing profile, management group) is a manual grant.
var effectiveCostScopes = !empty(costScopes) ? costScopes : [subscription().id]
var subscriptionCostScopes = filter(
  effectiveCostScopes,
  scope => length(split(scope, '/')) == 3 && toLower(split(scope, '/')[1]) == 'subscriptions'
)
var costSubscriptionIds = map(subscriptionCostScopes, scope => split(scope, '/')[2])
var manualCostScopes = filter(
  effectiveCostScopes,
  scope => !(length(split(scope, '/')) == 3 && toLower(split(scope, '/')[1]) == 'subscriptions')
)

// The APIM workspace may live in another resource group or subscription.
var hasApimWorkspace = !empty(apimWorkspaceResourceId)
var apimWorkspaceSubscriptionId = hasApimWorkspace
  ? split(apimWorkspaceResourceId, '/')[2]
  : subscription().subscriptionId
var apimWorkspaceResourceGroupName = hasApimWorkspace
  ? split(apimWorkspaceResourceId, '/')[4]
  : names.resourceGroup
var apimWorkspaceName = hasApimWorkspace ? last(split(apimWorkspaceResourceId, '/')) : 'none'

// So may the workspace behind the callers' Application Insights.
var hasAppInsightsWorkspace = !empty(appInsightsWorkspaceResourceId)
var appInsightsWorkspaceSubscriptionId = hasAppInsightsWorkspace
  ? split(appInsightsWorkspaceResourceId, '/')[2]
  : subscription().subscriptionId
var appInsightsWorkspaceResourceGroupName = hasAppInsightsWorkspace
  ? split(appInsightsWorkspaceResourceId, '/')[4]
  : names.resourceGroup
var appInsightsWorkspaceName = hasAppInsightsWorkspace
  ? last(split(appInsightsWorkspaceResourceId, '/'))
  : 'none'

// Where the Cost Management exports land: another account when given, else the app's own.
var hasExportAccount = !empty(costExportsStorageAccountResourceId)
var exportAccountSubscriptionId = hasExportAccount
  ? split(costExportsStorageAccountResourceId, '/')[2]
  : subscription().subscriptionId
var exportAccountResourceGroupName = hasExportAccount
  ? split(costExportsStorageAccountResourceId, '/')[4]
  : names.resourceGroup
var exportAccountName = hasExportAccount
  ? last(split(costExportsStorageAccountResourceId, '/'))
  : names.storage
var appContainers = concat(
  [
    {
      name: deploymentContainerName
    }
  ],
  hasExportAccount
    ? []
    : [
        {
          name: costExportsContainerName
        }
      ]
)

// The optional webhook subscription of the target events.
var hasTargetEventsWebhook = !empty(targetEventsWebhookUrl)

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: allTags
}

// The one identity of the function app: storage, Event Grid, Cost Management, ARM, Monitor, logs.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: allTags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'log-analytics'
  scope: rg
  params: {
    name: names.logAnalytics
    location: location
    tags: allTags
    dataRetention: logRetentionDays
  }
}

// Workspace-based Application Insights: the app's requests, traces and exceptions land in the
// workspace above. Local (instrumentation key) auth is off; the app signs in with its identity.
module appInsights 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'app-insights'
  scope: rg
  params: {
    name: names.appInsights
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
  }
}

// Tables, the allocation queue and its poison queue, and the deployment package container.
// Shared keys are off, so every request (the host's included) is authorized with Microsoft Entra
// ID.
module storage 'br/public:avm/res/storage/storage-account:0.32.1' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: allTags
    kind: 'StorageV2'
    skuName: 'Standard_LRS'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: appContainers
    }
    queueServices: {
      queues: [
        {
          name: allocationQueueName
        }
        // Where a request that can never succeed goes, with its reason (the app sends it at
        // once), and where the host moves a message after maxDequeueCount failed deliveries.
        {
          name: '${allocationQueueName}-poison'
        }
      ]
    }
    tableServices: {
      tables: [
        for table in tableNames: {
          name: table
        }
      ]
    }
  }
}

// Target breach and recovery events, published as CloudEvents with the managed identity only.
module eventGridTopic 'br/public:avm/res/event-grid/topic:0.9.1' = {
  name: 'event-grid-topic'
  scope: rg
  params: {
    name: names.eventGridTopic
    location: location
    tags: allTags
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// Delivers the target events to the webhook, when one is given (infra/app/events.bicep).
module targetEvents 'app/events.bicep' = if (hasTargetEventsWebhook) {
  name: 'target-events'
  scope: rg
  params: {
    eventGridTopicName: eventGridTopic.outputs.name
    webhookUrl: targetEventsWebhookUrl
  }
}

module plan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'flex-consumption-plan'
  scope: rg
  params: {
    name: names.plan
    location: location
    tags: allTags
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
  }
}

resource apimWorkspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = if (hasApimWorkspace) {
  name: apimWorkspaceName
  scope: resourceGroup(apimWorkspaceSubscriptionId, apimWorkspaceResourceGroupName)
}

resource appInsightsWorkspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = if (hasAppInsightsWorkspace) {
  name: appInsightsWorkspaceName
  scope: resourceGroup(appInsightsWorkspaceSubscriptionId, appInsightsWorkspaceResourceGroupName)
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.functionApp
    location: location
    tags: allTags
    planResourceId: plan.outputs.resourceId
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: appInsights.outputs.name
    eventGridTopicName: eventGridTopic.outputs.name
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    costScopes: effectiveCostScopes
    metricsEndpoint: metricsEndpoint
    costsSchedule: costsSchedule
    usageSchedule: usageSchedule
    inventorySchedule: inventorySchedule
    pricesSchedule: pricesSchedule
    telemetrySchedule: telemetrySchedule
    retailPricesEndpoint: retailPricesEndpoint
    logsEndpoint: logsEndpoint
    insightsThresholds: insightsThresholds
    allocationQueueName: allocationQueueName
    lookbackDays: lookbackDays
    apimWorkspaceCustomerId: hasApimWorkspace ? apimWorkspace.properties.customerId : ''
    appInsightsWorkspaceCustomerId: hasAppInsightsWorkspace ? appInsightsWorkspace.properties.customerId : ''
    enableEntraAuth: enableEntraAuth
    entraAuthClientId: entraAuthClientId
    exportsBlobServiceUri: 'https://${exportAccountName}.blob.${environment().suffixes.storage}'
    exportsContainerName: costExportsContainerName
  }
  // Start the app once its identity can reach storage, so the first runs do not fail with 403.
  dependsOn: [
    rbac
  ]
}

// Every role of the function identity, and only those, in one file.
module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: identity.outputs.principalId
    resourceGroupName: rg.name
    storageAccountResourceId: storage.outputs.resourceId
    eventGridTopicResourceId: eventGridTopic.outputs.resourceId
    applicationInsightsResourceId: appInsights.outputs.resourceId
    costSubscriptionIds: costSubscriptionIds
    apimWorkspaceResourceId: apimWorkspaceResourceId
    appInsightsWorkspaceResourceId: appInsightsWorkspaceResourceId
    outcomeWorkspaceResourceIds: outcomeWorkspaceResourceIds
    costExportsStorageAccountResourceId: costExportsStorageAccountResourceId
  }
}

// The Event Grid delivery of the export runs' manifests to ingest_export (infra/app/exports.bicep).
module exportIngestion 'app/exports.bicep' = if (enableExportIngestion) {
  name: 'export-ingestion'
  scope: resourceGroup(exportAccountSubscriptionId, exportAccountResourceGroupName)
  params: {
    storageAccountName: exportAccountName
    containerName: costExportsContainerName
    functionAppResourceId: '${rg.id}/providers/Microsoft.Web/sites/${api.outputs.name}'
    location: location
    tags: allTags
  }
  dependsOn: [
    storage
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in .azure/<env>/.env)
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output FUNCTION_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = appInsights.outputs.name
output LOG_ANALYTICS_WORKSPACE_NAME string = logAnalytics.outputs.name
output EVENTGRID_TOPIC_NAME string = eventGridTopic.outputs.name
output COST_SCOPES_GRANTED_BY_BICEP string = join(subscriptionCostScopes, ',')
output COST_SCOPES_TO_GRANT_MANUALLY string = join(manualCostScopes, ',')
