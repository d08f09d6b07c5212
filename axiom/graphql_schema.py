"""The federation schema both subgraphs build, with an error log that tells client mistakes from faults.

Strawberry logs every error of a response at ERROR with its traceback, so an operator's log would fill with
NOT_FOUND and BAD_USER_INPUT from ordinary use and hide the real faults. Here:
- a client's mistake (NOT_FOUND, BAD_USER_INPUT, RATE_LIMITED, UNAUTHENTICATED, FORBIDDEN) or a request
  GraphQL itself rejects (syntax, validation) → INFO, one line, no traceback;
- any other coded error (TIMEOUT, DATASOURCE_UNREACHABLE, …: the outside world failed) → WARNING, no traceback;
- an unexpected exception (a bug; masked as INTERNAL_SERVER_ERROR for the client) → ERROR with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from axiom.errors import (
    BAD_USER_INPUT,
    FORBIDDEN,
    NOT_FOUND,
    RATE_LIMITED,
    UNAUTHENTICATED,
    ApiError,
)

log = logging.getLogger("axiom.graphql")

CLIENT_MISTAKES = frozenset({NOT_FOUND, BAD_USER_INPUT, RATE_LIMITED, UNAUTHENTICATED, FORBIDDEN})


def log_graphql_errors(errors: Iterable[GraphQLError]) -> None:
    """Log each error of a response at the level its cause deserves (see the module docstring)."""
    for error in errors:
        original = error.original_error
        where = ".".join(map(str, error.path or ())) or "request"
        if original is None or isinstance(original, GraphQLError):
            log.info("request rejected at %s: %s", where, error.message)
        elif isinstance(original, ApiError):
            level = logging.INFO if original.code in CLIENT_MISTAKES else logging.WARNING
            log.log(level, "%s at %s: %s", original.code, where, error.message)
        else:
            log.error("unexpected error in resolver at %s", where, exc_info=original)


class AxiomSchema(strawberry.federation.Schema):
    """`strawberry.federation.Schema` logging errors through `log_graphql_errors`."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_graphql_errors(errors)
