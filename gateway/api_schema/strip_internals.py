"""Removes the federation machinery (`join__*`, `link__*`, spec directives) from SDL."""

from __future__ import annotations

from graphql import DirectiveDefinitionNode, DocumentNode, SchemaDefinitionNode, TypeDefinitionNode

# Directives whose definitions belong to federation specs, not to the client API.
_SPEC_DIRECTIVES = {
    "link",
    "core",
    "inaccessible",
    "tag",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
    "context",
    "fromContext",
}


def is_internal_name(name: str) -> bool:
    """`join__Graph`, `link__Import`, `join__field`… are namespaced with a double underscore."""
    return "__" in name and not name.startswith("__")


def strip_internals(document: DocumentNode) -> DocumentNode:
    """Drop spec types and directive definitions; drop directives applied to `schema`."""
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode):
            name = definition.name.value
            if is_internal_name(name) or name in _SPEC_DIRECTIVES:
                continue
        elif isinstance(definition, TypeDefinitionNode):
            if is_internal_name(definition.name.value):
                continue
        elif isinstance(definition, SchemaDefinitionNode):
            definition = SchemaDefinitionNode(
                operation_types=definition.operation_types,
                directives=(),
                description=definition.description,
            )
        definitions.append(definition)
    return DocumentNode(definitions=tuple(definitions))
