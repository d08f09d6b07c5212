"""`enum join__Graph { X @join__graph(name:, url:) }` → the subgraphs."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLSchema

from gateway.supergraph.directives import applied
from gateway.supergraph.model import Subgraph


def read_subgraphs(schema: GraphQLSchema) -> dict[str, Subgraph]:
    """Subgraphs keyed by their `join__Graph` enum value."""
    graph_enum = schema.get_type("join__Graph")
    if not isinstance(graph_enum, GraphQLEnumType):
        raise ValueError("not a supergraph: the join__Graph enum is missing")
    subgraphs: dict[str, Subgraph] = {}
    for enum_value, definition in graph_enum.values.items():
        for args in applied(definition.ast_node, "join__graph"):
            subgraphs[enum_value] = Subgraph(args["name"], args.get("url") or "", enum_value)
    return subgraphs
