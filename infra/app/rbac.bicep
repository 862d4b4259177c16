// Every role assignment of the function identity, and nothing broader.
//
// Each assignment is named guid(scope, principal, role) and carries the role's name in a comment;
// tests/infra/test_role_assignments.py checks every GUID below against a table of built-in roles
// (with sources) and refuses Owner and Contributor.
//
// The scopes differ (this resource group, the cost subscriptions, the Log Analytics workspaces
// wherever they live), so this file deploys at subscription scope and places each assignment
// with the Azure Verified Modules for role assignments: sub-scope for subscriptions,
// resource-role-assignment for a single resource in its resource group.
//
// Billing accounts, billing profiles and management groups cannot be granted from a
// subscription deployment: the README lists those as manual steps.
targetScope = 'subscription'

@description('Required. Principal (object) id of the function app user-assigned identity.')
param principalId string

@description('Required. Resource group of the app resources (storage, topic, Application Insights).')
param resourceGroupName string

@description('Required. Resource id of the app storage account.')
param storageAccountResourceId string

@description('Required. Resource id of the Event Grid custom topic.')
param eventGridTopicResourceId string

@description('Required. Resource id of the Application Insights component.')
param applicationInsightsResourceId string

@description('Optional. Subscriptions (ids) whose costs, metrics and inventory the app reads. Default: none.')
param costSubscriptionIds string[] = []

@description('Optional. Resource id of the APIM Log Analytics workspace. Default: none.')
param apimWorkspaceResourceId string = ''

@description('Optional. Resource id of the Log Analytics workspace behind the callers\' Application Insights (GenAI spans). Default: none.')
param appInsightsWorkspaceResourceId string = ''

@description('Optional. Resource ids of the Log Analytics workspaces that use-case outcome queries read. Default: none.')
param outcomeWorkspaceResourceIds string[] = []

@description('Optional. Resource id of the storage account Cost Management exports write to, when it is not the app storage account. Default: none.')
param costExportsStorageAccountResourceId string = ''

// Built-in role definition ids (the same in every tenant).
var roles = {
  // Cost Management Reader
  costManagementReader: '72fafb9e-0641-4937-9268-a91bfd8191a3'
  // Monitoring Reader
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05'
  // Reader
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
  // Storage Table Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Storage Queue Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Storage Blob Data Owner
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Storage Blob Data Reader
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  // EventGrid Data Sender
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  // Monitoring Metrics Publisher
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Log Analytics Reader
  logAnalyticsReader: '73c42c96-874c-492b-b04d-ab87d138a893'
}

var principalType = 'ServicePrincipal'
var hasApimWorkspace = !empty(apimWorkspaceResourceId)
// Where the workspace lives (placeholders point at this resource group when there is none).
var apimWorkspaceSubscriptionId = hasApimWorkspace
  ? split(apimWorkspaceResourceId, '/')[2]
  : subscription().subscriptionId
var apimWorkspaceResourceGroupName = hasApimWorkspace
  ? split(apimWorkspaceResourceId, '/')[4]
  : resourceGroupName

// One role assignment per workspace: the same role on the same scope under a second name fails
// (RoleAssignmentExists), so a workspace given twice is granted once. The App Insights workspace
// may be the APIM one, whose assignment then covers it.
var apimWorkspaceKey = toLower(apimWorkspaceResourceId)
var appInsightsWorkspaceKey = toLower(appInsightsWorkspaceResourceId)
var hasAppInsightsWorkspace = !empty(appInsightsWorkspaceResourceId)
var grantsAppInsightsWorkspace = hasAppInsightsWorkspace && appInsightsWorkspaceKey != apimWorkspaceKey
var appInsightsWorkspaceSubscriptionId = hasAppInsightsWorkspace
  ? split(appInsightsWorkspaceResourceId, '/')[2]
  : subscription().subscriptionId
var appInsightsWorkspaceResourceGroupName = hasAppInsightsWorkspace
  ? split(appInsightsWorkspaceResourceId, '/')[4]
  : resourceGroupName
// The outcome workspaces, each once (ARM ids compare case-insensitively), without empty entries
// and without the APIM and App Insights workspaces, which have their own assignment.
var outcomeOnlyWorkspaceResourceIds = filter(
  union(map(outcomeWorkspaceResourceIds, id => toLower(trim(id))), []),
  id => !empty(id) && !contains([apimWorkspaceKey, appInsightsWorkspaceKey], id)
)

