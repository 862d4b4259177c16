"""One typed settings object, read once from environment variables.

The names are the ones in `local.settings.sample.json` and in the Bicep app settings; the parity
test in tests/infra checks the three lists against each other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from enum import Enum
from urllib.parse import urlparse

from shared.core.findings import Thresholds
from shared.core.resource_id import id_key
from shared.core.use_cases import GUID
from shared.errors import ConfigurationError

# Setting names (environment variables). Keep in step with local.settings.sample.json and infra/.
STORAGE = "AzureWebJobsStorage"
STORAGE_TABLE_URI = "AzureWebJobsStorage__tableServiceUri"
STORAGE_QUEUE_URI = "AzureWebJobsStorage__queueServiceUri"
STORAGE_CLIENT_ID = "AzureWebJobsStorage__clientId"
COST_SCOPES = "COST_SCOPES"
ARM_ENDPOINT = "ARM_ENDPOINT"
METRICS_ENDPOINT = "METRICS_ENDPOINT"
COSTS_SCHEDULE = "COSTS_SCHEDULE"
USAGE_SCHEDULE = "USAGE_SCHEDULE"
INVENTORY_SCHEDULE = "INVENTORY_SCHEDULE"
ALLOCATION_QUEUE = "ALLOCATION_QUEUE"
LOOKBACK_DAYS = "LOOKBACK_DAYS"
EVENTGRID_TOPIC_ENDPOINT = "EVENTGRID_TOPIC_ENDPOINT"
APIM_WORKSPACE_ID = "APIM_WORKSPACE_ID"
APPINSIGHTS_WORKSPACE_ID = "APPINSIGHTS_WORKSPACE_ID"
LOGS_ENDPOINT = "LOGS_ENDPOINT"
TELEMETRY_SCHEDULE = "TELEMETRY_SCHEDULE"
RETAIL_PRICES_ENDPOINT = "RETAIL_PRICES_ENDPOINT"
PRICES_SCHEDULE = "PRICES_SCHEDULE"
INSIGHTS_THRESHOLDS = "INSIGHTS_THRESHOLDS"
COLLECTION_CONCURRENCY = "COLLECTION_CONCURRENCY"
INVENTORY_SOURCE = "INVENTORY_SOURCE"
STALE_AFTER_HOURS = "STALE_AFTER_HOURS"
ALLOCATION_SHARD_ACCOUNTS = "ALLOCATION_SHARD_ACCOUNTS"
READ_TOKEN_TTL_MS = "READ_TOKEN_TTL_MS"
EXPORTS_BLOB_SERVICE_URI = "EXPORTS_BLOB_SERVICE_URI"
EXPORTS_CONTAINER = "EXPORTS_CONTAINER"

# Set by App Service on every Function App (not ours to deploy): the app's host name, which the
# target events link their evidence on.
WEBSITE_HOSTNAME = "WEBSITE_HOSTNAME"

# Settings the code reads. Storage is either a connection string (Azurite, local) or the
# identity-based triple (Azure); the parity test treats the two forms as one setting family.
SETTING_NAMES: tuple[str, ...] = (
    STORAGE,
    COST_SCOPES,
    ARM_ENDPOINT,
    METRICS_ENDPOINT,
    COSTS_SCHEDULE,
    USAGE_SCHEDULE,
    INVENTORY_SCHEDULE,
    ALLOCATION_QUEUE,
    LOOKBACK_DAYS,
    EVENTGRID_TOPIC_ENDPOINT,
    APIM_WORKSPACE_ID,
    APPINSIGHTS_WORKSPACE_ID,
    LOGS_ENDPOINT,
    TELEMETRY_SCHEDULE,
    RETAIL_PRICES_ENDPOINT,
    PRICES_SCHEDULE,
    INSIGHTS_THRESHOLDS,
    EXPORTS_BLOB_SERVICE_URI,
    EXPORTS_CONTAINER,
    COLLECTION_CONCURRENCY,
    INVENTORY_SOURCE,
    STALE_AFTER_HOURS,
    ALLOCATION_SHARD_ACCOUNTS,
    READ_TOKEN_TTL_MS,
)

DEFAULT_ARM_ENDPOINT = "https://management.azure.com"
DEFAULT_ALLOCATION_QUEUE = "allocation-requests"
DEFAULT_LOOKBACK_DAYS = 35
# Azure restates costs until day 5 of the next month: a shorter trailing window would miss that.
MIN_LOOKBACK_DAYS = 35
DEFAULT_RETAIL_PRICES_ENDPOINT = "https://prices.azure.com"
DEFAULT_LOGS_ENDPOINT = "https://api.loganalytics.io"  # the public cloud's Log Analytics API
DEFAULT_COLLECTION_CONCURRENCY = 4  # Azure calls of one source open at once
MAX_COLLECTION_CONCURRENCY = 64
DEFAULT_SHARD_ACCOUNTS = 100  # accounts per shard of a period's allocation (docs/sharding.md)
DEFAULT_READ_TOKEN_TTL_MS = 1000  # a publication token read is reused this long (0: never)
DEFAULT_STALE_AFTER_HOURS = 24  # a source not collected whole for this long is stale (health)

DEFAULT_EXPORTS_CONTAINER = "cost-exports"


class InventorySourceKind(Enum):
    """Where the live inventory is listed from (`INVENTORY_SOURCE`)."""

    # ARM lists deployments per account, the documented way (the default). Resource Graph lists
    # the tenant in two paged queries, but Microsoft does not list accounts/deployments among its
    # supported types (docs/collection.md): opt in once a tenant's graph is seen to hold them.
    ARM = "arm"
    RESOURCE_GRAPH = "resource-graph"


@dataclass(frozen=True)
class StorageConnection:
    """Where tables and queues live: a connection string, or service URIs used with an identity."""

    connection_string: str | None = None
    table_service_uri: str | None = None
    queue_service_uri: str | None = None
    client_id: str | None = None

    @property
    def uses_identity(self) -> bool:
        return self.connection_string is None


@dataclass(frozen=True)
class Settings:
    storage: StorageConnection
    cost_scopes: tuple[str, ...]
    arm_endpoint: str
    metrics_endpoint: str | None
    allocation_queue: str
    lookback_days: int
    eventgrid_topic_endpoint: str | None = None
    apim_workspace_id: str | None = None
    retail_prices_endpoint: str = DEFAULT_RETAIL_PRICES_ENDPOINT
    appinsights_workspace_id: str | None = None
    logs_endpoint: str = DEFAULT_LOGS_ENDPOINT
    api_base_url: str = ""  # https://{WEBSITE_HOSTNAME} in Azure; "" locally (relative links)
    insights: Thresholds = field(default_factory=Thresholds)  # the findings' detectors
    collection_concurrency: int = DEFAULT_COLLECTION_CONCURRENCY
    inventory_source: InventorySourceKind = InventorySourceKind.ARM
    stale_after_hours: int = DEFAULT_STALE_AFTER_HOURS
    shard_accounts: int = DEFAULT_SHARD_ACCOUNTS
    read_token_ttl_ms: int = DEFAULT_READ_TOKEN_TTL_MS
    # Cost Management exports (docs/exports.md): the blob service of the account they land in
    # (None: the storage connection string's account) and their container.
    exports_blob_service_uri: str | None = None
    exports_container: str = DEFAULT_EXPORTS_CONTAINER

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every setting; a bad value fails here, naming the setting."""
        env = os.environ if env is None else env
        return cls(
            storage=_storage(env),
            cost_scopes=_scopes(env.get(COST_SCOPES, "")),
            arm_endpoint=_url(ARM_ENDPOINT, env.get(ARM_ENDPOINT) or DEFAULT_ARM_ENDPOINT),
            metrics_endpoint=_optional_url(METRICS_ENDPOINT, env.get(METRICS_ENDPOINT)),
            allocation_queue=_queue_name(env.get(ALLOCATION_QUEUE) or DEFAULT_ALLOCATION_QUEUE),
            lookback_days=_lookback_days(env.get(LOOKBACK_DAYS)),
            eventgrid_topic_endpoint=_optional_url(
                EVENTGRID_TOPIC_ENDPOINT, env.get(EVENTGRID_TOPIC_ENDPOINT)
            ),
            apim_workspace_id=_workspace(APIM_WORKSPACE_ID, env.get(APIM_WORKSPACE_ID)),
            appinsights_workspace_id=_workspace(
                APPINSIGHTS_WORKSPACE_ID, env.get(APPINSIGHTS_WORKSPACE_ID)
            ),
            logs_endpoint=_url(LOGS_ENDPOINT, env.get(LOGS_ENDPOINT) or DEFAULT_LOGS_ENDPOINT),
            api_base_url=_host_url(env.get(WEBSITE_HOSTNAME)),
            insights=thresholds(env.get(INSIGHTS_THRESHOLDS)),
            exports_blob_service_uri=_optional_url(
                EXPORTS_BLOB_SERVICE_URI, env.get(EXPORTS_BLOB_SERVICE_URI)
            ),
            exports_container=_container_name(
                env.get(EXPORTS_CONTAINER) or DEFAULT_EXPORTS_CONTAINER
            ),
            retail_prices_endpoint=_url(
                RETAIL_PRICES_ENDPOINT,
                env.get(RETAIL_PRICES_ENDPOINT) or DEFAULT_RETAIL_PRICES_ENDPOINT,
            ),
            collection_concurrency=_concurrency(env.get(COLLECTION_CONCURRENCY)),
            inventory_source=_inventory_source(env.get(INVENTORY_SOURCE)),
            stale_after_hours=_positive_int(
                STALE_AFTER_HOURS, env.get(STALE_AFTER_HOURS), DEFAULT_STALE_AFTER_HOURS
            ),
            shard_accounts=_positive_int(
                ALLOCATION_SHARD_ACCOUNTS,
                env.get(ALLOCATION_SHARD_ACCOUNTS),
                DEFAULT_SHARD_ACCOUNTS,
            ),
            read_token_ttl_ms=_milliseconds(env.get(READ_TOKEN_TTL_MS)),
        )


