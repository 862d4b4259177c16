"""The OpenAPI document at /api/openapi.json is the API's contract, checked three ways against the
real app (every part, `from_container`) over the demo tenant allocated into Azurite
(tests/contract/demo_api.py, built once for the module):

1. the document is complete: every route is in it, every GET, PUT and POST declares its success
   body (a JSON schema; for a text media type such as the FOCUS export's `text/csv` or the
   dashboard's `text/html`, a string), every DELETE a bodiless 204, and every example of every
   schema is valid against it;
2. every operation, called with the demo's values (period 2026-10, chat-prod's key, support-bot,
   the at-risk target; writes on probes of their own), answers a documented success status and
   media type, and a body its schema accepts (schemathesis' own response validation);
3. a bounded schemathesis run over the document (in process, through the ASGI app: nothing
   leaves the machine; derandomized, a few examples per operation, positive and negative
   inputs) finds no 5xx, no undocumented status or media type, and no body that breaks its
   schema (`CHECKS`).

A new route needs nothing here unless it is a write (`WRITES`: a probe to call it with) or takes
a parameter whose demo value `values()` lacks: then test 2 says so, naming it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.bootstrap import Container
from shared.demo.sample_use_cases import (
    AT_RISK_TARGET,
    CONTRACT_REVIEW,
    SUMMARIZER,
    SUPPORT_BOT,
    use_cases_document,
)
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.authentication import RequireCredential
from shared.entrypoints.http.parts import from_container
from tests.asgi import send
from tests.contract.demo_api import DemoApi, allocated_demo
from tests.doubles.fixtures import loopback_only
from tests.storage import clear_storage

DOCUMENT = "/api/openapi.json"
PERIOD = "2026-10"
JSON_TYPES = ("application/json", "application/problem+json")
METHOD_ORDER = ("get", "post", "put", "delete")  # writes last, each probe's DELETE after its PUT
PROBE = "contract-probe"  # the target and the use case the writes create, then delete
# Not `ignored_auth`: the app under test is the in-process one, without the RequireCredential
# that Azure's has (function_app.py), so a request without a key is served; the 401 is checked
# against the document through RequireCredential (test 1). The key parameters the security
# schemes declare are generated all the same: any value must leave the answer as documented.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
RUN = settings(
    max_examples=8,
    deadline=None,  # a storage round trip is no failure; the run is bounded by its examples
    derandomize=True,
    database=None,
)


def no_container() -> Container:
    raise AssertionError("the document needs no storage")


def document_of(app: FastAPI) -> dict[str, Any]:
    response = send(app, "GET", DOCUMENT)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# The document, read at collection from an app that reaches no storage (it is the same app).
APP = create_api(from_container(no_container))
DOC = document_of(APP)
OPERATIONS = sorted(
    ((method, path) for path, item in DOC["paths"].items() for method in item),
    key=lambda op: (METHOD_ORDER.index(op[0]) if op[0] in METHOD_ORDER else 9, op[1]),
)


def operation_of(method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = DOC["paths"][path][method]
    return found


# --- 1. the document is complete ---------------------------------------------------------------


# Routes left out of the document on purpose, and why.
UNDOCUMENTED = {
    "/api/dashboard/{asset:path}": "the dashboard's vendored files (scripts, styles)",
    "/api/docs": "the document's interactive docs (out of it, as the document itself is)",
    "/api/docs/{asset:path}": "the docs' script and vendored Swagger UI",
}


def test_every_route_of_the_app_is_in_the_document() -> None:
    routes = {
        (method.lower(), route.path)
        for route in APP.routes
        if isinstance(route, APIRoute) and route.path not in UNDOCUMENTED
        for method in route.methods or ()
    }
    assert routes - set(OPERATIONS) == set(), "routes left out of the document"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_every_operation_declares_its_success_body(method: str, path: str) -> None:
    responses = operation_of(method, path)["responses"]
    if method == "delete":
        assert "204" in responses and not responses["204"].get("content"), responses
        return
    assert "200" in responses, f"{method.upper()} {path} declares no 200 response"
    content = responses["200"].get("content")
    assert content, f"{method.upper()} {path}: its 200 declares no media type"
    for media_type, body in content.items():
        schema = body.get("schema")
        if media_type in JSON_TYPES:
            assert schema and schema != {}, f"{method.upper()} {path}: {media_type} has no schema"
            assert "$ref" in schema or "type" in schema or "anyOf" in schema, schema
        elif media_type.startswith("text/"):
            assert schema == {"type": "string"}, f"{method.upper()} {path}: {media_type} {schema}"
        else:
            pytest.fail(
                f"{method.upper()} {path}: media type {media_type} is neither JSON nor text"
            )
    for status, declared in responses.items():
        if status[0] in "45":  # every error is a problem body (RFC 9457)
            problem = declared.get("content", {}).get("application/problem+json", {})
            assert problem.get("schema") == {"$ref": "#/components/schemas/Problem"}, declared


# The credentials Azure asks for (shared/entrypoints/http/authentication.py, docs/deployment.md).
SECURITY_SCHEMES = {
    "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
    "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
    "entraId": {"type": "http", "scheme": "bearer"},
}


def test_every_operation_takes_a_function_key_with_or_without_an_entra_id_token() -> None:
    declared = DOC["components"]["securitySchemes"]
    assert set(declared) == set(SECURITY_SCHEMES)
    for name, scheme in SECURITY_SCHEMES.items():
        assert scheme.items() <= declared[name].items(), name
        assert declared[name]["description"], name
    keys = [{"functionKey"}, {"functionKeyQuery"}]  # a function key either way, and where App
    # Service Authentication is on, an Entra ID token with it
    alternatives = [set(requirement) for requirement in DOC["security"]]
    assert alternatives == [*keys, *({*key, "entraId"} for key in keys)]
    overridden = [op for op in OPERATIONS if "security" in operation_of(*op)]
    assert overridden == [], "an operation's own security would replace the document's"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_every_operation_documents_its_401_and_every_read_its_etag_and_304(
    method: str, path: str
) -> None:
    responses = operation_of(method, path)["responses"]
    unauthorized = responses["401"]  # its body is a problem: the test above checks every 4xx
    assert "WWW-Authenticate" in unauthorized["headers"]
    if method != "get":
        assert "304" not in responses
        return
    assert "content" not in responses["304"], "a 304 has no body"
    assert set(responses["304"]["headers"]) == {"ETag"}
    assert "ETag" in responses["200"]["headers"]
    assert list(responses) == sorted(responses), "responses are listed by status"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_without_a_credential_every_operation_answers_its_documented_401(
    method: str, path: str
) -> None:
    """Through RequireCredential, as in Azure (function_app.py): it answers before the app."""
    url = re.sub(r"\{[^}]+\}", "x", path)
    response = send(RequireCredential(APP), method.upper(), url)
    assert response.status_code == 401, response.text
    SCHEMA[path][method].validate_response(response)


def test_operation_ids_are_unique_and_readable() -> None:
    ids = [operation_of(method, path)["operationId"] for method, path in OPERATIONS]
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    unreadable = [i for i in ids if not re.fullmatch(r"[a-z][a-zA-Z0-9]{2,29}", i)]
    assert unreadable == [], "an operationId is its route function's name in camelCase"
    assert operation_of("get", "/api/periods")["operationId"] == "listPeriods"
    assert operation_of("get", "/api/what-if")["operationId"] == "whatIf"


def test_every_operation_is_tagged() -> None:
    untagged = [op for op in OPERATIONS if not operation_of(*op).get("tags")]
    assert untagged == []


def test_the_description_states_the_conventions() -> None:
    text = DOC["info"]["description"]
    for convention in ("x-functions-key", "`code`", "Entra ID", "401", "ETag", "If-None-Match",
                       "304", "400", "`field`", "404", "405", "`Allow`", "409", "503",
                       "`Retry-After`", "`limit`", "`continuationToken`", "`nextLink`",
                       "/api/docs", "/api/openapi.json"):  # fmt: skip
        assert convention in text, convention


def schema_examples() -> Iterator[tuple[str, object]]:
    for name, schema in DOC["components"]["schemas"].items():
        for i, example in enumerate(schema.get("examples", [])):
            yield f"{name}[{i}]", example


@pytest.mark.parametrize(("where", "example"), list(schema_examples()), ids=lambda v: str(v)[:40])
def test_every_example_is_valid_against_its_schema(where: str, example: object) -> None:
    name = where.split("[")[0]
    schema = {"$ref": f"#/components/schemas/{name}", "components": DOC["components"]}
    errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(example)]
    assert not errors, f"{where}: {errors[:3]}"


# --- the demo ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(azurite: Any, tmp_path_factory: pytest.TempPathFactory) -> DemoApi:
    """Built once for the module, under the loopback guard (each test runs under its own)."""
    with pytest.MonkeyPatch.context() as patch, loopback_only(patch):
        clear_storage(azurite.connection_string)
        return allocated_demo(tmp_path_factory.mktemp("demo"), azurite.connection_string)


@dataclass(frozen=True)
class Call:
    """One request: values for the operation's parameters, a JSON body, the status expected."""

    values: dict[str, str] = field(default_factory=dict)
    body: object = None
    status: int = 200


