"""Storage that cannot be reached, as one project error (`StorageUnavailable`), at the adapters'
boundary: callers (the CLI, the queue consumer) need not know the SDK's exception types.

Unreachable means: no connection (refused, DNS, timeout: ServiceRequestError), a connection that
broke (ServiceResponseError), access refused (401/403, a credential that cannot get a token), or
the service still failing after the SDK's own retries (408, 429, 5xx). Any other HTTP error (404,
409, 412, ...) is an answer, not an outage, and propagates unchanged.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from shared.errors import StorageUnavailable, one_line

T = TypeVar("T", bound=type)
_ERRNO = re.compile(r"\[Errno -?\d+\][^)'\"\]]*")


def endpoint(url: str) -> str:
    """A client's URL without its query (a SAS token is a secret): scheme, host, path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def unavailable(error: AzureError, url: str) -> StorageUnavailable | None:
    """The StorageUnavailable that `error` means for the storage at `url`, or None (not an
    outage: let it propagate as it is)."""
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        text = one_line(str(error.message if error.message else error))
        found = _ERRNO.search(text)
        reason = found.group(0).strip() if found else one_line(text, 160)
        return StorageUnavailable(endpoint(url), reason)
    if isinstance(error, ClientAuthenticationError) and error.status_code is None:
        return StorageUnavailable(endpoint(url), f"no token: {one_line(str(error.message), 160)}")
    if isinstance(error, HttpResponseError) and error.status_code is not None:
        status = error.status_code
        if status in (401, 403, 408, 429) or status >= 500:
            detail = getattr(error, "error_code", None) or error.reason or ""
            return StorageUnavailable(endpoint(url), one_line(f"HTTP {status} {detail}", 160))
    return None


@contextmanager
def storage_boundary(url: str) -> Iterator[None]:
    """Turn an outage of the storage at `url` into StorageUnavailable inside the block."""
    try:
        yield
    except AzureError as error:
        translated = unavailable(error, url)
        if translated is None:
            raise
        raise translated from error


def storage_adapter(url_of: Callable[[Any], str]) -> Callable[[T], T]:
    """Class decorator: every public method of the adapter runs inside `storage_boundary` of the
    URL `url_of(self)` gives; methods added later are covered too."""

    def decorate(cls: T) -> T:
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            setattr(cls, name, _guarded(member, url_of))
        return cls

    return decorate


def _guarded(method: Callable[..., Any], url_of: Callable[[Any], str]) -> Callable[..., Any]:
    @functools.wraps(method)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        with storage_boundary(url_of(self)):
            return method(self, *args, **kwargs)

    return guarded
