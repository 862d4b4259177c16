"""A request body documented from a model: its JSON Schema, self-contained, for a route's
`openapi_extra` (the body itself is read by the project's own parser, not by the model)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonDict

DEFS = "#/$defs/"


def body_schema(model: type[BaseModel]) -> JsonDict:
    """The JSON Schema of `model` as input (JSON names), every `$ref` to its `$defs` inlined
    (they would not resolve inside an operation) and discriminators dropped (their mappings
    name those `$defs`; `oneOf` says the same)."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        found = {k: inline(v) for k, v in node.items() if k not in ("$ref", "discriminator")}
        if isinstance(ref, str) and ref.startswith(DEFS):
            return {**inline(defs[ref.removeprefix(DEFS)]), **found}
        return found

    inlined: JsonDict = inline(schema)
    return inlined
