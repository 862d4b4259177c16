"""The Azure-facing app refuses a request that carries no credential, whatever the host's
settings: a function key (`x-functions-key` header or `code` query parameter: the Functions host
checks its value before the app sees the request, `AuthLevel.FUNCTION`) or an App Service
Authentication (Entra ID) principal (`X-MS-CLIENT-PRINCIPAL-ID`, set by the platform, which
drops the header when a client sends it). Defence in depth: an auth level turned to anonymous,
or App Service Authentication set to let unauthenticated requests through, still serves no
figure to a caller without a credential. Local `serve` binds to 127.0.0.1 and has no guard.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

KEY_HEADER = "x-functions-key"
KEY_PARAMETER = "code"
PRINCIPAL_HEADER = "x-ms-client-principal-id"
PROBLEM = b"application/problem+json"


def has_credential(scope: Scope) -> bool:
    """Whether the request carries a function key or an App Service Authentication principal."""
    headers = Headers(scope=scope)
    if headers.get(KEY_HEADER, "").strip() or headers.get(PRINCIPAL_HEADER, "").strip():
        return True
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return any(v.strip() for v in query.get(KEY_PARAMETER, []))


class RequireCredential:
    """ASGI middleware: 401 problem JSON for a request with no credential."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or has_credential(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "detail": "send a function key (x-functions-key header or ?code=) or sign in "
                "with Entra ID (App Service Authentication)",
            }
        ).encode()
        headers = [
            (b"content-type", PROBLEM),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="api", error="invalid_request"'),
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