def probe_use_case() -> dict[str, Any]:
    """A copy of the demo's planned use case under the probe's name (no deployment: no overlap)."""
    (planned,) = [u for u in use_cases_document()["useCases"] if u["name"] == CONTRACT_REVIEW]
    return {**copy.deepcopy(planned), "name": PROBE}


WRITES: dict[tuple[str, str], Callable[[], Call]] = {
    ("post", "/api/use-cases/{name}/outcomes"): lambda: Call(
        {"name": SUMMARIZER},
        {"outcomes": [{"id": f"{PROBE}-1", "date": f"{PERIOD}-03", "count": 1}]},
    ),
    ("put", "/api/targets/{target_id}"): lambda: Call(
        {"target_id": PROBE},
        {"scope": {"tenant": True}, "metric": "periodCost", "threshold": "20000"},
        201,
    ),
    ("delete", "/api/targets/{target_id}"): lambda: Call({"target_id": PROBE}, status=204),
    ("put", "/api/use-cases/{name}"): lambda: Call({"name": PROBE}, probe_use_case(), 201),
    ("delete", "/api/use-cases/{name}"): lambda: Call({"name": PROBE}, status=204),
}
OVERRIDES: dict[tuple[str, str], dict[str, str]] = {
    ("get", "/api/showback"): {"by": "owner"},
}


