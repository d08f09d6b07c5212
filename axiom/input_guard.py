"""One guard for every string a client sends to a subgraph: control characters are refused before any resolver.

A NUL or other control character in a filter value, a name or SQL text reaches PostgreSQL (which refuses NUL in
text), log lines and cache keys; refusing it here gives the client a coded BAD_USER_INPUT instead of a masked
internal error, for every field of both subgraphs at once. Tab, line feed and carriage return stay allowed: they
belong in free text (descriptions, SQL, cube files).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from axiom.errors import BAD_USER_INPUT

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        self.values.append(node.value)


def control_character_error(variables: dict[str, Any] | None, document: DocumentNode | None) -> GraphQLError | None:
    """A BAD_USER_INPUT error naming the first variable (or literal) holding a control character, else None."""
    for path, value in _strings(variables or {}, "$"):
        match = _CONTROL.search(value)
        if match:
            return GraphQLError(
                f"variable {path[2:] or path} holds the control character "
                f"U+{ord(match.group()):04X}; only tab, line feed and carriage return are allowed",
                extensions={"code": BAD_USER_INPUT, "field": path[2:]},
            )
    if document is not None:
        literals = _Literals()
        visit(document, literals)
        for value in literals.values:
            match = _CONTROL.search(value)
            if match:
                return GraphQLError(
                    f"a string argument holds the control character U+{ord(match.group()):04X}; "
                    "only tab, line feed and carriage return are allowed",
                    extensions={"code": BAD_USER_INPUT},
                )
    return None


class ControlCharacterGuard(SchemaExtension):
    """Refuses an operation whose variables or string literals hold control characters (before validation, so
    no resolver runs)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        error = control_character_error(context.variables, context.graphql_document)
        if error is not None:
            context.pre_execution_errors = [error]
        yield
