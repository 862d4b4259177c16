"""What a route's 200 must be: a body its declared response model accepts whole (no unknown
field, every required one), and the OpenAPI document naming that model for the route's 200."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts

M = TypeVar("M", bound=BaseModel)


def _unused() -> Any:
    raise AssertionError("the document is generated without calling a service")


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document of the app with every part (none is called to generate it)."""
    parts = ApiParts(**{name: _unused for name in ApiParts.__dataclass_fields__})
    found: dict[str, Any] = create_api(parts).openapi()
    return found


def declared(method: str, route: str, status: str = "200") -> str:
    """The schema the document names for the route's `status` (its component's name)."""
    response = document()["paths"][route][method.lower()]["responses"][status]
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref.removeprefix("#/components/schemas/")


def served_as(response: httpx.Response, model: type[M], method: str, route: str) -> M:
    """The 200 `response` of `method route` read as `model`, which the document declares."""
    assert response.status_code in (200, 201), response.text
    assert response.headers["content-type"] == "application/json"
    assert declared(method, route, str(response.status_code)) == model.__name__
    return model.model_validate(response.json())
