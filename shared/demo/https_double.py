"""A loopback HTTPS server (threads + TLS) that hands every request to one application callable.

The demo serves its Azure doubles with it (the Log Analytics workspace,
shared/demo/log_analytics_workspace.py) and so do the tests (tests/doubles/, which re-export it
from tests/doubles/server.py): it lives in shared/ because shared/ never imports tests/.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the double received it (path decoded, query parsed, headers lower-cased)."""

    method: str
    path: str
    raw_query: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, matched case-insensitively, or None."""
        for key, values in self.query.items():
            if key.lower() == name.lower():
                return values[0] if values else ""
        return None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Reply:
        return cls(
            status,
            render_json(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


def render_json(value: Any) -> str:
    """JSON text in which a Decimal is written as a plain number with all of its digits."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}:{render_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(render_json(v) for v in value) + "]"
    return json.dumps(value)


App = Callable[[RecordedRequest], Reply]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10
    server: _TlsServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=unquote(parts.path),
            raw_query=parts.query,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        reply = self.server.app(request)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.body and self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the double records requests itself."""


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: App, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS handshake in the connection's own thread, and the TLS socket always closed."""
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            _Handler(tls, client_address, self)
        except (ConnectionError, TimeoutError, ssl.SSLError):
            pass
        finally:
            tls.close()


class HttpsDoubleServer:
    """Serves `app` on https://127.0.0.1:<ephemeral port> with the given server TLS context."""

    def __init__(self, app: App, context: ssl.SSLContext) -> None:
        self._server = _TlsServer(app, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else host
        return f"https://{text}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