def values(demo: DemoApi) -> dict[str, str]:
    """The demo's value of each parameter name the routes take."""
    chat = demo.key_of("chat-prod")
    return {
        "period": PERIOD,
        "costType": "amortized",
        "key": chat,
        "deployment": chat,
        "name": SUPPORT_BOT,
        "target_id": AT_RISK_TARGET,
        "model": "gpt-4o-mini",
    }


def request_of(demo: DemoApi, method: str, path: str) -> tuple[str, dict[str, str], Call]:
    """The URL, query and call of an operation with the demo's values; fails naming a required
    parameter it has no value for."""
    call = WRITES[(method, path)]() if (method, path) in WRITES else Call()
    known = {**values(demo), **OVERRIDES.get((method, path), {}), **call.values}
    url, query, missing = path, {}, []
    for parameter in operation_of(method, path).get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if name not in known:
            if parameter.get("required"):
                missing.append(name)
            continue
        if where == "path":
            url = url.replace("{" + name + "}", quote(known[name], safe=""))
        elif where == "query":
            query[name] = known[name]
    assert not missing, f"{method.upper()} {path}: add a demo value for {missing} to values()"
    assert method == "get" or (method, path) in WRITES, f"add a probe for {method.upper()} {path}"
    return url, query, call


@pytest.fixture(scope="module")
def contract(demo: DemoApi) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi(DOCUMENT, demo.app)


# --- 2. every operation on the demo answers as documented ----------------------------------------


@pytest.mark.azurite
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_every_operation_answers_the_demo_as_documented(
    demo: DemoApi, contract: schemathesis.BaseSchema, method: str, path: str
) -> None:
    url, query, call = request_of(demo, method, path)
    kw: dict[str, Any] = {"params": query}
    if call.body is not None:
        kw["json"] = call.body
    response = send(demo.app, method.upper(), url, **kw)

    assert response.status_code == call.status, f"{method.upper()} {url}: {response.text[:500]}"
    declared = operation_of(method, path)["responses"].get(str(response.status_code))
    assert declared is not None, f"status {response.status_code} is not documented"
    if response.status_code == 204:
        assert response.content == b""
        return
    media_type = response.headers["content-type"].split(";")[0].strip()
    assert media_type in declared.get("content", {}), (media_type, declared)
    contract[path][method].validate_response(response)
    if media_type in JSON_TYPES:
        response.json()  # JSON indeed
    else:
        assert response.text.strip(), f"{method.upper()} {url}: an empty {media_type} body"
    if method == "get":  # the same read, revalidated: the documented 304
        tag = {"If-None-Match": response.headers["etag"]}
        again = send(demo.app, "GET", url, params=query, headers=tag)
        assert again.status_code == 304 and again.content == b"", url
        contract[path][method].validate_response(again)


def test_the_document_served_over_the_demo_is_the_one_checked(demo: DemoApi) -> None:
    assert document_of(demo.app) == DOC


# --- 3. a bounded schemathesis run ---------------------------------------------------------------

# Each valid GET /api/insights runs every detector over the demo's month (about a second on
# Azurite): the coverage phase's every combination of its ten parameters would take a minute,
# so it gets the fuzzing phase alone (and test 2 calls it with the demo's values).
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 13,
        "generation": {"mode": "all"},  # valid inputs and invalid ones (each a 4xx problem)
        "operations": [
            {"include-path": "/api/insights", "phases": {"coverage": {"enabled": False}}}
        ],
    }
)
SCHEMA = schemathesis.openapi.from_asgi(DOCUMENT, APP, config=CONFIG)


@pytest.mark.azurite
@SCHEMA.parametrize()
@RUN
def test_generated_requests_get_no_5xx_and_only_documented_answers(
    demo: DemoApi, case: schemathesis.Case
) -> None:
    """Against the demo's app: each case is sent through it (in process), then checked."""
    response = case.call(app=demo.app)
    case.validate_response(response, checks=CHECKS)
