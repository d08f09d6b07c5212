"""Subgraph I/O: the transport interface and its aiohttp implementation."""

from gateway.transport.aiohttp_transport import AiohttpTransport
from gateway.transport.base import (
    InvalidResponseBody,
    SubgraphConnectError,
    SubgraphStatusError,
    SubgraphTimeout,
    Transport,
    TransportError,
)
from gateway.transport.dedup import InflightDeduplicator

__all__ = [
    "AiohttpTransport",
    "InflightDeduplicator",
    "InvalidResponseBody",
    "SubgraphConnectError",
    "SubgraphStatusError",
    "SubgraphTimeout",
    "Transport",
    "TransportError",
]
