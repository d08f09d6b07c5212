"""Union members that are safe to select below a shareable path.

When the path from the nearest entity down to a union field can be resolved by more
than one subgraph, the union's members may differ between them; like the reference
gateways, only the members common to every such subgraph are selected (the others
keep their `__typename`, their fields come back null).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import GraphQLUnionType

from gateway.supergraph.model import Supergraph

if TYPE_CHECKING:  # walk imports this module
    from gateway.planner.walk import Position


def safe_union_members(sg: Supergraph, pos: Position, members: list[str]) -> list[str]:
    """`members` restricted to those every subgraph able to serve the path has."""
    if not isinstance(sg.schema.get_type(pos.type_name), GraphQLUnionType):
        return members
    chain: list[tuple[str, str]] = []
    current, entity = pos, None
    while current.parent is not None:
        parent_pos, field = current.parent
        chain.append((parent_pos.type_name, field.name))
        graphs = sg.graphs_of_type(parent_pos.type_name)
        if any(sg.resolvable_keys(parent_pos.type_name, g) for g in graphs):
            entity = parent_pos.type_name
            break
        current = parent_pos
    if entity is None:
        return members
    for graph in sg.graphs_of_type(entity):
        if graph == pos.group.subgraph or not sg.resolvable_keys(entity, graph):
            continue
        if all(graph in sg.resolving_graphs(t, f) for t, f in chain):
            allowed = set(sg.possible_types(pos.type_name, graph))
            members = [m for m in members if m in allowed]
    return members
