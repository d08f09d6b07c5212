"""Request-time variable coercion (defaults applied, types checked)."""

from __future__ import annotations

from typing import Any, cast

from graphql import GraphQLSchema, NamedTypeNode, NonNullTypeNode, VariableDefinitionNode
from graphql.execution.values import get_variable_values

from gateway.operation.errors import OperationError
from gateway.operation.prepare import PreparedOperation

# Values of these built-in scalars that graphql-core's coercion returns unchanged (bool is not an Int).
_UNCHANGED: dict[str, Any] = {
    "Int": lambda v: type(v) is int and -(2**31) <= v < 2**31,
    "String": lambda v: type(v) is str,
    "Boolean": lambda v: type(v) is bool,
    "Float": lambda v: type(v) is float and v == v and v not in (float("inf"), float("-inf")),
}


def coerce_variables(schema: GraphQLSchema, prepared: PreparedOperation, raw: dict[str, Any] | None) -> dict[str, Any]:
    """Return coerced variables, or raise `OperationError` (BAD_USER_INPUT)."""
    if not prepared.variable_nodes:
        return {}
    simple = prepared.operation.derived("_simple_variables", lambda: _simple_checks(prepared.variable_nodes))
    if simple and raw:
        # The common case (scalars given as themselves) without graphql-core's general coercion; anything else
        # (a default, a missing or null value, an input object, a custom scalar) takes the general path.
        coerced = {}
        for name, accepts in simple:
            value = raw.get(name)
            if value is None or not accepts(value):
                break
            coerced[name] = value
        else:
            return coerced
    result = get_variable_values(schema, prepared.variable_nodes, raw or {})
    if isinstance(result, list):
        raise OperationError("BAD_USER_INPUT", [e.formatted for e in result])
    # graphql-core 3.3 returns VariableValues(sources, coerced); 3.2 a plain dict.
    return cast("dict[str, Any]", getattr(result, "coerced", result))


def _simple_checks(definitions: tuple[VariableDefinitionNode, ...]) -> tuple[tuple[str, Any], ...]:
    """(name, accepts) per variable when every one is a built-in scalar without a default, else ()."""
    checks = []
    for definition in definitions:
        type_node = definition.type.type if isinstance(definition.type, NonNullTypeNode) else definition.type
        accepts = _UNCHANGED.get(type_node.name.value) if isinstance(type_node, NamedTypeNode) else None
        if accepts is None or definition.default_value is not None:
            return ()
        checks.append((definition.variable.name.value, accepts))
    return tuple(checks)
