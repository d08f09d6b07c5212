"""Positions typed by an interface that the current subgraph models as an object
(`@interfaceObject`).

Such a subgraph answers the interface's own fields but knows neither the concrete
type (`__typename` is the interface's name) nor the implementations' fields. When the
client needs either, the planner asks a subgraph owning the real interface (with a
resolvable `@key`) through `_entities`, using the interface name as `__typename`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.operation.model import Field, InlineFragment, Selection
from gateway.planner import jumps, walk  # mutual recursion: see walk's docstring
from gateway.planner.capabilities import can_provide
from gateway.planner.selection_tree import PlanningError
from gateway.supergraph.model import EntityKey


def plan_interface_object(ctx: walk.PlanningContext, pos: walk.Position, selections: Sequence[Selection]) -> None:
    """Plan interface fields here; resolve the concrete type elsewhere when needed."""
    # The interface's own name: lets the response be shaped when no owner is asked.
    pos.tree.add_typename()
    walk.plan_selections(ctx, pos, selections)
    concrete_part = needing_concrete_type(pos.type_name, selections)
    if not concrete_part:
        return
    graph, key = _owner(ctx, pos)
    entity_pos = jumps.entity_position(ctx, pos, graph, key, (), pos.conditions, pos.type_name)
    walk.plan_subselection(ctx, entity_pos, tuple(concrete_part))


def needing_concrete_type(interface: str, selections: Sequence[Selection]) -> list[Any]:
    """`__typename` and fragments on other types: what only the owner can answer."""
    needed: list[Any] = []
    for selection in selections:
        if isinstance(selection, Field):
            if selection.name == "__typename":
                needed.append(selection)
        elif selection.type_condition in (None, interface):
            inner = needing_concrete_type(interface, selection.selections)
            if inner:
                needed.append(InlineFragment(None, tuple(inner), selection.conditions))
        else:
            needed.append(selection)
    return needed


def _owner(ctx: walk.PlanningContext, pos: walk.Position) -> tuple[str, EntityKey]:
    """A subgraph with the real interface and a key this subgraph can provide."""
    sg = ctx.sg
    for graph in sg.graphs_of_type(pos.type_name):
        if graph == pos.group.subgraph or sg.is_interface_object(pos.type_name, graph):
            continue
        for key in sg.resolvable_keys(pos.type_name, graph):
            if can_provide(sg, pos.group.subgraph, pos.type_name, key.fields, pos.provided):
                return graph, key
    raise PlanningError(f"no subgraph can resolve the concrete type of {pos.type_name}")
