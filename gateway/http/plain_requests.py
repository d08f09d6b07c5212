"""The GraphQL path's plain requests, served straight from ASGI.

A GET or POST answered in one JSON body is what clients send nearly always. Starlette's request objects,
router and middleware stack cost more CPU than the rest of such a request on a cached plan, so these requests
skip them: headers are read into one dict, the body straight from `receive`, and the answer goes out as two ASGI
messages. Everything else on the app (streams, SSE's single connection mode, other methods and paths,
WebSockets) goes through Starlette as before; both paths answer through `GraphQLEndpoint.answer`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from gateway.http.app import GraphQLEndpoint

logger = logging.getLogger("axiom.gateway")

_INTERNAL_ERROR = b'{"errors":[{"message":"Unexpected gateway error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}'


class ClientLeft(Exception):
    """The client disconnected before its request body was read."""


class GatewayApp(Starlette):
    """Starlette, with the plain requests of `path` answered by `endpoint.answer` without it."""

    def __init__(self, endpoint: GraphQLEndpoint, path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._endpoint = endpoint
        self._path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self._path or scope["method"] not in ("GET", "POST"):
            await super().__call__(scope, receive, send)
            return
        headers = request_headers(scope)
        query = scope.get("query_string", b"")
        params: Mapping[str, str] = QueryParams(query) if query else {}
        if self._endpoint.streams(scope["method"], headers, params):
            await super().__call__(scope, receive, send)
            return
        try:
            reply = await self._endpoint.answer(
                scope["method"], headers, params, lambda: self._endpoint.read_body(headers, receive)
            )
        except ClientLeft:
            return  # nobody to answer
        except Exception:  # as Starlette's error middleware would: logged, never a stack trace to the client
            logger.exception("gateway request failed")
            await _send(send, 500, _INTERNAL_ERROR, "application/json", None)
            return
        await _send(send, reply.status, reply.body, reply.media_type, reply.headers)


def request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; of a repeated header the first (as Starlette's `get`)."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1")
        if key not in found:
            found[key] = value.decode("latin-1")
    return found


async def _send(send: Send, status: int, body: bytes, media_type: str, headers: dict[str, str] | None) -> None:
    raw = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    if headers:
        raw.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
