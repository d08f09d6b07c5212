"""The federation schema both subgraphs build, with an error log that tells client mistakes from faults.

Strawberry logs every error of a response at ERROR with its traceback, so an operator's log would fill with
NOT_FOUND and BAD_USER_INPUT from ordinary use and hide the real faults. Here:
- a client's mistake (NOT_FOUND, BAD_USER_INPUT, RATE_LIMITED, UNAUTHENTICATED, FORBIDDEN) or a request
  GraphQL itself rejects (syntax, validation) → INFO, one line, no traceback;
- any other coded error (TIMEOUT, DATASOURCE_UNREACHABLE, …: the outside world failed) → WARNING, no traceback;
- an unexpected exception (a bug; masked as INTERNAL_SERVER_ERROR for the client) → ERROR with its traceback.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.types.base_scalars import DateTimeDefinition
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


# Strawberry's DateTime with the spec it follows, so that codegen tools and clients can tell how to parse it.
DATE_TIME = dataclasses.replace(
    DateTimeDefinition,
    description="A date and time with its offset from UTC, as RFC 3339 text, e.g. `2026-11-30T09:41:07.123+00:00`.",
    specified_by_url="https://scalars.graphql.org/andimarek/date-time",
)


class AxiomSchema(strawberry.federation.Schema):
    """`strawberry.federation.Schema` logging errors through `log_graphql_errors`, with `DateTime` specified."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("scalar_overrides", {datetime: DATE_TIME})
        super().__init__(*args, **kwargs)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_graphql_errors(errors)
