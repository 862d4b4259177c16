"""Readable errors from Azure REST responses, for the live sources' SourceError messages."""

from __future__ import annotations

import json
from typing import Protocol


class ErrorResponse(Protocol):
    """What an error description needs of a response: an `azure.core.rest.HttpResponse`, or the
    `response` of an `HttpResponseError`."""

    @property
    def status_code(self) -> int | None: ...

    def text(self) -> str: ...


def describe_error(response: ErrorResponse) -> str:
    """`HTTP <status> <code>: <message>` from an Azure error body, or the status alone.

    ARM wraps errors as `{"error": {"code", "message"}}`, as does the metrics batch API.
    """
    try:
        error = json.loads(response.text()).get("error") or {}
        detail = f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    except (ValueError, AttributeError):
        detail = ""
    return f"HTTP {response.status_code}" + (f" {detail}" if detail else "")