// ---------------------------------------------------------------------------------------------
// Cost scopes (each subscription in costScopes)
// ---------------------------------------------------------------------------------------------

// Cost Management Reader: the Cost Management Query API (actual and amortized costs).
module costManagementReader 'br/public:avm/res/authorization/role-assignment/sub-scope:0.1.1' = [
  for subscriptionId in costSubscriptionIds: {
    name: take('finops-cmr-${uniqueString(subscriptionId, principalId)}', 64)
    scope: subscription(subscriptionId)
    params: {
      name: guid('/subscriptions/${subscriptionId}', principalId, roles.costManagementReader)
      roleDefinitionIdOrName: roles.costManagementReader
      principalId: principalId
      principalType: principalType
      description: 'aoai-finops: read Cost Management data'
    }
  }
]

// Monitoring Reader: Azure Monitor metrics of the Azure OpenAI accounts (token usage).
module monitoringReader 'br/public:avm/res/authorization/role-assignment/sub-scope:0.1.1' = [
  for subscriptionId in costSubscriptionIds: {
    name: take('finops-mr-${uniqueString(subscriptionId, principalId)}', 64)
    scope: subscription(subscriptionId)
    params: {
      name: guid('/subscriptions/${subscriptionId}', principalId, roles.monitoringReader)
      roleDefinitionIdOrName: roles.monitoringReader
      principalId: principalId
      principalType: principalType
      description: 'aoai-finops: read Azure Monitor metrics'
    }
  }
]

// Reader: the inventory of the Cognitive Services accounts and their deployments, from Azure
// Resource Graph (INVENTORY_SOURCE=resource-graph: Reader is all a query needs; it answers only
// for the subscriptions the identity reads) or ARM (INVENTORY_SOURCE=arm).
module reader 'br/public:avm/res/authorization/role-assignment/sub-scope:0.1.1' = [
  for subscriptionId in costSubscriptionIds: {
    name: take('finops-r-${uniqueString(subscriptionId, principalId)}', 64)
    scope: subscription(subscriptionId)
    params: {
      name: guid('/subscriptions/${subscriptionId}', principalId, roles.reader)
      roleDefinitionIdOrName: roles.reader
      principalId: principalId
      principalType: principalType
      description: 'aoai-finops: read the deployment inventory'
    }
  }
]

// ---------------------------------------------------------------------------------------------
// The app's own resources
// ---------------------------------------------------------------------------------------------

// Storage Table Data Contributor: the costs, usage, inventory and result tables.
module storageTableDataContributor 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = {
  name: 'finops-st-table-contributor'
  scope: resourceGroup(resourceGroupName)
  params: {
    resourceId: storageAccountResourceId
    name: guid(storageAccountResourceId, principalId, roles.storageTableDataContributor)
    roleDefinitionId: roles.storageTableDataContributor
    roleName: 'Storage Table Data Contributor'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: tables'
  }
}

// Storage Queue Data Contributor: the allocation queue (trigger and producer) and its poison queue.
module storageQueueDataContributor 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = {
  name: 'finops-st-queue-contributor'
  scope: resourceGroup(resourceGroupName)
  params: {
    resourceId: storageAccountResourceId
    name: guid(storageAccountResourceId, principalId, roles.storageQueueDataContributor)
    roleDefinitionId: roles.storageQueueDataContributor
    roleName: 'Storage Queue Data Contributor'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: allocation queue'
  }
}

// Storage Blob Data Owner: AzureWebJobsStorage (host keys, timer and singleton leases) and the
// deployment package container, as the Flex Consumption quickstarts grant it.
module storageBlobDataOwner 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = {
  name: 'finops-st-blob-owner'
  scope: resourceGroup(resourceGroupName)
  params: {
    resourceId: storageAccountResourceId
    name: guid(storageAccountResourceId, principalId, roles.storageBlobDataOwner)
    roleDefinitionId: roles.storageBlobDataOwner
    roleName: 'Storage Blob Data Owner'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: host storage and deployment package'
  }
}

// EventGrid Data Sender: publish target breach and recovery CloudEvents to the topic.
module eventGridDataSender 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = {
  name: 'finops-evgt-data-sender'
  scope: resourceGroup(resourceGroupName)
  params: {
    resourceId: eventGridTopicResourceId
    name: guid(eventGridTopicResourceId, principalId, roles.eventGridDataSender)
    roleDefinitionId: roles.eventGridDataSender
    roleName: 'EventGrid Data Sender'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: publish target events'
  }
}

