"""What a GraphQL POST must look like before any GraphQL work: a JSON body of bounded size.

GraphQL over HTTP requires `Content-Type: application/json` on POST; refusing anything else (415) also keeps
browsers from sending "simple" cross-site requests (`text/plain` forms need no CORS preflight), i.e. it is a
CSRF guard. Bodies over the limit are refused with 413 before they are read in full.
"""

from __future__ import annotations

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from axiom.errors import graphql_error_body

JSON_MEDIA_TYPES = ("application/json", "application/graphql-response+json")


def is_json_content_type(value: str | None) -> bool:
    """True for `application/json` (with or without parameters such as `charset`)."""
    media_type = (value or "").split(";", 1)[0].strip().lower()
    return media_type in JSON_MEDIA_TYPES


def unsupported_media_type() -> Response:
    body = graphql_error_body("POST requests must have Content-Type: application/json.", "UNSUPPORTED_MEDIA_TYPE")
    return Response(orjson.dumps(body), status_code=415, media_type="application/json")


def payload_too_large(max_bytes: int) -> Response:
    body = graphql_error_body(f"Request body larger than {max_bytes} bytes.", "PAYLOAD_TOO_LARGE")
    return Response(orjson.dumps(body), status_code=413, media_type="application/json")


class GraphQLPostGuard:
    """ASGI middleware for a GraphQL path: 415 unless POSTs are JSON, 413 above `max_body_bytes`."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, path: str = "/graphql") -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not is_json_content_type(headers.get("content-type")):
            await unsupported_media_type()(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            await payload_too_large(self.max_body_bytes)(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await payload_too_large(self.max_body_bytes)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the buffered body to the app once, then waits on the real channel."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
