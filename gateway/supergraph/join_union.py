"""`@join__unionMember(graph:, member:)` → per-graph union members."""

from __future__ import annotations

from graphql import GraphQLUnionType

from gateway.supergraph.directives import applied, applied_on_type


def add_union_members(union: GraphQLUnionType, type_graphs: list[str], into: dict[str, dict[str, set[str]]]) -> None:
    """Record union members per graph; without the directive every graph has every member."""
    found = False
    for node in applied_on_type(union):
        for args in applied(node, "join__unionMember"):
            found = True
            into.setdefault(args["graph"], {}).setdefault(union.name, set()).add(args["member"])
    if not found:
        for graph in type_graphs:
            into.setdefault(graph, {}).setdefault(union.name, set()).update(t.name for t in union.types)
