"""Builds the `Supergraph` model from a composed Federation v2 supergraph SDL."""

from __future__ import annotations

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    build_ast_schema,
    parse,
)

from gateway.supergraph.join_field import read_field_graphs
from gateway.supergraph.join_graph import read_subgraphs
from gateway.supergraph.join_implements import add_implementations
from gateway.supergraph.join_type import read_type_graphs
from gateway.supergraph.join_union import add_union_members
from gateway.supergraph.model import Supergraph


def load_supergraph(sdl: str) -> Supergraph:
    """Parse the SDL and index every `join__*` directive."""
    schema = build_ast_schema(parse(sdl), assume_valid_sdl=True)
    supergraph = Supergraph(
        schema=schema,
        subgraphs=read_subgraphs(schema),
        types={},
        fields={},
        implements={},
        union_members={},
    )
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        graphs = read_type_graphs(type_)
        supergraph.types[type_.name] = graphs
        if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
            for name, field_def in type_.fields.items():
                supergraph.fields[(type_.name, name)] = read_field_graphs(field_def, list(graphs))
            add_implementations(type_, supergraph.implements)
        elif isinstance(type_, GraphQLUnionType):
            add_union_members(type_, list(graphs), supergraph.union_members)
    return supergraph