def _storage(env: Mapping[str, str]) -> StorageConnection:
    conn = (env.get(STORAGE) or "").strip()
    if conn:
        return StorageConnection(connection_string=conn)
    table_uri = _optional_url(STORAGE_TABLE_URI, env.get(STORAGE_TABLE_URI))
    queue_uri = _optional_url(STORAGE_QUEUE_URI, env.get(STORAGE_QUEUE_URI))
    if table_uri and queue_uri:
        return StorageConnection(
            table_service_uri=table_uri,
            queue_service_uri=queue_uri,
            client_id=(env.get(STORAGE_CLIENT_ID) or "").strip() or None,
        )
    raise ConfigurationError(
        STORAGE,
        f"set a connection string, or both {STORAGE_TABLE_URI} and {STORAGE_QUEUE_URI}",
    )


def _scopes(raw: str) -> tuple[str, ...]:
    scopes = []
    for part in raw.split(","):
        scope = part.strip().strip("/")
        if not scope:
            continue
        if not id_key(scope).startswith(("subscriptions/", "providers/")):
            raise ConfigurationError(COST_SCOPES, f"not an ARM scope: {part.strip()!r}")
        scopes.append("/" + scope)
    return tuple(scopes)


def _url(name: str, raw: str) -> str:
    value = raw.strip().rstrip("/")
    parsed = urlparse(value)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ConfigurationError(name, f"must be an https URL, got {raw!r}")
    return value


