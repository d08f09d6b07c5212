"""Entry point of the planner: (supergraph, normalized operation) → QueryPlan. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.operation.model import Condition, Field, InlineFragment, NormalizedOperation, Selection
from gateway.planner.alternatives import Choices, cheapest, plan_cost
from gateway.planner.assemble import fetch_node, order_groups
from gateway.planner.capabilities import UNREACHABLE, collect_for_type, jump_cost
from gateway.planner.fetch_group import FetchGroup
from gateway.planner.nodes import FetchNode, PlanNode, QueryPlan, SequenceNode, SubscriptionNode
from gateway.planner.selection_tree import PlanningError
from gateway.planner.walk import PlanningContext, Position, plan_field
from gateway.supergraph.model import Supergraph

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def plan_operation(supergraph: Supergraph, operation: NormalizedOperation) -> QueryPlan:
    """Plan every root field; introspection and `__typename` are answered locally.

    Among the plans that the walk's alternative decisions give, the cheapest wins
    (`alternatives.plan_cost`: fewest fetches, then the shortest chain of them).
    """
    ctx, roots = cheapest(
        lambda choices: _plan_groups(supergraph, operation, choices),
        lambda planned: plan_cost(planned[0].registry.groups),
    )
    groups = ctx.registry.groups
    nodes = {g: fetch_node(supergraph, operation, g, i) for i, g in enumerate(groups)}
    node: PlanNode | None
    if operation.kind == "subscription":
        node = _subscription_node(roots, groups, nodes)
    elif operation.kind == "mutation":
        # Mutation fields run one after another, each with its dependent fetches.
        # Each root's descendants include the root: no part is empty.
        parts = [part for root in roots if (part := order_groups(_descendants(root, groups), nodes)) is not None]
        node = parts[0] if len(parts) == 1 else (SequenceNode(tuple(parts)) if parts else None)
    else:
        node = order_groups(groups, nodes)
    return QueryPlan(node, operation.kind)


def _plan_groups(
    sg: Supergraph, operation: NormalizedOperation, choices: Choices
) -> tuple[PlanningContext, list[FetchGroup]]:
    """One planning run: the fetch groups (in the context) and the root groups."""
    ctx = PlanningContext(sg, choices)
    roots: list[FetchGroup] = []
    for field in root_fields(sg, operation):
        if field.name in INTROSPECTION_FIELDS or field.name == "__typename":
            continue
        for graph, part in _split_root_field(ctx, operation, roots, field):
            group = _root_group(ctx, operation, roots, graph)
            plan_field(ctx, Position(group, group.tree, operation.root_type, ()), part)
    return ctx, roots


def _subscription_node(
    roots: list[FetchGroup], groups: list[FetchGroup], nodes: dict[FetchGroup, PlanNode]
) -> SubscriptionNode:
    """One subgraph streams events; every other group completes each event.
    (Validation already guarantees a single root field.)"""
    if len(roots) != 1:
        raise PlanningError("a subscription's root field must be served by one subgraph")
    primary = nodes[roots[0]]
    if not isinstance(primary, FetchNode):
        raise PlanningError("a subscription's root field cannot be conditional")
    rest = order_groups([g for g in groups if g is not roots[0]], nodes)
    return SubscriptionNode(primary, rest)


def root_fields(supergraph: Supergraph, operation: NormalizedOperation) -> list[Field]:
    """Root fields with the conditions of enclosing fragments moved onto them."""
    result: list[Field] = []

    def collect(selections: Sequence[Selection], conditions: tuple[Condition, ...]) -> None:
        for selection in collect_for_type(supergraph, selections, operation.root_type):
            if isinstance(selection, InlineFragment):
                collect(selection.selections, conditions + selection.conditions)
            else:
                result.append(
                    Field(
                        selection.name,
                        selection.alias,
                        selection.arguments,
                        selection.selections,
                        conditions + selection.conditions,
                        selection.variables,
                    )
                )

    collect(operation.selections, ())
    return result


def _split_root_field(
    ctx: PlanningContext, operation: NormalizedOperation, roots: list[FetchGroup], field: Field
) -> list[tuple[str, Field]]:
    """[(subgraph, field)]: usually one subgraph (a decision point when several could
    serve it); a shared root field whose selections no single subgraph can serve is
    asked from several, each for the part it resolves."""
    sg = ctx.sg
    root = operation.root_type
    candidates = sg.resolving_graphs(root, field.name)
    if not candidates:
        raise PlanningError(f"no subgraph resolves {root}.{field.name}")
    existing = {g.subgraph for g in (roots[-1:] if operation.kind == "mutation" else roots)}

    def score(graph: str, part: Field) -> tuple[int, bool]:
        return (jump_cost(sg, graph, root, (part,)), graph not in existing)

    ranked = sorted(candidates, key=lambda g: score(g, field))
    child_type, _ = sg.field_type(root, field.name)
    viable = [g for g in ranked if score(g, field)[0] < UNREACHABLE]
    if viable:
        return [(ctx.choices.choose(viable), field)]
    if sg.is_abstract(child_type):
        return [(ranked[0], field)]
    parts: dict[str, list[Any]] = {}
    for selection in collect_for_type(sg, field.selections, child_type):
        part = _with_selections(field, (selection,))
        parts.setdefault(min(candidates, key=lambda g: score(g, part)), []).append(selection)
    return [(graph, _with_selections(field, tuple(s))) for graph, s in parts.items()]


def _with_selections(field: Field, selections: tuple[Selection, ...]) -> Field:
    return Field(field.name, field.alias, field.arguments, selections, field.conditions, field.variables)


def _root_group(
    ctx: PlanningContext, operation: NormalizedOperation, roots: list[FetchGroup], graph: str
) -> FetchGroup:
    """The root group for `graph`, reused when allowed (never across mutation fields)."""
    reusable = roots[-1:] if operation.kind == "mutation" else roots
    existing = {g.subgraph: g for g in reusable}
    if graph in existing:
        return existing[graph]
    group = ctx.registry.new(graph, (), is_entity=False)
    roots.append(group)
    return group


def _descendants(root: FetchGroup, groups: list[FetchGroup]) -> list[FetchGroup]:
    return [g for g in groups if g is root or g.depends_on(root)]
