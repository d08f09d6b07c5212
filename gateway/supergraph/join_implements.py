"""`@join__implements(graph:, interface:)` → per-graph interface implementations."""

from __future__ import annotations

from graphql import GraphQLNamedType

from gateway.supergraph.directives import applied, applied_on_type


def add_implementations(type_: GraphQLNamedType, into: dict[str, dict[str, set[str]]]) -> None:
    """Record, per graph, that `type_` implements each interface it names."""
    for node in applied_on_type(type_):
        for args in applied(node, "join__implements"):
            into.setdefault(args["graph"], {}).setdefault(args["interface"], set()).add(type_.name)