def _optional_url(name: str, raw: str | None) -> str | None:
    return _url(name, raw) if raw and raw.strip() else None


def _host_url(raw: str | None) -> str:
    host = (raw or "").strip().strip("/")
    return f"https://{host}" if host else ""


def _workspace(name: str, raw: str | None) -> str | None:
    """A Log Analytics workspace id (its customer id, a GUID), or None when unset."""
    value = (raw or "").strip()
    if value and not GUID.fullmatch(value):
        raise ConfigurationError(name, f"must be the workspace's customer id (a GUID), got {raw!r}")
    return value or None


def _queue_name(raw: str) -> str:
    name = raw.strip()
    valid = 3 <= len(name) <= 63 and all(c.islower() or c.isdigit() or c == "-" for c in name)
    if not valid or name.startswith("-") or name.endswith("-") or "--" in name:
        raise ConfigurationError(ALLOCATION_QUEUE, f"not a valid queue name: {raw!r}")
    return name


def _container_name(raw: str) -> str:
    """A blob container name: 3-63 lower-case letters, digits and single hyphens."""
    name = raw.strip()
    valid = 3 <= len(name) <= 63 and all(c.islower() or c.isdigit() or c == "-" for c in name)
    if not valid or not name[0].isalnum() or name.endswith("-") or "--" in name:
        raise ConfigurationError(EXPORTS_CONTAINER, f"not a valid container name: {raw!r}")
    return name


