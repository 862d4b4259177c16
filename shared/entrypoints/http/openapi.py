"""The OpenAPI document at /api/openapi.json: FastAPI's, corrected where it does not say what the
app answers (tests/contract/test_openapi_contract.py checks the app against it):

- errors are `application/problem+json` with the `Problem` schema (`PROBLEM_RESPONSES`): FastAPI
  files a response model under the route's own media type (`application/json`);
- FastAPI's `422 Validation Error` is dropped: the app answers invalid input with a 400 problem
  naming the field (shared/entrypoints/http/problems.py), never a 422;
- every schema's examples are the models' own: FastAPI drops every null of the document, those
  of the examples too, which leaves an example without its explicit nulls (invalid against its
  own schema, where a null field is required).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from shared.entrypoints.http.problems import PROBLEM
from shared.entrypoints.http.schemas.base import ApiModel

JSON = "application/json"
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Serve the corrected document (generated on first use, as FastAPI does)."""
    generate = app.openapi

    def document() -> dict[str, Any]:
        found = generate()
        correct(found)  # in place, once per generation: idempotent
        return found

    app.openapi = document  # type: ignore[method-assign]


def correct(document: dict[str, Any]) -> None:
    """The corrections of the module docstring, in place."""
    for operation in _operations(document):
        responses: dict[str, Any] = operation.get("responses", {})
        responses.pop("422", None)
        for status, response in responses.items():
            content = response.get("content", {})
            if status[0] in "45" and JSON in content:
                content[PROBLEM] = content.pop(JSON)
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    if '"#/components/schemas/HTTPValidationError"' not in json.dumps(document):
        for name in FASTAPI_VALIDATION:
            schemas.pop(name, None)
    written = _written_examples()
    for name, schema in schemas.items():
        if name in written:
            schema["examples"] = written[name]


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document.get("paths", {}).values():
        yield from (op for op in item.values() if isinstance(op, dict))


def _written_examples() -> dict[str, list[Any]]:
    """Each response model's examples as written, by its class name (a name two models share is
    left as FastAPI made it)."""
    by_name: dict[str, list[type[ApiModel]]] = {}
    for model in _models(ApiModel):
        by_name.setdefault(model.__name__, []).append(model)
    found: dict[str, list[Any]] = {}
    for name, models in by_name.items():
        extra = models[0].model_config.get("json_schema_extra")
        examples = extra.get("examples") if isinstance(extra, dict) else None
        if len(models) == 1 and isinstance(examples, list):
            found[name] = examples
    return found


def _models(base: type[ApiModel]) -> Iterator[type[ApiModel]]:
    for model in base.__subclasses__():
        yield model
        yield from _models(model)
