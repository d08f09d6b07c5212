"""Variables are coerced as graphql-core coerces them, also on the shortcut for plain scalar values."""

from __future__ import annotations

import pytest
from graphql import build_schema
from graphql.execution.values import get_variable_values

from gateway.operation import OperationError, prepare_operation
from gateway.operation.variables import coerce_variables

SCHEMA = build_schema("""
    input Range { from: Int! to: Int }
    type Query { q(i: Int, s: String, b: Boolean, f: Float, id: ID, r: Range): Int }
""")
PLAIN = "query($i: Int!, $s: String, $b: Boolean!, $f: Float) { q(i: $i, s: $s, b: $b, f: $f) }"
OTHERS = "query($id: ID, $r: Range, $i: Int = 3) { q(id: $id, r: $r, i: $i) }"
VALUES = [
    {"i": 1, "s": "x", "b": True, "f": 1.5},
    {"i": 1, "b": False},
    {"i": True, "b": True},
    {"i": 2**31, "b": True},
    {"i": 1.0, "b": True},
    {"i": "1", "b": True},
    {"i": None, "b": True},
    {"i": 1, "b": 1},
    {"i": 1, "b": True, "f": 2},
    {"i": 1, "b": True, "f": float("nan")},
    {"i": 1, "b": True, "s": 5},
    {"i": 1, "b": True, "extra": "ignored"},
    {"id": 7, "r": {"from": 1}},
    {"id": "a", "r": {"from": "x"}},
    {},
]


def _graphql_core(prepared, raw):
    result = get_variable_values(SCHEMA, prepared.variable_nodes, raw)
    if isinstance(result, list):
        return "error", [e.message for e in result]
    return "ok", getattr(result, "coerced", result)


def _ours(prepared, raw):
    try:
        return "ok", coerce_variables(SCHEMA, prepared, raw)
    except OperationError as error:
        assert all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in error.errors)
        return "error", [e["message"] for e in error.errors]


@pytest.mark.parametrize("query", [PLAIN, OTHERS])
@pytest.mark.parametrize("raw", VALUES)
def test_coercion_matches_graphql_core(query, raw):
    prepared = prepare_operation(SCHEMA, query, None)
    assert _ours(prepared, raw) == _graphql_core(prepared, raw)
