"""Turns the fetch-group DAG into plan nodes and subgraph operation texts."""

from __future__ import annotations

from gateway.operation.model import Field, InlineFragment, NormalizedOperation, Selection
from gateway.operation.printer import print_selections
from gateway.planner.fetch_group import FetchGroup
from gateway.planner.nodes import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
    TypenameRewrite,
)
from gateway.planner.sibling_aliases import alias_sibling_conflicts
from gateway.supergraph.model import Supergraph


def fetch_node(sg: Supergraph, operation: NormalizedOperation, group: FetchGroup, index: int) -> PlanNode:
    """The Fetch (wrapped in Flatten for entity groups, in Conditions when guarded)."""
    parent_type = None if group.is_entity else operation.root_type
    selections, renames = alias_sibling_conflicts(sg, group.subgraph, parent_type, group.tree.freeze())
    kind = operation.kind if not group.is_entity else "query"
    used = sorted(_variables(selections))
    definitions = [v.text for v in operation.variable_definitions if v.name in used]
    name = f"{operation.name}__{sg.subgraphs[group.subgraph].name}__{index}" if operation.name else ""
    if group.is_entity:
        definitions.insert(0, "$representations:[_Any!]!")
        body = "{_entities(representations:$representations)" + print_selections(selections) + "}"
    else:
        body = print_selections(selections)
    header = f"{kind} {name}".strip()
    if definitions:
        header += "(" + ",".join(definitions) + ")"
    requires = tuple(
        InlineFragment(type_name, concrete_conditions(sg, shape.freeze()))
        for type_name, shape in group.requires.items()
    )
    rewrites = tuple(
        TypenameRewrite(concrete, type_name)
        for type_name in group.requires
        if sg.is_abstract(type_name)
        for concrete in sg.possible_types(type_name)
    )
    fetch = FetchNode(
        subgraph=sg.subgraphs[group.subgraph].name,
        operation=header + body,
        operation_kind=kind,
        variable_usages=tuple(used),
        requires=requires,
        typename_rewrites=rewrites,
        output_renames=renames,
    )
    node: PlanNode = FlattenNode(group.path, fetch) if group.is_entity else fetch
    for condition in reversed(group.conditions):
        if condition.passing_value:
            node = ConditionNode(condition.variable, node, None)
        else:
            node = ConditionNode(condition.variable, None, node)
    return node


def concrete_conditions(sg: Supergraph, selections: tuple[Selection, ...]) -> tuple[Selection, ...]:
    """Fragments on abstract types become one fragment per possible concrete type: the
    executor builds representations matching `__typename` only, without a schema."""
    result: list[Selection] = []
    for selection in selections:
        if isinstance(selection, Field):
            inner = concrete_conditions(sg, selection.selections)
            result.append(
                Field(
                    selection.name,
                    selection.alias,
                    selection.arguments,
                    inner,
                    selection.conditions,
                    selection.variables,
                )
            )
            continue
        inner = concrete_conditions(sg, selection.selections)
        condition = selection.type_condition
        if condition is None or not sg.is_abstract(condition):
            result.append(InlineFragment(condition, inner, selection.conditions))
        else:
            result.extend(InlineFragment(t, inner, selection.conditions) for t in sg.possible_types(condition))
    return tuple(result)


def _variables(selections: tuple[Selection, ...]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        names.update(c.variable for c in selection.conditions)
        if isinstance(selection, Field):
            names.update(selection.variables)
        names.update(_variables(selection.selections))
    return names


def reduce_dependencies(groups: list[FetchGroup]) -> dict[FetchGroup, set[FetchGroup]]:
    """Direct dependencies only: drop those implied through another dependency."""
    reduced = {}
    for group in groups:
        deps = set(group.dependencies)
        reduced[group] = {d for d in deps if not any(o is not d and o.depends_on(d) for o in deps)}
    return reduced


def order_groups(groups: list[FetchGroup], nodes: dict[FetchGroup, PlanNode]) -> PlanNode | None:
    """A plan running every group after its dependencies.

    Tree-shaped DAGs become nested Sequence/Parallel (each subtree starts as soon as
    its parent is done); DAGs with shared children fall back to stages.
    """
    if not groups:
        return None
    deps = reduce_dependencies(groups)
    members = set(groups)
    roots = [g for g in groups if not (deps[g] & members)]
    if all(len(deps[g] & members) <= 1 for g in groups):
        children = {g: [c for c in groups if deps[c] & members == {g}] for g in groups}
        return _parallel([_subtree(r, children, nodes) for r in roots])
    return _stages(groups, deps, members, nodes)


def _subtree(
    group: FetchGroup, children: dict[FetchGroup, list[FetchGroup]], nodes: dict[FetchGroup, PlanNode]
) -> PlanNode:
    below = [_subtree(c, children, nodes) for c in children[group]]
    if not below:
        return nodes[group]
    return _sequence([nodes[group], _parallel(below)])


def _stages(
    groups: list[FetchGroup],
    deps: dict[FetchGroup, set[FetchGroup]],
    members: set[FetchGroup],
    nodes: dict[FetchGroup, PlanNode],
) -> PlanNode:
    depth: dict[FetchGroup, int] = {}

    def depth_of(group: FetchGroup) -> int:
        if group not in depth:
            depth[group] = 1 + max((depth_of(d) for d in deps[group] & members), default=-1)
        return depth[group]

    levels: dict[int, list[PlanNode]] = {}
    for group in groups:
        levels.setdefault(depth_of(group), []).append(nodes[group])
    return _sequence([_parallel(levels[i]) for i in sorted(levels)])


def _parallel(nodes: list[PlanNode]) -> PlanNode:
    return nodes[0] if len(nodes) == 1 else ParallelNode(tuple(nodes))


def _sequence(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, SequenceNode) else (node,))
    return flat[0] if len(flat) == 1 else SequenceNode(tuple(flat))
