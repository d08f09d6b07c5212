"""GraphQL types both subgraphs share. Shareable, so that composition accepts them from either subgraph."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

import strawberry


@strawberry.enum(description="Why a mutation refused its input (`UserError.code`); the same set in both subgraphs.")
class UserErrorCode(Enum):
    BAD_USER_INPUT = strawberry.enum_value("BAD_USER_INPUT", description="The input is malformed or out of range.")
    REQUIRED = strawberry.enum_value("REQUIRED", description="A required input is missing.")
    INVALID = strawberry.enum_value("INVALID", description="A value is not acceptable (format, length, a bad CSV row).")
    DUPLICATE = strawberry.enum_value("DUPLICATE", description="Another object already has this unique name.")
    UNSUPPORTED = strawberry.enum_value("UNSUPPORTED", description="A valid value this deployment cannot handle.")
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="A referenced object does not exist for the tenant.")
    UNREACHABLE = strawberry.enum_value("UNREACHABLE", description="The datasource could not be connected to.")
    QUERY_FAILED = strawberry.enum_value("QUERY_FAILED", description="The datasource refused a statement.")
    CONFLICT = strawberry.enum_value(
        "CONFLICT", description="Another request with the same Idempotency-Key is in progress; retry shortly."
    )
    CUBE_NOT_READY = strawberry.enum_value("CUBE_NOT_READY", description="The cube has no data yet; refresh it.")
    NOT_CANCELLABLE = strawberry.enum_value("NOT_CANCELLABLE", description="The scenario run has ended already.")


@strawberry.federation.type(shareable=True, description="A problem with a mutation's input; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(description="The input field (or input file) at fault, if one is.")
    message: str = strawberry.field(description="What is wrong, written for people.")
    code: UserErrorCode = strawberry.field(description="A stable machine-readable code.")
    line: int | None = strawberry.field(
        default=None, description="Line in the input document (e.g. a cube file), when the problem has one."
    )
    position: int | None = strawberry.field(
        default=None, description="0-based character position of the token at fault in an expression, when in one."
    )

    @classmethod
    def of(cls, problems: Iterable[Any]) -> list[UserError]:
        """From any objects with `field`, `message`, `code` (and optionally `line`)."""
        return [
            cls(field=p.field, message=p.message, code=UserErrorCode(p.code), line=getattr(p, "line", None))
            for p in problems
        ]
