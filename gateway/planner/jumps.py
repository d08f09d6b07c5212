"""Entity jumps: leaving a subgraph through `_entities` with an entity key."""

from __future__ import annotations

from gateway.operation.model import Field
from gateway.planner import walk
from gateway.planner.capabilities import can_provide, jump_cost, resolves
from gateway.planner.selection_tree import PlanningError


def jump(ctx, pos, field: Field) -> None:
    """Serve `field` from another subgraph, planning the representation it needs.

    At the top of an entity fetch, the jump is made from the group that produced the
    entity when possible, so both fetches run in parallel instead of one after another.
    """
    chain = _delegation_chain(pos)
    for candidate in reversed(chain):
        if resolves(ctx.sg, candidate.group.subgraph, candidate.type_name, field.name,
                    candidate.provided):
            walk.add_local_field(ctx, candidate, field)
            return
    for candidate in reversed(chain):
        target = _choose_target(ctx, candidate, field)
        if target is not None:
            enter_entity(ctx, candidate, field, *target)
            return
    graph_name = ctx.sg.subgraphs[pos.group.subgraph].name
    raise PlanningError(
        f"cannot reach {pos.type_name}.{field.name} from subgraph '{graph_name}'"
    )


def _delegation_chain(pos) -> list:
    chain = [pos]
    while pos.entity_root and pos.type_name in pos.group.origins:
        pos = pos.group.origins[pos.type_name]
        chain.append(pos)
    return chain


def _choose_target(ctx, pos, field: Field):
    """The (subgraph, key) to jump to: fewest further jumps, reusing existing groups."""
    sg = ctx.sg
    here = pos.group.subgraph
    best = None
    for graph in sg.resolving_graphs(pos.type_name, field.name):
        info = sg.field_in_graph(pos.type_name, field.name, graph)
        if graph == here and not info.requires:
            continue
        for key in sg.resolvable_keys(pos.type_name, graph):
            if not can_provide(sg, here, pos.type_name, key.fields, pos.provided):
                continue
            cost = jump_cost(sg, graph, pos.type_name, (field,)) * 2
            if info.requires and not can_provide(sg, here, pos.type_name, info.requires,
                                                 pos.provided):
                cost += 2
            if ctx.registry.find_entity_group(graph, pos.path, pos.conditions, {pos.group}):
                cost -= 1
            if best is None or cost < best[0]:
                best = (cost, graph, key)
            break
    return best[1:] if best else None


def enter_entity(ctx, pos, field: Field, graph: str, key) -> None:
    """Add the representation to the current group, then plan `field` in `graph`."""
    sg = ctx.sg
    info = sg.field_in_graph(pos.type_name, field.name, graph)
    outer, ctx.touched = ctx.touched, {pos.group}
    pos.tree.add_typename()
    walk.plan_selections(ctx, pos, key.fields)
    walk.plan_selections(ctx, pos, info.requires)
    providers, ctx.touched = ctx.touched, outer
    group = ctx.registry.find_entity_group(graph, pos.path, pos.conditions, providers)
    if group is None:
        group = ctx.registry.new(graph, pos.path, True, pos.conditions)
    group.dependencies |= providers
    group.origins.setdefault(pos.type_name, pos)
    group.require(pos.type_name, key.fields + info.requires)
    ctx.touch(group)
    entity_pos = walk.Position(
        group, group.entity_tree(pos.type_name), pos.type_name, pos.path, pos.conditions,
        entity_root=True,
    )
    walk.add_local_field(ctx, entity_pos, field)
