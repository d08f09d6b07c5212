"""Questions the planner asks about one subgraph: can it resolve this, at what cost?"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.operation.model import Field, InlineFragment, Selection
from gateway.supergraph.model import Supergraph

# A subtree that a subgraph cannot serve at all (no key to leave it).
UNREACHABLE = 10_000
_LOOKAHEAD_DEPTH = 4


def type_condition_applies(sg: Supergraph, condition: str | None, type_name: str) -> bool:
    """Does `... on condition` select objects of `type_name`?"""
    if condition is None or condition == type_name:
        return True
    if not sg.is_abstract(condition):
        return False
    return type_name in sg.possible_types(condition)


def collect_for_type(sg: Supergraph, selections: Sequence[Selection], type_name: str) -> list[Selection]:
    """Selections that apply to `type_name`, with fragments on it unwrapped.

    Conditional fragments survive as `... @include(if: $x)` without a type condition.
    """
    result: list[Selection] = []
    for selection in selections:
        if isinstance(selection, Field):
            result.append(selection)
        elif type_condition_applies(sg, selection.type_condition, type_name):
            inner = collect_for_type(sg, selection.selections, type_name)
            if selection.conditions:
                result.append(InlineFragment(None, tuple(inner), selection.conditions))
            else:
                result.extend(inner)
    return result


def provided_field(
    sg: Supergraph, provided: Sequence[Selection] | None, type_name: str, field_name: str
) -> Field | None:
    """The `@provides` entry for a field at this position, if any."""
    for selection in collect_for_type(sg, provided or (), type_name):
        if isinstance(selection, Field) and selection.name == field_name:
            return selection
    return None


def resolves(
    sg: Supergraph, graph: str, type_name: str, field_name: str, provided: Sequence[Selection] | None = None
) -> bool:
    """Can `graph` return this field here (natively, or because a parent @provides it)?"""
    if field_name == "__typename":
        return True
    info = sg.field_in_graph(type_name, field_name, graph)
    if info is None or info.requires:
        # A @requires field gets its inputs only through an `_entities` representation.
        return False
    if info.resolves:
        return True
    return info.external and provided_field(sg, provided, type_name, field_name) is not None


def can_provide(
    sg: Supergraph,
    graph: str,
    type_name: str,
    selections: Sequence[Selection],
    provided: Sequence[Selection] | None = None,
) -> bool:
    """Can `graph` return every field of `selections` (a key or @requires) here?"""
    for selection in collect_for_type(sg, selections, type_name):
        if isinstance(selection, InlineFragment):
            if not can_provide(sg, graph, type_name, selection.selections, provided):
                return False
            continue
        if not resolves(sg, graph, type_name, selection.name, provided):
            return False
        if selection.selections and selection.name != "__typename":
            child_type, _ = sg.field_type(type_name, selection.name)
            child_provided = _child_provided(sg, provided, type_name, selection.name)
            for concrete in sg.possible_types(child_type, graph if sg.is_abstract(child_type) else None):
                if not can_provide(sg, graph, concrete, selection.selections, child_provided):
                    return False
    return True


def _child_provided(
    sg: Supergraph, provided: Sequence[Selection] | None, type_name: str, field_name: str
) -> Sequence[Selection] | None:
    entry = provided_field(sg, provided, type_name, field_name)
    return entry.selections if entry is not None else None


def jump_cost(sg: Supergraph, graph: str, type_name: str, selections: Sequence[Selection], depth: int = 0) -> int:
    """Roughly how many entity jumps serving `selections` from `graph` would take."""
    if depth > _LOOKAHEAD_DEPTH:
        return 0
    cost = 0
    types = sg.possible_types(type_name, graph) if sg.is_abstract(type_name) else [type_name]
    for concrete in types:
        for selection in collect_for_type(sg, selections, concrete):
            if isinstance(selection, InlineFragment):
                cost += jump_cost(sg, graph, concrete, selection.selections, depth)
            elif not resolves(sg, graph, concrete, selection.name):
                has_key = any(sg.resolvable_keys(concrete, g) for g in sg.graphs_of_type(concrete))
                cost += 1 if has_key else UNREACHABLE
            elif selection.selections:
                child_type, _ = sg.field_type(concrete, selection.name)
                cost += jump_cost(sg, graph, child_type, selection.selections, depth + 1)
    return cost
