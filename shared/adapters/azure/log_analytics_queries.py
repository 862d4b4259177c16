"""The KQL of the caller queries: tokens per UTC day, account, deployment and caller.

Each query aggregates IN Log Analytics (raw rows never leave the workspace: a month of LLM logs is
millions of rows, over the API's 500,000-row limit) and answers one row per UTC day, account,
deployment and caller, with the columns of `shared.adapters.formats.logs_tables`
(`caller_columns(source)`):

- APIM (`APIM_CALLERS`): `Day, Account, Deployment, ApimSubscriptionId, ProductId, InputTokens,
  OutputTokens, Requests`;
- Application Insights (`APPINSIGHTS_CALLERS`): `Day, Account, Deployment, AppRoleName,
  InputTokens, OutputTokens, Requests`.

`Day` is a datetime at UTC midnight (`startofday`), `Account` the first label of the account's
endpoint host ("" when the logs do not show an Azure OpenAI host), the counts are longs. The
queries carry no time filter of their own: the caller passes the window as the request's
`timespan`, which Log Analytics applies to `TimeGenerated` of every table the query reads.

Each query starts with a marker comment line (`APIM_MARKER`, `APPINSIGHTS_MARKER`), so the
workspace's query log (and the demo's simulated workspace) tells the product's queries apart;
bump its version when the query's meaning changes.

Known limits (by construction, not bugs): a gateway log row that is missing or not yet ingested
(seen 10-20 min late) leaves its tokens without a caller (the left outer join keeps them with an
empty subscription and product: unattributed, never guessed); a GenAI span is a leaf when no
other token-carrying GenAI span names it as its direct parent, so a framework span wrapping an SDK
span through a non-GenAI span in between is counted twice, and a parent and its child on either
side of a window's midnight boundary are each seen alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.core.callers import TelemetrySource

APIM_MARKER = "// finops-for-ai: apim-callers v1"
APPINSIGHTS_MARKER = "// finops-for-ai: appinsights-callers v1"

# ApiManagementGatewayLlmLog holds the tokens (the row with a DeploymentName; the message rows,
# SequenceNumber 1 and 2, have none) but no caller: the caller is in ApiManagementGatewayLogs,
# joined on CorrelationId (one row per request: the latest, should a request be logged twice, so
# the join never multiplies tokens). The account is the first label of the backend's host.
APIM_CALLERS = (
    APIM_MARKER
    + r"""
// Tokens per UTC day, account, deployment, APIM subscription and product (AI gateway LLM logs).
let gateway = ApiManagementGatewayLogs
    | summarize arg_max(TimeGenerated, ApimSubscriptionId, ProductId, BackendUrl) by CorrelationId
    | project CorrelationId, ApimSubscriptionId, ProductId, BackendUrl;
ApiManagementGatewayLlmLog
| where isnotempty(DeploymentName)
| project TimeGenerated, CorrelationId, DeploymentName, PromptTokens, CompletionTokens
| join kind=leftouter gateway on CorrelationId
| extend Account = extract(@"^https?://([^./]+)\.", 1, BackendUrl)
| summarize
    InputTokens = sum(coalesce(tolong(PromptTokens), 0)),
    OutputTokens = sum(coalesce(tolong(CompletionTokens), 0)),
    Requests = count()
    by Day = startofday(TimeGenerated), Account, Deployment = DeploymentName,
    ApimSubscriptionId = tostring(ApimSubscriptionId), ProductId = tostring(ProductId)
| project Day, Account, Deployment, ApimSubscriptionId, ProductId,
    InputTokens, OutputTokens, Requests
"""
)

# AppDependencies rows of GenAI spans (the exporter types them `GenAI | <gen_ai.system>`; a span
# with only the newer gen_ai.provider.name is not typed, so the attributes are checked too).
# Token counts are strings in Properties, under the current names or the older prompt/completion
# ones. Only leaf spans count: a framework span (Semantic Kernel, an agent) wrapping the SDK span
# carries the same tokens. Each row stands for ItemCount spans (sampling), so counts are weighted.
APPINSIGHTS_CALLERS = (
    APPINSIGHTS_MARKER
    + r"""
// Tokens per UTC day, account, deployment and cloud role (workspace-based Application Insights).
let spans = materialize(AppDependencies
    | where DependencyType startswith "GenAI"
        or isnotempty(tostring(Properties["gen_ai.provider.name"]))
        or isnotempty(tostring(Properties["gen_ai.system"]))
    | extend
        InTokens = coalesce(tolong(tostring(Properties["gen_ai.usage.input_tokens"])),
            tolong(tostring(Properties["gen_ai.usage.prompt_tokens"]))),
        OutTokens = coalesce(tolong(tostring(Properties["gen_ai.usage.output_tokens"])),
            tolong(tostring(Properties["gen_ai.usage.completion_tokens"])))
    | where isnotnull(InTokens) or isnotnull(OutTokens)
    | project Id, ParentId, TimeGenerated, Target, AppRoleName, ItemCount, InTokens, OutTokens,
        Deployment = tostring(Properties["gen_ai.request.model"]));
let parents = spans
    | where isnotempty(ParentId)
    | distinct ParentId
    | project Id = ParentId;
spans
| join kind=leftanti parents on Id
| extend Host = tolower(extract(@"^(?:[A-Za-z][A-Za-z0-9+.-]*://)?([^/:]+)", 1, Target))
| extend Account = iff(Host endswith ".openai.azure.com"
        or Host endswith ".services.ai.azure.com"
        or Host endswith ".cognitiveservices.azure.com",
    tostring(split(Host, ".")[0]), "")
| summarize
    InputTokens = sum(coalesce(InTokens, 0) * ItemCount),
    OutputTokens = sum(coalesce(OutTokens, 0) * ItemCount),
    Requests = sum(ItemCount)
    by Day = startofday(TimeGenerated), Account, Deployment, AppRoleName
| project Day, Account, Deployment, AppRoleName, InputTokens, OutputTokens, Requests
"""
)

CALLER_QUERIES: Mapping[TelemetrySource, str] = {
    TelemetrySource.APIM: APIM_CALLERS,
    TelemetrySource.APP_INSIGHTS: APPINSIGHTS_CALLERS,
}
