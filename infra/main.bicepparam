// Parameters of main.bicep, read from environment variables so that the same file serves
// `azd up` (azd exports the values of .azure/<env>/.env) and `az deployment sub create`
// (export the variables in your shell first). Empty values fall back to the defaults of main.bicep.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'aoai-finops')
param location = readEnvironmentVariable('AZURE_LOCATION', 'eastus2')

// Comma-separated ARM scopes, e.g. /subscriptions/<id>,/subscriptions/<id2>. Empty: this subscription.
param costScopes = empty(readEnvironmentVariable('COST_SCOPES', ''))
  ? []
  : split(readEnvironmentVariable('COST_SCOPES', ''), ',')

// Resource id of the Log Analytics workspace with the APIM LLM logs. Empty: none.
param apimWorkspaceResourceId = readEnvironmentVariable('APIM_WORKSPACE_RESOURCE_ID', '')

// Resource id of the Log Analytics workspace behind the callers' workspace-based Application
// Insights (GenAI spans). Empty: none.
param appInsightsWorkspaceResourceId = readEnvironmentVariable('APPINSIGHTS_WORKSPACE_RESOURCE_ID', '')

// Comma-separated resource ids of the Log Analytics workspaces that use-case outcome queries
// read (outcome.source.workspaceId). Empty: none.
param outcomeWorkspaceResourceIds = empty(readEnvironmentVariable('OUTCOME_WORKSPACE_RESOURCE_IDS', ''))
  ? []
  : split(readEnvironmentVariable('OUTCOME_WORKSPACE_RESOURCE_IDS', ''), ',')

// App Service Authentication with Microsoft Entra ID on top of function keys. Off by default.
param enableEntraAuth = toLower(readEnvironmentVariable('ENABLE_ENTRA_AUTH', 'false')) == 'true'
param entraAuthClientId = readEnvironmentVariable('ENTRA_AUTH_CLIENT_ID', '')

// HTTPS URL of a webhook (Teams workflow, Power Automate or Logic App HTTP trigger) that receives
// the unit-cost target events as CloudEvents 1.0. Empty: no event subscription.
param targetEventsWebhookUrl = readEnvironmentVariable('TARGET_EVENTS_WEBHOOK_URL', '')
