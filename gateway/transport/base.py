"""The transport interface the executor does its I/O through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class TransportError(Exception):
    """The subgraph could not be reached, timed out, or answered something unusable.

    Callers catch this base class; the subclasses say which (as httpx's `TimeoutException`,
    `ConnectError`, `HTTPStatusError`), so nobody tells them apart by message text."""


class SubgraphTimeout(TransportError):
    """No complete answer within the subgraph's timeout."""

    def __init__(self, message: str = "timed out") -> None:
        super().__init__(message)


class SubgraphConnectError(TransportError):
    """The connection could not be made or broke (refused, DNS failure, reset)."""


class SubgraphStatusError(TransportError):
    """A non-2xx HTTP status whose body is not a GraphQL response (a GraphQL error answer
    with a 4xx/5xx status is a response, with errors, not a transport error)."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or f"HTTP {status}")
        self.status = status


class InvalidResponseBody(TransportError):
    """A 2xx answer (or a subscription message) that is not JSON or not a GraphQL response."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason if status is None else f"HTTP {status}, {reason}")
        self.status = status


class Transport(Protocol):
    """Sends one GraphQL request to a subgraph and returns the decoded JSON response."""

    async def send(
        self, subgraph: str, url: str, body: dict[str, Any], headers: Mapping[str, str], *, deduplicate: bool
    ) -> dict[str, Any]: ...

    async def close(self) -> None: ...
