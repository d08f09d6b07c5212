"""Entity jumps: leaving a subgraph through `_entities` with an entity key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.operation.model import Condition, Field, InlineFragment, Selection
from gateway.planner import walk  # mutual recursion with walk: see walk's docstring
from gateway.planner.capabilities import UNREACHABLE, can_provide, collect_for_type, jump_cost, resolves
from gateway.planner.internal_fields import internal_selections
from gateway.planner.selection_tree import PlanningError
from gateway.supergraph.model import EntityKey, Supergraph


def jump(ctx: walk.PlanningContext, pos: walk.Position, field: Field) -> None:
    """Serve `field` from another subgraph, planning the representation it needs.

    At the top of an entity fetch, the jump is made from the group that produced the
    entity when possible, so both fetches run in parallel instead of one after another.
    """
    chain = _delegation_chain(pos)
    for candidate in reversed(chain):
        if resolves(ctx.sg, candidate.group.subgraph, candidate.type_name, field.name, candidate.provided):
            walk.add_local_field(ctx, candidate, field)
            return
    for candidate in reversed(chain):
        target = _choose_target(ctx, candidate, field)
        if target is not None:
            graph, key, entity_type = target
            enter_entity(ctx, candidate, field, graph, key, entity_type)
            return
    if _jump_from_parent(ctx, pos, field):
        return
    graph_name = ctx.sg.subgraphs[pos.group.subgraph].name
    raise PlanningError(f"cannot reach {pos.type_name}.{field.name} from subgraph '{graph_name}'")


def _delegation_chain(pos: walk.Position) -> list[Any]:
    chain = [pos]
    while pos.entity_root and pos.type_name in pos.group.origins:
        pos = pos.group.origins[pos.type_name]  # type: ignore[assignment]  # origins hold Positions (typed object: no import cycle)
        chain.append(pos)
    return chain


def _jump_from_parent(ctx: walk.PlanningContext, pos: walk.Position, field: Field) -> bool:
    """When this type has no usable key, fetch the parent field again from a subgraph
    that resolves the whole path (e.g. `product { category { details } }`)."""
    if pos.parent is None:
        return False
    parent_pos, parent_field = pos.parent
    narrowed = Field(
        parent_field.name,
        parent_field.alias,
        parent_field.arguments,
        (InlineFragment(pos.type_name, (field,)),),
        parent_field.conditions,
        parent_field.variables,
    )
    for candidate in reversed(_delegation_chain(parent_pos)):
        target = _choose_target(ctx, candidate, narrowed, exclude=pos.group.subgraph)
        if target is not None:
            graph, key, entity_type = target
            enter_entity(ctx, candidate, narrowed, graph, key, entity_type)
            return True
    return _jump_from_parent(ctx, parent_pos, narrowed)


def _choose_target(
    ctx: walk.PlanningContext, pos: walk.Position, field: Field, exclude: str | None = None
) -> tuple[str, EntityKey, str] | None:
    """The (subgraph, key, entity type) to jump to: a decision point whose options are
    ranked by fewest further jumps, reusing existing groups.

    Keys whose fields the current subgraph lacks are usable when another subgraph can
    provide them (a two-hop jump), at a higher cost.
    """
    sg = ctx.sg
    here = pos.group.subgraph
    options: list[tuple[int, int, str, EntityKey, str]] = []
    for graph, entity_type in _candidates(sg, pos.type_name, field.name):
        info = sg.field_in_graph(entity_type, field.name, graph)
        assert info is not None  # a candidate resolves the field
        if graph == exclude or (graph == here and not info.requires):
            continue
        for key in sg.resolvable_keys(entity_type, graph):
            cost = jump_cost(sg, graph, entity_type, (field,)) * 2
            if cost >= UNREACHABLE:
                continue
            if not can_provide(sg, here, pos.type_name, key.fields, pos.provided):
                if not _reachable(sg, here, pos.type_name, key.fields, pos.provided):
                    continue
                cost += 3
            if info.requires and not can_provide(sg, here, pos.type_name, info.requires, pos.provided):
                cost += 2
            if ctx.registry.find_entity_group(graph, pos.path, pos.conditions, {pos.group}):
                cost -= 1
            options.append((cost, len(options), graph, key, entity_type))
    if not options:
        return None
    # Cheapest local estimate first (ties: candidate order); the plan's cost decides.
    return ctx.choices.choose(sorted(options))[2:]


def _candidates(sg: Supergraph, type_name: str, field_name: str) -> list[tuple[str, str]]:
    """[(graph, entity type)]: graphs resolving the field on this type, then graphs
    resolving it on an interface of the type that they model as `@interfaceObject`
    (asked for with the interface's name as `__typename`)."""
    direct = [(g, type_name) for g in sg.resolving_graphs(type_name, field_name)]
    return direct + sg.interface_object_routes(type_name, field_name)


def _reachable(
    sg: Supergraph, here: str, type_name: str, fields: Sequence[Selection], provided: Sequence[Selection] | None
) -> bool:
    """Can each key field be had here, or from a subgraph reachable with a local key?"""
    # Composition accepts inline fragments in a key (`... on Product { sku }`): their fields count as the key's.
    for selection in collect_for_type(sg, fields, type_name):
        if can_provide(sg, here, type_name, (selection,), provided):
            continue
        if isinstance(selection, InlineFragment):  # a conditional one (`... @include(if: …)`), kept whole
            if not _reachable(sg, here, type_name, selection.selections, provided):
                return False
            continue
        if not any(
            can_provide(sg, here, type_name, key.fields, provided)
            for graph in sg.resolving_graphs(type_name, selection.name)
            for key in sg.resolvable_keys(type_name, graph)
        ):
            return False
    return True


def enter_entity(
    ctx: walk.PlanningContext,
    pos: walk.Position,
    field: Field,
    graph: str,
    key: EntityKey,
    entity_type: str | None = None,
) -> None:
    """Add the representation to the current group, then plan `field` in `graph`."""
    entity_type = entity_type or pos.type_name
    info = ctx.sg.field_in_graph(entity_type, field.name, graph)
    assert info is not None  # the jump's target resolves the field
    entity_pos = entity_position(ctx, pos, graph, key, info.requires, pos.conditions + field.conditions, entity_type)
    walk.add_local_field(ctx, entity_pos, field)


def entity_position(
    ctx: walk.PlanningContext,
    pos: walk.Position,
    graph: str,
    key: EntityKey,
    requires: Sequence[Selection],
    conditions: tuple[Condition, ...],
    entity_type: str,
) -> walk.Position:
    """The position at `_entities { ... on entity_type }` in a (new or reused) group of
    `graph`, after planning the key and `requires` fields where `pos` is."""
    inputs = internal_selections(tuple(key.fields) + tuple(requires), pos.clashing)
    outer, ctx.touched = ctx.touched, {pos.group}
    pos.tree.add_typename()
    walk.plan_selections(ctx, pos, inputs)
    providers, ctx.touched = ctx.touched, outer
    # A fetch made only for a conditional field is skipped when its condition fails.
    group = ctx.registry.find_entity_group(graph, pos.path, conditions, providers, (entity_type, inputs))
    if group is None:
        group = ctx.registry.new(graph, pos.path, True, conditions)
    group.dependencies |= providers
    group.origins.setdefault(entity_type, pos)
    group.require(entity_type, inputs)
    ctx.touch(group)
    return walk.Position(
        group,
        group.entity_tree(entity_type),
        entity_type,
        pos.path,
        conditions,
        entity_root=True,
        parent=pos.parent,
    )
