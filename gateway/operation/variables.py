"""Request-time variable coercion (defaults applied, types checked)."""

from __future__ import annotations

from typing import Any, cast

from graphql import GraphQLSchema
from graphql.execution.values import get_variable_values

from gateway.operation.errors import OperationError
from gateway.operation.prepare import PreparedOperation


def coerce_variables(schema: GraphQLSchema, prepared: PreparedOperation, raw: dict[str, Any] | None) -> dict[str, Any]:
    """Return coerced variables, or raise `OperationError` (BAD_USER_INPUT)."""
    result = get_variable_values(schema, prepared.variable_nodes, raw or {})
    if isinstance(result, list):
        raise OperationError("BAD_USER_INPUT", [e.formatted for e in result])
    # graphql-core 3.3 returns VariableValues(sources, coerced); 3.2 a plain dict.
    return cast("dict[str, Any]", getattr(result, "coerced", result))