// Monitoring Metrics Publisher: send telemetry to Application Insights with Microsoft Entra ID
// (local auth is disabled on the component), scoped to that one component.
module monitoringMetricsPublisher 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = {
  name: 'finops-appi-metrics-publisher'
  scope: resourceGroup(resourceGroupName)
  params: {
    resourceId: applicationInsightsResourceId
    name: guid(applicationInsightsResourceId, principalId, roles.monitoringMetricsPublisher)
    roleDefinitionId: roles.monitoringMetricsPublisher
    roleName: 'Monitoring Metrics Publisher'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: Application Insights telemetry'
  }
}

// ---------------------------------------------------------------------------------------------
// The Log Analytics workspaces the app queries, when they are given: read access to each
// workspace resource only (never its resource group or subscription)
// ---------------------------------------------------------------------------------------------

// Log Analytics Reader: query the APIM LLM logs (callers by APIM subscription and product) in
// that workspace only.
module logAnalyticsReader 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = if (hasApimWorkspace) {
  name: take('finops-apim-law-reader-${uniqueString(apimWorkspaceResourceId, principalId)}', 64)
  scope: resourceGroup(apimWorkspaceSubscriptionId, apimWorkspaceResourceGroupName)
  params: {
    resourceId: apimWorkspaceResourceId
    name: guid(apimWorkspaceResourceId, principalId, roles.logAnalyticsReader)
    roleDefinitionId: roles.logAnalyticsReader
    roleName: 'Log Analytics Reader'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: APIM LLM logs'
  }
}

// Log Analytics Reader: query the Application Insights GenAI spans (callers by cloud role name) in
// that workspace only.
module appInsightsLogAnalyticsReader 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = if (grantsAppInsightsWorkspace) {
  name: take('finops-appi-law-reader-${uniqueString(appInsightsWorkspaceResourceId, principalId)}', 64)
  scope: resourceGroup(appInsightsWorkspaceSubscriptionId, appInsightsWorkspaceResourceGroupName)
  params: {
    resourceId: appInsightsWorkspaceResourceId
    name: guid(appInsightsWorkspaceResourceId, principalId, roles.logAnalyticsReader)
    roleDefinitionId: roles.logAnalyticsReader
    roleName: 'Log Analytics Reader'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: Application Insights GenAI spans'
  }
}

// Log Analytics Reader: run the use-case outcome queries, each in the workspace it names
// (outcome.source.workspaceId), on each such workspace only.
module outcomeLogAnalyticsReader 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = [
  for workspaceResourceId in outcomeOnlyWorkspaceResourceIds: {
    name: take('finops-outcome-law-reader-${uniqueString(workspaceResourceId, principalId)}', 64)
    scope: resourceGroup(split(workspaceResourceId, '/')[2], split(workspaceResourceId, '/')[4])
    params: {
      resourceId: workspaceResourceId
      name: guid(workspaceResourceId, principalId, roles.logAnalyticsReader)
      roleDefinitionId: roles.logAnalyticsReader
      roleName: 'Log Analytics Reader'
      principalId: principalId
      principalType: principalType
      description: 'aoai-finops: use-case outcome queries'
    }
  }
]

// ---------------------------------------------------------------------------------------------
// The Cost Management export account (docs/exports.md), when it is not the app's own
// ---------------------------------------------------------------------------------------------

var hasExportAccount = !empty(costExportsStorageAccountResourceId)

// Storage Blob Data Reader: read the export runs (manifest.json and its partitions), nothing else.
module storageBlobDataReader 'br/public:avm/ptn/authorization/resource-role-assignment:0.1.2' = if (hasExportAccount) {
  name: 'finops-exports-blob-reader'
  scope: resourceGroup(
    hasExportAccount ? split(costExportsStorageAccountResourceId, '/')[2] : subscription().subscriptionId,
    hasExportAccount ? split(costExportsStorageAccountResourceId, '/')[4] : resourceGroupName
  )
  params: {
    resourceId: costExportsStorageAccountResourceId
    name: guid(costExportsStorageAccountResourceId, principalId, roles.storageBlobDataReader)
    roleDefinitionId: roles.storageBlobDataReader
    roleName: 'Storage Blob Data Reader'
    principalId: principalId
    principalType: principalType
    description: 'aoai-finops: read Cost Management export runs'
  }
}
