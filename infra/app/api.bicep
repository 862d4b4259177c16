// The function app: Flex Consumption, Python 3.11, one user-assigned identity, identity-based
// connections only. Every app setting lives in `appSettings` below; tests/infra checks it against
// shared/settings.py (SETTING_NAMES) and local.settings.sample.json.
targetScope = 'resourceGroup'

@description('Required. Name of the function app.')
param name string

@description('Optional. Region of the function app. Default: the resource group location.')
param location string = resourceGroup().location

@description('Optional. Tags of the function app; azd-service-name is added. Default: none.')
param tags object = {}

@description('Required. Resource id of the Flex Consumption (FC1) plan.')
param planResourceId string

@description('Required. Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Required. Client id of that identity (AzureWebJobsStorage__clientId, AZURE_CLIENT_ID).')
param identityClientId string

@description('Required. Storage account holding the tables, the queue and the deployment package.')
param storageAccountName string

@description('Required. Blob container that receives the deployment package.')
param deploymentContainerName string

@description('Required. Application Insights component the app reports to.')
param applicationInsightsName string

@description('Required. Event Grid custom topic the app publishes target events to.')
param eventGridTopicName string

@allowed([
  512
  2048
  4096
])
@description('Optional. Instance memory in MB. Default: 2048.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Optional. Maximum number of instances. Default: 40.')
param maximumInstanceCount int = 40

@description('Required. Cost Management scopes to collect (ARM ids), joined into COST_SCOPES.')
param costScopes string[]

@description('Optional. Fixed Azure Monitor metrics endpoint. Default: empty (regional endpoints).')
param metricsEndpoint string = ''

@description('Optional. Schedule of collect_costs. Default: 0 15 */4 * * *.')
param costsSchedule string = '0 15 */4 * * *'

@description('Optional. Schedule of collect_usage. Default: 0 5 * * * *.')
param usageSchedule string = '0 5 * * * *'

@description('Optional. Schedule of collect_inventory. Default: 0 50 * * * * (hourly).')
param inventorySchedule string = '0 50 * * * *'

@description('Optional. Schedule of refresh_prices. Default: 0 30 3 * * *.')
param pricesSchedule string = '0 30 3 * * *'

@description('Optional. Schedule of the caller telemetry and outcome timer. Default: 0 25 * * * *.')
param telemetrySchedule string = '0 25 * * * *'

@description('Optional. Base URL of the Azure Retail Prices API. Default: https://prices.azure.com.')
param retailPricesEndpoint string = 'https://prices.azure.com'

@description('Optional. Overrides of the savings findings\' thresholds, name=value pairs separated by commas (docs/model-economics.md). Default: none.')
param insightsThresholds string = ''

@description('Optional. Allocation queue name. Default: allocation-requests.')
param allocationQueueName string = 'allocation-requests'

@description('Optional. Days each collector reads again. Default: 35.')
param lookbackDays int = 35

@description('Optional. Workspace (customer) id of the APIM Log Analytics workspace. Default: empty.')
param apimWorkspaceCustomerId string = ''

@description('Optional. Workspace (customer) id of the Log Analytics workspace behind the callers\' Application Insights. Default: empty.')
param appInsightsWorkspaceCustomerId string = ''

@description('Optional. Log Analytics query API endpoint. Default: https://api.loganalytics.io.')
param logsEndpoint string = 'https://api.loganalytics.io'

@description('Optional. Require a Microsoft Entra ID token on the HTTP API as well. Default: false.')
param enableEntraAuth bool = false

@description('Conditional. Client id of the API app registration. Required when enableEntraAuth is true.')
param entraAuthClientId string = ''

@description('Optional. Blob service URI of the storage account the Cost Management exports write to. Default: the app storage account\'s.')
param exportsBlobServiceUri string = ''

@description('Optional. Blob container of the Cost Management exports. Default: cost-exports.')
param exportsContainerName string = 'cost-exports'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource eventGridTopic 'Microsoft.EventGrid/topics@2022-06-15' existing = {
  name: eventGridTopicName
}

