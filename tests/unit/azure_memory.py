"""An in-memory azure-core transport for unit tests: the real SDK clients and pipelines (retry,
authentication, content decoding, paging), answers replayed from memory, no socket, no sleep.

`MemoryTransport(*answers)` answers each request with the next answer in order (a `Reply`, or an
exception to raise as a transport would) and records what was asked; running out of answers is a
test failure naming the request. Azure SDK clients get it through `transport=`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.core.utils import CaseInsensitiveDict

from tests.doubles.server import render_json

PAYLOADS = Path(__file__).resolve().parents[3] / "shared" / "payloads" / "azure-api"
THROTTLING_EXCERPTS = "costmgmt-query-throttling-headers.issue-excerpts.txt"


def payload_json(name: str) -> Any:
    """A saved payload of ../shared/payloads/azure-api (numbers with a fraction as Decimal, so
    they are replayed with all of their digits)."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"), parse_float=Decimal)


def spec_body(name: str) -> Any:
    """The 200 body of a saved REST spec example."""
    return payload_json(name)["responses"]["200"]["body"]


def excerpt_section(title: str) -> str:
    """One `## title ...` section of the saved Cost Management throttling excerpts."""
    text = (PAYLOADS / THROTTLING_EXCERPTS).read_text(encoding="utf-8")
    section = text[text.index(f"## {title}") :]
    end = section.find("\n\n## ")
    return section if end == -1 else section[:end]


def excerpt_headers(title: str) -> dict[str, str]:
    """The `x-ms-...: value` header lines of one excerpt section."""
    lines = excerpt_section(title).splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line and line.startswith("x-ms"))


def real_429_body() -> Any:
    """The body of a real Cost Management 429 (cloudquery/cloudquery#9860)."""
    section = excerpt_section("429 response")
    return json.JSONDecoder().raw_decode(section, section.index("{"))[0]


@dataclass(frozen=True)
class Reply:
    """One HTTP answer; `body` is sent as JSON (Decimals with all of their digits) unless it is
    bytes already."""

    status: int = 200
    body: object = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return render_json(self.body).encode("utf-8")


def error_reply(status: int, code: str, message: str, **headers: str) -> Reply:
    """An ARM-style error body `{"error": {"code", "message"}}`."""
    return Reply(status, {"error": {"code": code, "message": message}}, headers)


class MemoryResponse(HttpResponse):
    """A fully read `azure.core.rest.HttpResponse` (the SDK's abstract base for transports)."""

    def __init__(self, request: HttpRequest, reply: Reply) -> None:
        self._request = request
        self._status = reply.status
        self._content = reply.encoded()
        self._headers = CaseInsensitiveDict(reply.headers)
        if self._content and "Content-Type" not in self._headers:
            self._headers["Content-Type"] = "application/json; charset=utf-8"
        self._encoding: str | None = None
        self._closed = False

    @property
    def request(self) -> HttpRequest:
        return self._request

    @property
    def status_code(self) -> int:
        return self._status

    @property
    def headers(self) -> MutableMapping[str, str]:
        return self._headers

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self._status).phrase
        except ValueError:
            return ""

    @property
    def content_type(self) -> str | None:
        return self._headers.get("Content-Type")

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def is_stream_consumed(self) -> bool:
        return True

    @property
    def encoding(self) -> str | None:
        return self._encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value

    @property
    def url(self) -> str:
        return self._request.url

    @property
    def content(self) -> bytes:
        return self._content

    def text(self, encoding: str | None = None) -> str:
        return self._content.decode(encoding or self._encoding or "utf-8")

    def json(self) -> Any:
        return json.loads(self.text())

    def raise_for_status(self) -> None:
        if self._status >= 400:
            raise HttpResponseError(response=self)

    def __enter__(self) -> MemoryResponse:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True

    def read(self) -> bytes:
        return self._content

    def iter_raw(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._content

    def iter_bytes(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._content


class MemoryTransport(HttpTransport[HttpRequest, HttpResponse]):
    """Replays `answers` in order; `requests` holds what the pipeline sent. Reusable after a
    client closes it, as a source's clients expect of an injected transport."""

    def __init__(self, *answers: Reply | Exception) -> None:
        self._answers = list(answers)
        self.requests: list[HttpRequest] = []

    def send(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        del kwargs
        self.requests.append(request)
        if not self._answers:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = self._answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return MemoryResponse(request, answer)

    @property
    def unused(self) -> int:
        return len(self._answers)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        pass

    def sleep(self, duration: float) -> None:
        raise AssertionError(f"the transport was asked to sleep {duration} s")


class MemoryCredential:
    """A `TokenCredential` that hands out a fixed token and records the scopes asked for."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        del kwargs
        self.scopes.append(scopes)
        return AccessToken("memory-token", int(time.time()) + 3600)
