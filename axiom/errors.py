"""Errors a client may see. Anything else is masked as INTERNAL_SERVER_ERROR (and logged with its trace)."""

from __future__ import annotations

from typing import Any

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
TIMEOUT = "TIMEOUT"
RATE_LIMITED = "RATE_LIMITED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ApiError(Exception):
    """A failure whose message is written for the client, with a stable `extensions.code`."""

    code = INTERNAL_SERVER_ERROR

    def __init__(self, message: str, *, code: str | None = None, **extensions: Any) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.extensions = {"code": self.code, **extensions}


class NotFound(ApiError):
    code = NOT_FOUND


class BadUserInput(ApiError):
    code = BAD_USER_INPUT


class Unauthenticated(ApiError):
    code = UNAUTHENTICATED


class Forbidden(ApiError):
    code = FORBIDDEN


class QueryTimeout(ApiError):
    code = TIMEOUT


def graphql_error_body(message: str, code: str) -> dict[str, Any]:
    """A GraphQL response body carrying one error, for failures outside of execution (e.g. a missing token)."""
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
