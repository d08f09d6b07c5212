"""Fetch groups: the subgraph requests a plan is being built from.

A group is one future `Fetch`; entity groups also know the representation shape per
type. Groups form a DAG through `dependencies` (groups whose data they need first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.operation.model import Condition, Field, Selection
from gateway.planner.nodes import ResponsePath
from gateway.planner.selection_tree import SelectionTree


@dataclass(eq=False)
class FetchGroup:
    """A request to one subgraph, merged into the response at `path`."""

    id: int
    subgraph: str  # join__Graph enum value
    path: ResponsePath
    is_entity: bool
    conditions: tuple[Condition, ...] = ()
    tree: SelectionTree = field(default_factory=SelectionTree)
    requires: dict[str, SelectionTree] = field(default_factory=dict)  # entity type -> shape
    dependencies: set[FetchGroup] = field(default_factory=set)
    # Per entity type, the Position in the parent group this group was entered from.
    origins: dict[str, object] = field(default_factory=dict)

    def __hash__(self) -> int:
        return self.id

    def entity_tree(self, type_name: str) -> SelectionTree:
        """Selections under `_entities { ... on type_name }`."""
        return self.tree.fragment(type_name, ())

    def require(self, type_name: str, selections: tuple[Selection, ...]) -> None:
        """Add fields to the representation sent for entities of `type_name`."""
        shape = self.requires.setdefault(type_name, SelectionTree())
        shape.add_typename()
        _add_all(shape, selections)

    def accepts(self, type_name: str, selections: tuple[Selection, ...]) -> bool:
        """False when a representation would need one field with two argument sets
        (e.g. `price(currency: "USD")` and `price(currency: "EUR")`)."""
        shape = self.requires.get(type_name)
        if shape is None:
            return True
        taken = shape.response_keys_by_name()
        return all(s.response_key in taken.get(s.name, {s.response_key}) for s in selections if isinstance(s, Field))

    def depends_on(self, other: FetchGroup) -> bool:
        """True when `other` must run before this group (transitively)."""
        seen: set[FetchGroup] = set()
        stack = list(self.dependencies)
        while stack:
            group = stack.pop()
            if group is other:
                return True
            if group not in seen:
                seen.add(group)
                stack.extend(group.dependencies)
        return False


def _add_all(tree: SelectionTree, selections: tuple[Selection, ...]) -> None:
    for selection in selections:
        if isinstance(selection, Field):
            child = tree.add_field(selection, bool(selection.selections))
            if child is not None:
                _add_all(child, selection.selections)
        else:
            _add_all(tree.fragment(selection.type_condition, selection.conditions), selection.selections)


class GroupRegistry:
    """Creates groups and finds reusable ones without creating dependency cycles."""

    def __init__(self) -> None:
        self.groups: list[FetchGroup] = []

    def new(
        self, subgraph: str, path: ResponsePath, is_entity: bool, conditions: tuple[Condition, ...] = ()
    ) -> FetchGroup:
        group = FetchGroup(len(self.groups), subgraph, path, is_entity, conditions)
        self.groups.append(group)
        return group

    def find_entity_group(
        self,
        subgraph: str,
        path: ResponsePath,
        conditions: tuple[Condition, ...],
        must_follow: set[FetchGroup],
        inputs: tuple[str, tuple[Selection, ...]] | None = None,
    ) -> FetchGroup | None:
        """An entity group at the same place that can run after all of `must_follow`
        and whose representations can carry `inputs` (type, fields) too."""
        for group in self.groups:
            if (
                group.is_entity
                and group.subgraph == subgraph
                and group.path == path
                and group.conditions == conditions
                and group not in must_follow
                and (inputs is None or group.accepts(*inputs))
                and not any(g.depends_on(group) for g in must_follow)
            ):
                return group
        return None