// Every app setting the app needs. Each deployment writes these values over whatever is there; the
// AVM site module (0.15.x) merges them into the current settings, so a setting added by hand and
// not listed here survives until someone removes it.
var appSettings = {
  // Host storage and the code's tables and queue: service URIs plus the managed identity, never a
  // connection string. The code reads the table and queue URIs and the client id.
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId

  // Telemetry to workspace-based Application Insights, authenticated with the identity (local
  // auth is disabled on the component, so the instrumentation key alone is refused).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // azure-identity: DefaultAzureCredential uses this user-assigned identity and nothing else.
  AZURE_CLIENT_ID: identityClientId
  AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential'

  // The settings of shared/settings.py, named as in local.settings.sample.json.
  COST_SCOPES: join(costScopes, ',')
  ARM_ENDPOINT: environment().resourceManager
  METRICS_ENDPOINT: metricsEndpoint
  COSTS_SCHEDULE: costsSchedule
  USAGE_SCHEDULE: usageSchedule
  INVENTORY_SCHEDULE: inventorySchedule
  PRICES_SCHEDULE: pricesSchedule
  TELEMETRY_SCHEDULE: telemetrySchedule
  RETAIL_PRICES_ENDPOINT: retailPricesEndpoint
  ALLOCATION_QUEUE: allocationQueueName
  LOOKBACK_DAYS: string(lookbackDays)
  EVENTGRID_TOPIC_ENDPOINT: eventGridTopic.properties.endpoint
  APIM_WORKSPACE_ID: apimWorkspaceCustomerId
  APPINSIGHTS_WORKSPACE_ID: appInsightsWorkspaceCustomerId
  LOGS_ENDPOINT: logsEndpoint
  INSIGHTS_THRESHOLDS: insightsThresholds
  EXPORTS_BLOB_SERVICE_URI: !empty(exportsBlobServiceUri) ? exportsBlobServiceUri : storage.properties.primaryEndpoints.blob
  EXPORTS_CONTAINER: exportsContainerName
  COLLECTION_CONCURRENCY: '4'
  INVENTORY_SOURCE: 'arm'
  STALE_AFTER_HOURS: '24'
  ALLOCATION_SHARD_ACCOUNTS: '100'
  READ_TOKEN_TTL_MS: '1000'
}

// Optional App Service Authentication: bearer tokens for the API app registration are validated;
// anything else gets 401. No client secret is needed to validate tokens, so none is configured.
var entraAuthSettings = {
  platform: {
    enabled: true
  }
  globalValidation: {
    requireAuthentication: true
    unauthenticatedClientAction: 'Return401'
  }
  httpSettings: {
    requireHttps: true
  }
  identityProviders: {
    azureActiveDirectory: {
      enabled: true
      registration: {
        clientId: entraAuthClientId
        openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
      }
      validation: {
        allowedAudiences: [
          'api://${entraAuthClientId}'
          entraAuthClientId
        ]
      }
    }
  }
  login: {
    tokenStore: {
      enabled: false
    }
  }
}

module functionApp 'br/public:avm/res/web/site:0.15.1' = {
  name: 'function-app'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    serverFarmResourceId: planResourceId
    httpsOnly: true
    clientAffinityEnabled: false
    managedIdentities: {
      systemAssigned: false
      userAssignedResourceIds: [
        identityResourceId
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    // No publishing passwords: azd and the Azure CLI deploy with Microsoft Entra ID tokens.
    basicPublishingCredentialsPolicies: [
      {
        name: 'ftp'
        allow: false
      }
      {
        name: 'scm'
        allow: false
      }
    ]
    appSettingsKeyValuePairs: appSettings
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: name
}

resource entraAuth 'Microsoft.Web/sites/config@2024-04-01' = if (enableEntraAuth) {
  name: 'authsettingsV2'
  parent: site
  properties: entraAuthSettings
  dependsOn: [
    functionApp
  ]
}

@description('Name of the function app.')
output name string = functionApp.outputs.name

@description('Base URL of the function app.')
output uri string = 'https://${functionApp.outputs.defaultHostname}'
