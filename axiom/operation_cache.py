"""Parsing and validating an operation once per distinct text, not on every request.

Clients (and the gateway's query plans) send the same few operation texts again and again; graphql-core parses
and validates each request anew, about a tenth of the CPU of a deep Weaver catalog page. `operation_caches()`
gives a schema's extension list two bounded LRU caches shared by all requests:

- parsing, keyed by the text and the parse options (the policy's token limit among them); a text the parser
  refuses is never cached: Strawberry parses it again and reports the error its own way;
- validation, keyed by the text and the validation rules in force (the policy adds one to refuse
  introspection). It must come last in the list: it validates only when no extension before it has already
  answered with errors (the control-character guard, the policy's shape limits), exactly when Strawberry itself
  would validate, and caches nothing else.
"""

from __future__ import annotations

import contextlib
import copy
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

CACHED_OPERATIONS = 256  # distinct texts kept; each is bounded by the policy's token limit


@lru_cache(maxsize=CACHED_OPERATIONS)
def _parsed(query: str, options: tuple[tuple[str, Any], ...]) -> DocumentNode:
    return parse(query, **dict(options))


class ParseOnce(SchemaExtension):
    """The document of a text parsed before with the same options (module docstring)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            # A refused text is not cached: Strawberry parses it again and reports the error as it always does.
            with contextlib.suppress(GraphQLError):
                context.graphql_document = _parsed(context.query, tuple(sorted(context.parse_options.items())))
        yield


_validated: OrderedDict[Hashable, list[GraphQLError]] = OrderedDict()


class ValidationOnce(SchemaExtension):
    """Validation answered from the cache when the same text met the same rules before (module docstring)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, rules = context.graphql_document, tuple(context.validation_rules)
        if context.pre_execution_errors is None and rules and document is not None:
            key = (context.schema._schema, context.query, rules)
            errors = _validated.get(key)
            if errors is None:
                errors = _validated[key] = validate_document(context.schema._schema, document, rules)
                if len(_validated) > CACHED_OPERATIONS:
                    _validated.popitem(last=False)
            else:
                _validated.move_to_end(key)
            # copies: a request may rewrite its errors' messages (the policy's suggestion filter)
            context.pre_execution_errors = [copy.copy(error) for error in errors]
        yield


Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


def operation_caches(extensions: Sequence[Extension]) -> list[Extension]:
    """`extensions` with the parse cache first and the validation cache last."""
    return [ParseOnce, *extensions, ValidationOnce]
