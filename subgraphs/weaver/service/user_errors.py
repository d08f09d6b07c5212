"""Problems with a mutation's input, reported in its payload's `userErrors` (not as GraphQL errors)."""

from __future__ import annotations

from dataclasses import dataclass

REQUIRED = "REQUIRED"
INVALID = "INVALID"
DUPLICATE = "DUPLICATE"
UNSUPPORTED = "UNSUPPORTED"
NOT_FOUND = "NOT_FOUND"
UNREACHABLE = "UNREACHABLE"
QUERY_FAILED = "QUERY_FAILED"
CONFLICT = "CONFLICT"


@dataclass(frozen=True)
class UserErrorData:
    field: str | None
    message: str
    code: str
    line: int | None = None  # line of an input document (CSV import), when the problem has one


class UserInputProblem(Exception):
    """Raised by use cases; resolvers turn it into `userErrors`."""

    def __init__(self, *errors: UserErrorData):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


def problem(field: str | None, message: str, code: str) -> UserInputProblem:
    return UserInputProblem(UserErrorData(field, message, code))
