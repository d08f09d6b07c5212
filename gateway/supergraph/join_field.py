"""`@join__field(...)` → in which subgraphs a field exists, and how."""

from __future__ import annotations

from graphql import GraphQLField

from gateway.supergraph.directives import applied
from gateway.supergraph.fieldset import parse_field_set
from gateway.supergraph.model import FieldInGraph


def read_field_graphs(field_def: GraphQLField, type_graphs: list[str]) -> dict[str, FieldInGraph]:
    """A field without `@join__field` lives in every subgraph defining its parent type."""
    directives = applied(field_def.ast_node, "join__field")
    if not directives:
        return {graph: FieldInGraph(graph) for graph in type_graphs}
    graphs: dict[str, FieldInGraph] = {}
    # A graph-less @join__field marks a field no subgraph resolves directly.
    for args in (a for a in directives if a.get("graph")):
        graphs[args["graph"]] = FieldInGraph(
            graph=args["graph"],
            requires=parse_field_set(args.get("requires")),
            provides=parse_field_set(args.get("provides")),
            external=bool(args.get("external")),
            used_overridden=bool(args.get("usedOverridden")),
            override_from=args.get("override"),
            override_label=args.get("overrideLabel"),
            type=args.get("type"),
        )
    return graphs
