"""Removes every `@inaccessible` element (types, fields, arguments, enum values…)."""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, NamedTypeNode, Node, TypeDefinitionNode, Visitor, visit
from graphql.language.visitor import REMOVE


def _inaccessible(node: Node) -> bool:
    return any(d.name.value == "inaccessible" for d in getattr(node, "directives", None) or ())


def inaccessible_type_names(document: DocumentNode) -> set[str]:
    """Names of the types marked `@inaccessible`."""
    return {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode) and _inaccessible(d)}


class _Pruner(Visitor):
    def __init__(self, hidden_types: set[str]) -> None:
        super().__init__()
        self.hidden_types = hidden_types

    def enter(self, node: Node, key: str | int | None, parent: Any, path: list[str | int], ancestors: list[Any]) -> Any:
        if _inaccessible(node):
            return REMOVE
        # Union members and implemented interfaces that are hidden disappear from lists.
        if isinstance(node, NamedTypeNode) and isinstance(key, int) and node.name.value in self.hidden_types:
            return REMOVE
        return None


def prune_inaccessible(document: DocumentNode) -> DocumentNode:
    """Return a document without inaccessible elements or references to hidden types."""
    pruned: DocumentNode = visit(document, _Pruner(inaccessible_type_names(document)))
    return pruned
