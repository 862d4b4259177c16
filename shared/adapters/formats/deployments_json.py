"""ARM deployment JSON (a `deployments` list response, saved or live) read into `Deployment`s.

Accepts `{"value": [...]}` (an ARM list page), a bare list of deployments, or one deployment
object. Reads `id`, `name`, `sku.name`, `sku.capacity`, `properties.model.{format,name,version}`
and `systemData.{createdAt,lastModifiedAt}` (when they ran); the account is the prefix of the
deployment id before `/deployments/`, kept as returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.core.arm_ids import parse_account_id
from shared.core.inventory import Deployment
from shared.core.resource_id import id_key
from shared.errors import InvalidInput

_DEPLOYMENTS = "/deployments/"


def parse_deployments(
    payload: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    account_location: str = "",
) -> list[Deployment]:
    """The deployments in an ARM list response, a bare list, or a single deployment object."""
    items: object
    if isinstance(payload, Mapping):
        items = payload.get("value") if "value" in payload else [payload]
    else:
        items = payload
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise InvalidInput("value", "expected a list of deployments")
    return [_deployment(item, f"value[{at}]", account_location) for at, item in enumerate(items)]


def _deployment(item: object, field: str, account_location: str) -> Deployment:
    if not isinstance(item, Mapping):
        raise InvalidInput(field, "expected a deployment object")
    deployment_id = _text(item.get("id"))
    cut = id_key(deployment_id).rfind(_DEPLOYMENTS)
    if cut < 0:
        raise InvalidInput(f"{field}.id", f"not a deployment id: {deployment_id!r}")
    account_id = deployment_id[:cut]
    parse_account_id(account_id, f"{field}.id")  # validates; the id is kept as returned
    name = _text(item.get("name")) or deployment_id[cut + len(_DEPLOYMENTS) :].strip("/")
    sku = _mapping(item.get("sku"))
    model = _mapping(_mapping(item.get("properties")).get("model"))
    system = _mapping(item.get("systemData"))
    return Deployment(
        account_id=account_id,
        name=name,
        model=_text(model.get("name")),
        model_version=_text(model.get("version")),
        sku=_text(sku.get("name")),
        capacity=_capacity(sku.get("capacity"), f"{field}.sku.capacity"),
        model_format=_text(model.get("format")),
        account_location=account_location,
        created_at=_moment(system.get("createdAt"), f"{field}.systemData.createdAt"),
        modified_at=_moment(system.get("lastModifiedAt"), f"{field}.systemData.lastModifiedAt"),
    )


def arm_timestamp(moment: datetime) -> str:
    """A moment as ARM writes `systemData` times: UTC, 7 fraction digits, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _moment(value: object, field: str) -> datetime | None:
    """An ARM timestamp (`2025-01-01T00:00:00.0000000Z`, 7 fraction digits) as aware UTC."""
    text = _text(value)
    if not text:
        return None
    found = _ARM_TIME.match(text)
    if found is None:
        raise InvalidInput(field, f"not a timestamp: {text!r}")
    main, fraction, zone = found.groups()
    micro = (fraction or "")[:6].ljust(6, "0")
    try:
        moment = datetime.fromisoformat(f"{main}.{micro}{zone.replace('Z', '+00:00') or '+00:00'}")
    except ValueError:
        raise InvalidInput(field, f"not a timestamp: {text!r}") from None
    return moment.astimezone(UTC)


_ARM_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _capacity(value: object, field: str) -> int:
    if value is None or value == "":
        return 0
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(field, f"not a number: {value!r}") from None
    if number != number.to_integral_value() or number < 0:
        raise InvalidInput(field, f"not a whole non-negative number: {value!r}")
    return int(number)
