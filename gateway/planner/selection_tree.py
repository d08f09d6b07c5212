"""A mutable, ordered selection set that fetch groups fill while planning."""

from __future__ import annotations

from typing import Any

from gateway.operation.model import Condition, Field, InlineFragment, Selection


class PlanningError(Exception):
    """The operation cannot be planned against this supergraph."""


class SelectionTree:
    """Fields keyed by (response key, conditions); fragments by (type, conditions)."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, ...], list[Any]] = {}

    def add_field(self, field: Field, with_children: bool) -> SelectionTree | None:
        """Add `field` (without its sub-selections); return the tree for its children."""
        key = ("field", field.response_key, field.conditions)
        entry = self._entries.get(key)
        if entry is None:
            bare = Field(field.name, field.alias, field.arguments, (), field.conditions, field.variables)
            entry = [bare, SelectionTree() if with_children else None]
            self._entries[key] = entry
        elif not entry[0].same_field(field):
            raise PlanningError(f"response key '{field.response_key}' is used by two different fields")
        children: SelectionTree | None = entry[1]
        return children

    def add_typename(self) -> None:
        self.add_field(Field("__typename"), False)

    def fragment(self, type_condition: str | None, conditions: tuple[Condition, ...]) -> SelectionTree:
        """The tree of `... on type_condition @conditions`, created on first use."""
        key = ("fragment", type_condition, conditions)
        entry = self._entries.get(key)
        if entry is None:
            entry = [InlineFragment(type_condition, (), conditions), SelectionTree()]
            self._entries[key] = entry
        tree: SelectionTree = entry[1]
        return tree

    def response_keys_by_name(self) -> dict[str, set[str]]:
        """Field name → the response keys it is selected under here (fields only)."""
        keys: dict[str, set[str]] = {}
        for head, _ in self._entries.values():
            if isinstance(head, Field):
                keys.setdefault(head.name, set()).add(head.response_key)
        return keys

    def is_empty(self) -> bool:
        return not self._entries

    def size(self) -> int:
        """Fields selected here and below (a plan's cost counts them)."""
        return sum(
            isinstance(head, Field) + (children.size() if children is not None else 0)
            for head, children in self._entries.values()
        )

    def freeze(self) -> tuple[Selection, ...]:
        """Immutable selections; empty fragments are dropped."""
        result: list[Selection] = []
        for head, children in self._entries.values():
            if isinstance(head, InlineFragment):
                inner = children.freeze()
                if inner:
                    result.append(InlineFragment(head.type_condition, inner, head.conditions))
            elif children is None:
                result.append(head)
            else:
                inner = children.freeze() or (Field("__typename"),)
                result.append(Field(head.name, head.alias, head.arguments, inner, head.conditions, head.variables))
        return tuple(result)
