"""Reading applied directives from SDL AST nodes."""

from __future__ import annotations

from typing import Any

from graphql import DirectiveNode, GraphQLNamedType, value_from_ast_untyped


def applied(node: Any, name: str) -> list[dict[str, Any]]:
    """Arguments of every `@name` applied on an AST node (type, field, enum value…)."""
    if node is None:
        return []
    found: list[DirectiveNode] = [d for d in node.directives or () if d.name.value == name]
    return [{a.name.value: value_from_ast_untyped(a.value) for a in d.arguments or ()} for d in found]


def applied_on_type(type_: GraphQLNamedType) -> list[Any]:
    """The AST nodes describing a schema type (definition and extensions)."""
    return [n for n in (type_.ast_node, *(type_.extension_ast_nodes or ())) if n is not None]
