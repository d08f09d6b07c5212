"""The client-facing API schema, answered locally for introspection and validation."""

from __future__ import annotations

from graphql import GraphQLSchema, build_ast_schema, parse

from gateway.api_schema.prune_inaccessible import prune_inaccessible
from gateway.api_schema.strip_internals import strip_internals


def build_api_schema(supergraph_sdl: str) -> GraphQLSchema:
    """Supergraph SDL → graphql-core schema without federation internals."""
    document = strip_internals(parse(supergraph_sdl))
    return build_ast_schema(prune_inaccessible(document), assume_valid_sdl=True)
