"""A small query layer over the tree-sitter-bicep syntax tree, for the infra tests.

The Bicep CLI cannot be installed offline, so the tests read the templates through the
`tree-sitter-bicep` grammar: parse a file, list its parameters, variables, modules and resources,
and turn literal values (objects, arrays, strings, numbers, booleans) into Python values. Anything
that is not a literal stays an expression: `Ref` for names and member access (`roles.reader`),
`Call` for function calls (`guid(a, b, c)`), `Expr` for the rest (interpolated strings, ternaries).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import tree_sitter
import tree_sitter_bicep

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infra"

_LANGUAGE = tree_sitter.Language(tree_sitter_bicep.language())
_ESCAPES = {"\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$"}


@dataclass(frozen=True)
class Expr:
    """A Bicep expression that is not a literal, kept as its source text."""

    text: str


@dataclass(frozen=True)
class Ref(Expr):
    """A name or a member access: `principalId`, `roles.reader`, `identity.outputs.clientId`."""


@dataclass(frozen=True)
class Call(Expr):
    """A function call with its arguments converted like any other value."""

    name: str = ""
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Loop(Expr):
    """A `[for item in items: body]` expression."""

    variable: str = ""
    iterable: Any = None
    body: Any = None


@dataclass(frozen=True)
class SyntaxProblem:
    kind: str
    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.line}:{self.column}: {self.text!r}"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any
    has_default: bool
    decorators: tuple[str, ...]


@dataclass(frozen=True)
class Declaration:
    """A module or resource: its symbol, source (module path or resource type) and body.

    `loop` is the iterable of a `[for ...]` declaration (None without a loop), `condition` the
    `if (...)` expression of a conditional one.
    """

    keyword: str
    symbol: str
    source: str
    body: dict[str, Any]
    loop: Any
    condition: Expr | None
    existing: bool
    comments: tuple[str, ...]
    line: int

    @property
    def params(self) -> dict[str, Any]:
        params = self.body.get("params", {})
        return params if isinstance(params, dict) else {}


@dataclass
class BicepFile:
    path: Path
    source: bytes
    tree: tree_sitter.Tree = field(repr=False)

    @classmethod
    def parse(cls, path: Path) -> BicepFile:
        source = path.read_bytes()
        return cls(path=path, source=source, tree=tree_sitter.Parser(_LANGUAGE).parse(source))

    @property
    def root(self) -> tree_sitter.Node:
        return self.tree.root_node

    def problems(self) -> list[SyntaxProblem]:
        """Every ERROR node and every node the parser had to invent (missing)."""
        found = []
        for node in _walk(self.root):
            if node.type == "ERROR" or node.is_missing:
                kind = "missing " + node.type if node.is_missing else "ERROR"
                row, col = node.start_point
                found.append(SyntaxProblem(kind, row + 1, col + 1, _text(node)[:80]))
        return found

    def target_scope(self) -> str:
        for node in self.root.named_children:
            if node.type == "target_scope_assignment":
                return str(value(_last_named(node)))
        return "resourceGroup"

    def params(self) -> dict[str, Param]:
        found = {}
        for node in self.root.named_children:
            if node.type != "parameter_declaration":
                continue
            name = _text(_first_of(node, "identifier"))
            type_node = _first_of(node, "type")
            default_node = _after_equals(node)
            found[name] = Param(
                name=name,
                type=_text(type_node) if type_node else "",
                default=value(default_node) if default_node is not None else None,
                has_default=default_node is not None,
                decorators=_decorators(node),
            )
        return found

    def variables(self) -> dict[str, Any]:
        found = {}
        for node in self.root.named_children:
            if node.type == "variable_declaration":
                found[_text(_first_of(node, "identifier"))] = value(_after_equals(node))
        return found

    def variable_node(self, name: str) -> tree_sitter.Node:
        for node in self.root.named_children:
            if node.type == "variable_declaration" and _text(_first_of(node, "identifier")) == name:
                found = _after_equals(node)
                assert found is not None
                return found
        raise KeyError(name)

    def modules(self) -> list[Declaration]:
        return [
            self._declaration(n) for n in self.root.named_children if n.type == "module_declaration"
        ]

    def resources(self) -> list[Declaration]:
        return [
            self._declaration(n)
            for n in self.root.named_children
            if n.type == "resource_declaration"
        ]

    def module(self, symbol: str) -> Declaration:
        for declaration in self.modules():
            if declaration.symbol == symbol:
                return declaration
        raise KeyError(f"no module {symbol!r} in {self.path.name}")

    def modules_from(self, source_prefix: str) -> list[Declaration]:
        return [m for m in self.modules() if m.source.startswith(source_prefix)]

    def _declaration(self, node: tree_sitter.Node) -> Declaration:
        symbol = _text(_first_of(node, "identifier"))
        source = str(value(_first_of(node, "string")))
        body, loop, condition = _unwrap(_after_equals(node))
        existing = any(child.type == "existing" for child in node.children)
        return Declaration(
            keyword=node.type.removesuffix("_declaration"),
            symbol=symbol,
            source=source,
            body=body,
            loop=loop,
            condition=condition,
            existing=existing,
            comments=comments_before(node),
            line=node.start_point[0] + 1,
        )


def object_comments(node: tree_sitter.Node) -> dict[str, tuple[str, ...]]:
    """For an object literal: each property key with the comment lines just above it."""
    assert node.type == "object", node.type
    return {
        _key(child): comments_before(child)
        for child in node.named_children
        if child.type == "object_property"
    }


def comments_before(node: tree_sitter.Node) -> tuple[str, ...]:
    """The `//` comment lines directly above a node (decorators in between are skipped)."""
    lines: list[str] = []
    anchor = node
    while anchor.prev_sibling is not None and anchor.prev_sibling.type == "decorators":
        anchor = anchor.prev_sibling
    sibling = anchor.prev_sibling
    expected_row = anchor.start_point[0] - 1
    while (
        sibling is not None and sibling.type == "comment" and sibling.end_point[0] == expected_row
    ):
        lines.insert(0, _text(sibling).removeprefix("//").strip())
        expected_row = sibling.start_point[0] - 1
        sibling = sibling.prev_sibling
    return tuple(lines)


def value(node: tree_sitter.Node | None) -> Any:
    """A Python value for a literal node; `Ref`, `Call` or `Expr` for anything else."""
    if node is None:
        return None
    kind = node.type
    if kind == "object":
        return {
            _key(child): value(_last_named(child))
            for child in node.named_children
            if child.type == "object_property"
        }
    if kind == "array":
        return [value(child) for child in node.named_children if child.type != "comment"]
    if kind == "string":
        return _string(node)
    if kind == "number":
        return int(_text(node))
    if kind == "boolean":
        return _text(node) == "true"
    if kind == "null":
        return None
    if kind in ("identifier", "member_expression"):
        return Ref(_text(node))
    if kind == "call_expression":
        arguments = _first_of(node, "arguments")
        args = tuple(
            value(child)
            for child in (arguments.named_children if arguments else [])
            if child.type != "comment"
        )
        return Call(_text(node), name=_text(node.named_children[0]), args=args)
    if kind == "for_statement":
        variable, iterable, body = [c for c in node.named_children if c.type != "comment"][:3]
        return Loop(
            _text(node), variable=_text(variable), iterable=value(iterable), body=value(body)
        )
    if kind == "parenthesized_expression" and node.named_child_count == 1:
        return value(node.named_children[0])
    return Expr(_text(node))


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def load(relative: str) -> BicepFile:
    return BicepFile.parse(INFRA / relative)


GUID = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE
)


def guids_in(path: Path) -> set[str]:
    return {match.lower() for match in GUID.findall(path.read_text(encoding="utf-8"))}


# --- internals -------------------------------------------------------------------------------


def _walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _text(node: tree_sitter.Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8")


def _first_of(node: tree_sitter.Node, kind: str) -> tree_sitter.Node | None:
    return next((child for child in node.named_children if child.type == kind), None)


def _last_named(node: tree_sitter.Node) -> tree_sitter.Node | None:
    named = [child for child in node.named_children if child.type != "comment"]
    return named[-1] if named else None


def _after_equals(node: tree_sitter.Node) -> tree_sitter.Node | None:
    seen = False
    for child in node.children:
        if seen and child.type != "comment":
            return child
        seen = seen or child.type == "="
    return None


def _decorators(node: tree_sitter.Node) -> tuple[str, ...]:
    sibling = node.prev_sibling
    if sibling is not None and sibling.type == "decorators":
        return tuple(_text(d) for d in sibling.named_children if d.type == "decorator")
    return ()


def _key(node: tree_sitter.Node) -> str:
    key = node.named_children[0]
    return str(_string(key)) if key.type == "string" else _text(key)


def _string(node: tree_sitter.Node) -> str | Expr:
    parts = []
    for child in node.named_children:
        if child.type == "interpolation":
            return Expr(_text(node))
        text = _text(child)
        parts.append(_ESCAPES.get(text, text) if child.type == "escape_sequence" else text)
    return "".join(parts)


def _unwrap(node: tree_sitter.Node | None) -> tuple[dict[str, Any], Any, Expr | None]:
    """The object body of a declaration, through `[for ...: ...]` and `if (...)` wrappers."""
    loop: Any = None
    condition: Expr | None = None
    while node is not None and node.type in ("for_statement", "if_statement"):
        if node.type == "for_statement":
            loop = value([c for c in node.named_children if c.type != "comment"][1])
        else:
            condition = Expr(_text(_first_of(node, "parenthesized_expression")))
        node = next(
            (c for c in node.named_children if c.type in ("object", "if_statement")),
            None,
        )
    body = value(node)
    return (body if isinstance(body, dict) else {}), loop, condition
