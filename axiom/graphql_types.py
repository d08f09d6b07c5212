"""GraphQL types both subgraphs share. Shareable, so that composition accepts them from either subgraph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry


@strawberry.federation.type(shareable=True, description="A problem with a mutation's input; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(description="The input field (or input file) at fault, if one is.")
    message: str = strawberry.field(description="What is wrong, written for people.")
    code: str = strawberry.field(description="A stable machine-readable code, e.g. BAD_USER_INPUT, DUPLICATE.")
    line: int | None = strawberry.field(
        default=None, description="Line in the input document (e.g. a cube file), when the problem has one."
    )
    position: int | None = strawberry.field(
        default=None, description="0-based character position of the token at fault in an expression, when in one."
    )

    @classmethod
    def of(cls, problems: Iterable[Any]) -> list[UserError]:
        """From any objects with `field`, `message`, `code` (and optionally `line`)."""
        return [cls(field=p.field, message=p.message, code=p.code, line=getattr(p, "line", None)) for p in problems]
