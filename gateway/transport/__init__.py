"""Subgraph I/O: the transport interface and its HTTP implementation."""

from gateway.transport.base import (
    InvalidResponseBody,
    SubgraphConnectError,
    SubgraphStatusError,
    SubgraphTimeout,
    Transport,
    TransportError,
)
from gateway.transport.dedup import InflightDeduplicator
from gateway.transport.http_transport import HttpTransport

__all__ = [
    "HttpTransport",
    "InflightDeduplicator",
    "InvalidResponseBody",
    "SubgraphConnectError",
    "SubgraphStatusError",
    "SubgraphTimeout",
    "Transport",
    "TransportError",
]
