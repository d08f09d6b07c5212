"""`@join__type(graph:, key:, extension:, resolvable:, isInterfaceObject:)` → per-graph types."""

from __future__ import annotations

from graphql import GraphQLNamedType

from gateway.supergraph.directives import applied, applied_on_type
from gateway.supergraph.fieldset import parse_field_set
from gateway.supergraph.model import EntityKey, TypeInGraph


def read_type_graphs(type_: GraphQLNamedType) -> dict[str, TypeInGraph]:
    """Subgraphs defining a type (keyed by graph enum value) and the keys each declares."""
    graphs: dict[str, TypeInGraph] = {}
    for node in applied_on_type(type_):
        for args in applied(node, "join__type"):
            info = graphs.setdefault(args["graph"], TypeInGraph())
            info.extension = info.extension or bool(args.get("extension"))
            info.is_interface_object = info.is_interface_object or bool(args.get("isInterfaceObject"))
            key = args.get("key")
            if key:
                resolvable = args.get("resolvable", True) is not False
                info.keys.append(EntityKey(parse_field_set(key), key, resolvable))
    return graphs
