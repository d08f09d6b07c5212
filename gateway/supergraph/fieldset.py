"""Parses `join__FieldSet` strings (`@key`, `@requires`, `@provides`) into selections."""

from __future__ import annotations

from functools import cache

from graphql import OperationDefinitionNode, parse

from gateway.operation.inline_fragment_spreads import inline_fragment_spreads
from gateway.operation.model import Selection


@cache
def parse_field_set(text: str | None) -> tuple[Selection, ...]:
    """`"id org { id }"` → the equivalent plain-data selections."""
    if not text:
        return ()
    [operation] = parse("{" + text + "}").definitions
    assert isinstance(operation, OperationDefinitionNode)  # `{ … }` parses as one anonymous query
    return inline_fragment_spreads(operation.selection_set, {})
