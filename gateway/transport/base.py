"""The transport interface the executor does its I/O through."""

from __future__ import annotations

from typing import Mapping, Protocol


class TransportError(Exception):
    """The subgraph could not be reached, timed out, or answered something unusable."""


class Transport(Protocol):
    """Sends one GraphQL request to a subgraph and returns the decoded JSON response."""

    async def send(self, subgraph: str, url: str, body: dict, headers: Mapping[str, str],
                   *, deduplicate: bool) -> dict:
        ...

    async def close(self) -> None:
        ...
