"""Walks an operation's selections and distributes them over fetch groups.

Each field is kept in the current subgraph when it can resolve it there; otherwise
`jumps` moves to another subgraph through an entity key.

`walk`, `jumps` and `interface_objects` are one recursive descent split by concern, so
they call each other on purpose: `walk.plan_field` → `jumps.jump` → `walk.add_local_field`
(and `jumps.entity_position` → `walk.plan_selections` for the key fields);
`walk.plan_subselection` → `interface_objects.plan_interface_object` → `walk` / `jumps`.
They import each other as modules (`from gateway.planner import jumps`), never names, so
the cycle resolves at call time whichever module is imported first; no other planner
module takes part in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from gateway.operation.model import Condition, Field, InlineFragment, Selection
from gateway.planner import interface_objects, jumps
from gateway.planner.alternatives import Choices
from gateway.planner.capabilities import collect_for_type, provided_field, resolves
from gateway.planner.fetch_group import FetchGroup, GroupRegistry
from gateway.planner.internal_fields import client_aliases
from gateway.planner.nodes import FieldSegment, ListSegment, ResponsePath
from gateway.planner.selection_tree import SelectionTree
from gateway.planner.shareable_unions import safe_union_members
from gateway.supergraph.model import Supergraph


@dataclass(frozen=True)
class Position:
    """Where selections are being planned: a group, a place in its tree, a type."""

    group: FetchGroup
    tree: SelectionTree
    type_name: str
    path: ResponsePath
    conditions: tuple[Condition, ...] = ()
    provided: tuple[Selection, ...] | None = None
    entity_root: bool = False
    # The position and field this one was reached through (for parent entity calls).
    parent: tuple[Position, Field] | None = None
    # Response keys the client aliased to another field here (planner fields avoid them).
    clashing: frozenset[str] = frozenset()

    def at(self, **changes: Any) -> Position:
        return replace(self, **changes)


class PlanningContext:
    """State of one planning run; `touched` records groups that received fields;
    `choices` takes the run's decisions among alternatives."""

    def __init__(self, supergraph: Supergraph, choices: Choices | None = None) -> None:
        self.sg = supergraph
        self.registry = GroupRegistry()
        self.touched: set[FetchGroup] | None = None
        self.choices = choices if choices is not None else Choices()

    def touch(self, group: FetchGroup) -> None:
        if self.touched is not None:
            self.touched.add(group)


def plan_selections(ctx: PlanningContext, pos: Position, selections: Sequence[Selection]) -> None:
    """Plan selections at a position whose type is concrete."""
    clashing = client_aliases(selections)
    if clashing:
        pos = pos.at(clashing=pos.clashing | clashing)
    for selection in collect_for_type(ctx.sg, selections, pos.type_name):
        if isinstance(selection, InlineFragment):
            tree = pos.tree.fragment(None, selection.conditions)
            inner = pos.at(tree=tree, conditions=pos.conditions + selection.conditions)
            plan_selections(ctx, inner, selection.selections)
        else:
            plan_field(ctx, pos, selection)


def plan_field(ctx: PlanningContext, pos: Position, field: Field) -> None:
    """Plan one field here, or jump to a subgraph that resolves it."""
    if field.name == "__typename":
        return  # answered by the executor from the known concrete type
    if resolves(ctx.sg, pos.group.subgraph, pos.type_name, field.name, pos.provided):
        add_local_field(ctx, pos, field)
    else:
        jumps.jump(ctx, pos, field)


def add_local_field(ctx: PlanningContext, pos: Position, field: Field) -> None:
    """Add a field the group's subgraph resolves, then plan its sub-selections."""
    ctx.touch(pos.group)
    child_tree = pos.tree.add_field(field, bool(field.selections))
    if child_tree is None:
        return
    child_type, depth = ctx.sg.field_type(pos.type_name, field.name)
    local_type = ctx.sg.subgraph_field_type(pos.type_name, field.name, pos.group.subgraph)
    if local_type is not None:
        # The subgraph declares a narrower type (e.g. `Book` for a `Media` union): plan
        # against it, but keep `__typename` so the client's abstract type can be shaped.
        if ctx.sg.is_abstract(child_type) and not ctx.sg.is_abstract(local_type):
            child_tree.add_typename()
        child_type = local_type
    child = Position(
        group=pos.group,
        tree=child_tree,
        type_name=child_type,
        path=pos.path + (FieldSegment(field.response_key),) + (ListSegment.EACH,) * depth,
        conditions=pos.conditions + field.conditions,
        provided=_provided_below(ctx, pos, field.name),
        parent=(pos, field),
    )
    plan_subselection(ctx, child, field.selections)


def _provided_below(ctx: PlanningContext, pos: Position, field_name: str) -> tuple[Selection, ...] | None:
    """Fields a `@provides` on this field (or an enclosing one) makes available below it."""
    info = ctx.sg.field_in_graph(pos.type_name, field_name, pos.group.subgraph)
    if info is not None and info.provides:
        return info.provides
    entry = provided_field(ctx.sg, pos.provided, pos.type_name, field_name)
    return entry.selections if entry is not None and entry.selections else None


def plan_subselection(ctx: PlanningContext, pos: Position, selections: Sequence[Selection]) -> None:
    """Plan a field's sub-selections; abstract types are split per concrete type."""
    if not ctx.sg.is_abstract(pos.type_name):
        plan_selections(ctx, pos, selections)
        return
    if ctx.sg.is_interface_object(pos.type_name, pos.group.subgraph):
        interface_objects.plan_interface_object(ctx, pos, selections)
        return
    pos.tree.add_typename()
    concretes = ctx.sg.possible_types(pos.type_name, pos.group.subgraph)
    if not concretes:
        # No local implementation: interface fields must be found elsewhere (or fail).
        plan_selections(ctx, pos, selections)
        return
    for concrete in safe_union_members(ctx.sg, pos, concretes):
        applicable = collect_for_type(ctx.sg, selections, concrete)
        if applicable:
            tree = pos.tree.fragment(concrete, ())
            plan_selections(ctx, pos.at(tree=tree, type_name=concrete), applicable)