def _lookback_days(raw: str | None) -> int:
    days = _positive_int(LOOKBACK_DAYS, raw, DEFAULT_LOOKBACK_DAYS)
    if days < MIN_LOOKBACK_DAYS:
        raise ConfigurationError(
            LOOKBACK_DAYS,
            f"must be at least {MIN_LOOKBACK_DAYS} (Azure restates costs until day 5 of the"
            f" next month), got {days}",
        )
    return days


def _concurrency(raw: str | None) -> int:
    value = _positive_int(COLLECTION_CONCURRENCY, raw, DEFAULT_COLLECTION_CONCURRENCY)
    if value > MAX_COLLECTION_CONCURRENCY:
        raise ConfigurationError(
            COLLECTION_CONCURRENCY, f"must be at most {MAX_COLLECTION_CONCURRENCY}, got {value}"
        )
    return value


def _milliseconds(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text:
        return DEFAULT_READ_TOKEN_TTL_MS
    if not text.isdigit() or int(text) > 60_000:
        raise ConfigurationError(
            READ_TOKEN_TTL_MS, f"must be a whole number of milliseconds 0..60000, got {text!r}"
        )
    return int(text)


def _inventory_source(raw: str | None) -> InventorySourceKind:
    text = (raw or "").strip().lower()
    if not text:
        return InventorySourceKind.ARM
    try:
        return InventorySourceKind(text)
    except ValueError:
        names = " or ".join(k.value for k in InventorySourceKind)
        raise ConfigurationError(INVENTORY_SOURCE, f"must be {names}, got {raw!r}") from None


def _positive_int(name: str, raw: str | None, default: int) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigurationError(name, f"must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(name, f"must be positive, got {value}")
    return value


def thresholds(raw: str | None) -> Thresholds:
    """The detectors' thresholds: the defaults, overridden by `name=value` pairs separated by
    commas (`ptu_min_utilization=0.6,batch_min_days=10`), each a field of `Thresholds`."""
    known = {f.name: f for f in fields(Thresholds)}
    defaults = Thresholds()
    changes: dict[str, Decimal | int] = {}
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        name, sep, text = (piece.strip() for piece in part.partition("="))
        if not sep or name not in known:
            names = ", ".join(sorted(known))
            raise ConfigurationError(
                INSIGHTS_THRESHOLDS, f"{part.strip()!r} is not name=value with a name of: {names}"
            )
        default = getattr(defaults, name)
        changes[name] = _threshold(name, text, int if isinstance(default, int) else Decimal)
    try:
        return replace(defaults, **changes)  # type: ignore[arg-type]
    except ValueError as error:
        raise ConfigurationError(INSIGHTS_THRESHOLDS, str(error)) from None


def _threshold(name: str, text: str, kind: type[int] | type[Decimal]) -> Decimal | int:
    try:
        value = kind(text)
    except (ValueError, InvalidOperation):
        expected = "a whole number" if kind is int else "a decimal number"
        raise ConfigurationError(
            INSIGHTS_THRESHOLDS, f"{name} must be {expected}, got {text!r}"
        ) from None
    if isinstance(value, Decimal) and not value.is_finite():
        raise ConfigurationError(INSIGHTS_THRESHOLDS, f"{name} must be finite, got {text!r}")
    if value < 0:
        raise ConfigurationError(INSIGHTS_THRESHOLDS, f"{name} must not be negative, got {text}")
    return value
