"""The OpenAPI document at /api/openapi.json: FastAPI's, corrected where it does not say what the
app answers (tests/contract/test_openapi_contract.py checks the app against it):

- errors are `application/problem+json` with the `Problem` schema (`PROBLEM_RESPONSES`): FastAPI
  files a response model under the route's own media type (`application/json`);
- FastAPI's `422 Validation Error` is dropped: the app answers invalid input with a 400 problem
  naming the field (shared/entrypoints/http/problems.py), never a 422;
- every schema's examples are the models' own: FastAPI drops every null of the document, those
  of the examples too, which leaves an example without its explicit nulls (invalid against its
  own schema, where a null field is required);
- what every route answers alike: the credentials Azure asks for (`SECURITY_SCHEMES`, on every
  operation; shared/entrypoints/http/authentication.py, docs/deployment.md), the 401, the ETag
  and the 304 of every GET (shared/entrypoints/http/caching.py), and the conventions in
  `info.description`.

Each operationId is its route function's name in camelCase (`operation_id`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.entrypoints.http.authentication import KEY_HEADER, KEY_PARAMETER
from shared.entrypoints.http.problems import PROBLEM
from shared.entrypoints.http.schemas.base import ApiModel

JSON = "application/json"
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")
DESCRIPTION = f"""\
Deployment-level costs and unit economics of Azure OpenAI, allocated from the bill.

**Authentication.** In Azure every request needs a function key, in the `{KEY_HEADER}` header \
or the `{KEY_PARAMETER}` query parameter; where App Service Authentication is turned on, an \
Entra ID bearer token (or its sign-in's session cookie) as well. Without them the answer is a \
401. The local server (`serve`, on 127.0.0.1) asks for neither.

**Caching.** Every successful GET carries a strong `ETag` and `Cache-Control: private, \
no-cache`: send the ETag back as `If-None-Match` and an unchanged answer is a bodiless 304.

**Errors** are `application/problem+json` bodies (RFC 9457, the `Problem` schema): a 400 names \
the bad input in `field`, a 404 what is missing (or the unknown route), a 405 carries `Allow`, \
a 409 names the conflicting field, a 503 (storage unavailable, a publication in progress) \
carries `Retry-After`.

**Pages.** A list comes `limit` items at a time (100 by default, 1,000 at most) with \
`totalItems`; follow `nextLink` (this request with the next `continuationToken`) until it is \
null.

**Docs.** This document is `/api/openapi.json`; `/api/docs` shows it with "Try it out" (in \
Azure open it with `?{KEY_PARAMETER}=<function key>`, which it passes on).
"""
SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "functionKey": {"type": "apiKey", "in": "header", "name": KEY_HEADER,
                    "description": "A function key of the Function App (Azure)"},
    "functionKeyQuery": {"type": "apiKey", "in": "query", "name": KEY_PARAMETER,
                         "description": "The function key as a query parameter (for links)"},
    "entraId": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "An Entra ID access token for the API's app registration: "
                "required with the function key where App Service Authentication is on "
                "(docs/deployment.md); a signed-in browser's session cookie does as well"},
}  # fmt: skip
KEYS = ("functionKey", "functionKeyQuery")
# A function key either way, with an Entra ID token or without (App Service Authentication on
# or off): OpenAPI's alternatives, each naming every scheme it needs.
SECURITY: list[dict[str, list[str]]] = [{key: []} for key in KEYS]
SECURITY += [{**alone, "entraId": []} for alone in SECURITY]
ETAG = {"description": "The strong entity tag of the body", "schema": {"type": "string"}}
UNAUTHORIZED = {
    "description": "No credential (Azure): the Functions host answers a request without a "
    "function key with no body; past it, the app answers this problem to one without a key "
    "and without an Entra ID principal",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
NOT_MODIFIED = {
    "description": "Not modified: `If-None-Match` named the current ETag (no body)",
    "headers": {"ETag": ETAG},
}


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
    document["info"]["description"] = DESCRIPTION
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = SECURITY
    for method, operation in _operations(document):
        responses: dict[str, Any] = operation.setdefault("responses", {})
        responses.pop("422", None)
        for status, response in responses.items():
            content = response.get("content", {})
            if status[0] in "45" and JSON in content:
                content[PROBLEM] = content.pop(JSON)
        responses["401"] = UNAUTHORIZED
        if method == "get":
            responses["304"] = NOT_MODIFIED
            if "200" in responses:
                responses["200"].setdefault("headers", {})["ETag"] = ETAG
        operation["responses"] = dict(sorted(responses.items()))  # by status, as docs list them
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    if '"#/components/schemas/HTTPValidationError"' not in json.dumps(document):
        for name in FASTAPI_VALIDATION:
            schemas.pop(name, None)
    written = _written_examples()
    for name, schema in schemas.items():
        if name in written:
            schema["examples"] = written[name]


def operation_id(route: APIRoute) -> str:
    """The route function's name in camelCase (`list_periods`: listPeriods), less the `_route`
    that some take so as not to shadow their service (`what_if_route`: whatIf)."""
    first, *rest = route.name.removesuffix("_route").split("_")
    return first + "".join(word.capitalize() for word in rest)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in document.get("paths", {}).values():
        yield from ((m, op) for m, op in item.items() if isinstance(op, dict))


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
