"""A fake Microsoft Entra ID: OpenID discovery and client-credentials tokens, one tenant."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.doubles.server import RecordedRequest, Reply

ARM_AUDIENCES = frozenset({"https://management.azure.com", "https://management.core.windows.net"})
METRICS_AUDIENCE = "https://metrics.monitor.azure.com"


@dataclass
class FakeEntra:
    """Issues opaque bearer tokens, each bound to the resource (audience) it was asked for."""

    tenant_id: str
    client_id: str
    client_secret: str
    base_url: str = ""
    _tokens: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handles(self, request: RecordedRequest) -> bool:
        path = request.path.lower()
        return path.endswith("/v2.0/.well-known/openid-configuration") or path.endswith(
            "/oauth2/v2.0/token"
        )

    def handle(self, request: RecordedRequest) -> Reply:
        tenant = request.path.strip("/").split("/")[0]
        if tenant.lower() != self.tenant_id.lower():
            return Reply.json(400, {"error": "invalid_tenant", "error_description": tenant})
        if request.method == "GET" and request.path.lower().endswith("openid-configuration"):
            return Reply.json(200, self._openid_configuration())
        if request.method == "POST" and request.path.lower().endswith("/token"):
            return self._token(request)
        return Reply.json(405, {"error": "invalid_request"})

    def audience_of(self, authorization: str | None) -> str | None:
        """The audience of a `Bearer <token>` header this Entra issued, else None."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            return self._tokens.get(token.strip())

    def _openid_configuration(self) -> dict[str, object]:
        root = f"{self.base_url}/{self.tenant_id}"
        return {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{root}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
        }

    def _token(self, request: RecordedRequest) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return Reply.json(400, {"error": "unsupported_grant_type"})
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return Reply.json(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret.",
                },
            )
        scopes = [s for s in form.get("scope", "").split() if s.endswith("/.default")]
        if len(scopes) != 1:
            return Reply.json(
                400, {"error": "invalid_scope", "error_description": form.get("scope")}
            )
        audience = scopes[0].removesuffix("/.default").rstrip("/")
        token = f"double-{secrets.token_urlsafe(24)}"
        with self._lock:
            self._tokens[token] = audience
        return Reply.json(
            200,
            {
                "token_type": "Bearer",
                "access_token": token,
                "expires_in": 3600,
                "ext_expires_in": 3600,
            },
        )
