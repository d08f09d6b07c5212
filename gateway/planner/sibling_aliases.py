"""Optimization-free correctness pass: internal aliases for sibling fragments whose
fields share a response key but not a type in the subgraph.

`... on User { id } ... on Admin { id }` is valid against the supergraph, but if the
subgraph types `User.id` as `ID!` and `Admin.id` as `ID`, the subgraph rejects the
document ("fields conflict"). Such fields are aliased after their type (so nested
copies of the same selection stay mergeable), and the executor renames them back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from gateway.operation.model import Field, InlineFragment, Selection
from gateway.planner.nodes import KeyRenamer
from gateway.supergraph.model import Supergraph


def alias_sibling_conflicts(
    sg: Supergraph, graph: str, parent_type: str | None, selections: tuple[Selection, ...]
) -> tuple[tuple[Any, ...], tuple[KeyRenamer, ...]]:
    """Return the selections with conflicting sibling fields aliased, and the renames."""
    renames: list[KeyRenamer] = []
    result = _walk(sg, graph, parent_type, selections, (), renames)
    return result, tuple(renames)


def _walk(
    sg: Supergraph,
    graph: str,
    parent_type: str | None,
    selections: Sequence[Selection],
    path: tuple[str, ...],
    renames: list[KeyRenamer],
) -> tuple[Selection, ...]:
    conflicting = _conflicting_keys(sg, graph, selections)
    result: list[Selection] = []
    for selection in selections:
        if isinstance(selection, InlineFragment):
            inner_type = selection.type_condition or parent_type
            inner = tuple(
                _field(sg, graph, inner_type, s, path, renames, conflicting)
                if isinstance(s, Field)
                else _walk(sg, graph, inner_type, (s,), path, renames)[0]
                for s in selection.selections
            )
            result.append(InlineFragment(selection.type_condition, inner, selection.conditions))
        else:
            result.append(_field(sg, graph, parent_type, selection, path, renames, frozenset()))
    return tuple(result)


def _field(
    sg: Supergraph,
    graph: str,
    parent_type: str | None,
    field: Field,
    path: tuple[str, ...],
    renames: list[KeyRenamer],
    conflicting: frozenset[str],
) -> Field:
    alias = field.alias
    if field.response_key in conflicting:
        signature = _signature(sg, graph, parent_type, field.name)
        alias = f"{field.response_key}__t{hashlib.sha1(signature.encode()).hexdigest()[:6]}"
        renames.append(KeyRenamer(path, alias, field.response_key))
    if not field.selections:
        return Field(field.name, alias, field.arguments, (), field.conditions, field.variables)
    child_type = _child_type(sg, graph, parent_type, field.name)
    children = _walk(sg, graph, child_type, field.selections, (*path, alias or field.name), renames)
    return Field(field.name, alias, field.arguments, children, field.conditions, field.variables)


def _conflicting_keys(sg: Supergraph, graph: str, selections: Sequence[Selection]) -> frozenset[str]:
    """Response keys selected in sibling type fragments with different subgraph types."""
    signatures: dict[str, set[str]] = {}
    for selection in selections:
        if isinstance(selection, InlineFragment) and selection.type_condition:
            for inner in selection.selections:
                if isinstance(inner, Field) and inner.name != "__typename":
                    signatures.setdefault(inner.response_key, set()).add(
                        _signature(sg, graph, selection.type_condition, inner.name)
                    )
    return frozenset(k for k, found in signatures.items() if len(found) > 1)


def _signature(sg: Supergraph, graph: str, type_name: str | None, field_name: str) -> str:
    info = sg.field_in_graph(type_name, field_name, graph) if type_name else None
    if info is not None and info.type:
        return info.type
    parent = sg.schema.get_type(type_name) if type_name else None
    fields = getattr(parent, "fields", None) or {}
    return str(fields[field_name].type) if field_name in fields else "?"


def _child_type(sg: Supergraph, graph: str, parent_type: str | None, field_name: str) -> str | None:
    parent = sg.schema.get_type(parent_type) if parent_type else None
    if parent_type is None or parent is None or field_name not in getattr(parent, "fields", {}):
        return None
    local = sg.subgraph_field_type(parent_type, field_name, graph)
    return local or sg.field_type(parent_type, field_name)[0]
