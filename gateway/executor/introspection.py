"""Introspection root fields (`__schema`, `__type`) answered from the API schema."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema, execute_sync, parse

from gateway.operation.model import NormalizedOperation
from gateway.operation.printer import print_selections
from gateway.planner.plan_operation import INTROSPECTION_FIELDS, root_fields
from gateway.supergraph.model import Supergraph


def introspection_fields(supergraph: Supergraph, operation: NormalizedOperation) -> list[Any]:
    """The operation's root introspection fields (possibly none)."""
    if operation.kind != "query":
        return []
    return [f for f in root_fields(supergraph, operation) if f.name in INTROSPECTION_FIELDS]


def run_introspection(
    schema: GraphQLSchema, operation: NormalizedOperation, fields: list[Any], variables: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Execute only the introspection fields locally with graphql-core."""
    definitions = ",".join(v.text for v in operation.variable_definitions)
    header = f"query({definitions})" if definitions else "query"
    document = parse(header + print_selections(tuple(fields)))
    result = execute_sync(schema, document, variable_values=variables)  # raw client values
    errors: list[dict[str, Any]] = [dict(e.formatted) for e in result.errors or ()]
    return result.data or {}, errors
