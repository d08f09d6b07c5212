"""The ASGI application: `/graphql` over HTTP (GET, POST, SSE) and WebSocket.

GraphQL over HTTP: POST JSON (or a batch: a JSON array, of at most `max_batch_size`), GET for queries
(mutations → 405 with `Allow: POST`), `application/graphql-response+json` (4xx for requests that cannot run)
or `application/json` (also without `Accept` or with `*/*`; 200 for GraphQL request errors, the spec's legacy
rule), 413 above the body limit; automatic persisted queries; `text/event-stream` for subscriptions over SSE
(distinct connections, or single connection with PUT/GET/POST/DELETE); `graphql-transport-ws` for
subscriptions over WebSocket.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive
from starlette.websockets import WebSocket

from axiom.http_guard import is_json_content_type
from axiom.operation_limits import OperationLimits
from gateway.engine import Gateway, GraphQLRequest, GraphQLResponse, RateLimit
from gateway.executor.fanout import ResponseStream, same_headers_scope
from gateway.http.graphql_ws import GraphQLWebSocketSession, upstream_init_payload
from gateway.http.persisted_queries import (
    MemoryQueryStore,
    PersistedQueryError,
    QueryStore,
    RedisQueryStore,
    resolve_persisted,
)
from gateway.http.plain_requests import ClientLeft, GatewayApp
from gateway.http.request_parsing import BadRequest, from_json_body, from_query_params
from gateway.http.sse import HEARTBEAT_SECONDS, error_event_stream, sse_response, wants_event_stream
from gateway.http.sse_single_connection import TOKEN_HEADER, SingleConnectionStreams, is_single_connection_request
from gateway.transport import HttpTransport
from gateway.transport.base import Transport

logger = logging.getLogger("axiom.gateway")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
DEBUG_PLAN_HEADER = "x-axiom-debug-plan"
FORWARDED_HEADERS = ("authorization",)
MAX_BODY_BYTES = 1 << 20
MAX_BATCH_SIZE = 20

_AUTHENTICATION_REQUIRED = "Authentication required."


class AuthenticationRejected(Exception):
    """Raised by an `authenticate` callable to reject a request; its message is shown to the client
    (e.g. "token expired"), so it must not carry secrets."""


# Called with the request headers; returns the principal, or None to reject the request.
Authenticate = Callable[[Mapping[str, str]], Any]


class RequestTag(Protocol):
    """A header with a fresh value per client operation, sent with every subgraph call made for it (so that a
    subgraph can tell calls of one operation apart from separate operations). `new` sees the forwarded headers
    of the operation (a signature may cover its Authorization)."""

    header: str

    def new(self, headers: Mapping[str, str]) -> str: ...


def create_gateway_app(
    supergraph_sdl: str,
    *,
    authenticate: Authenticate | None = None,
    subgraph_timeout: float = 10.0,
    subgraph_timeouts: Mapping[str, float] | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    transport: Transport | None = None,
    path: str = "/graphql",
    cache_size: int = 1000,
    override_labels: Sequence[str] = (),
    override_draw: Callable[[str], float] | None = None,
    forward_headers: Sequence[str] = FORWARDED_HEADERS,
    batching: bool = True,
    max_batch_size: int = MAX_BATCH_SIZE,
    max_body_bytes: int = MAX_BODY_BYTES,
    persisted_queries: QueryStore | None = None,
    persisted_queries_redis_url: str | None = None,
    ws_keepalive: float | None = 12.0,
    sse_heartbeat: float = HEARTBEAT_SECONDS,
    request_tag: RequestTag | None = None,
    limits: OperationLimits | None = OperationLimits(),
    report_cost: bool = False,
    hide_suggestions: bool = False,
    introspection: bool = True,
    debug_plan: bool = True,
    mask_errors: bool = False,
    rate_limit: RateLimit | None = None,
    rate_limit_client: Callable[[Any], str | None] | None = None,
    multiplex_subscriptions: bool = True,
    subscription_scope: Callable[[Mapping[str, str]], Hashable | None] | None = None,
) -> Starlette:
    """Build the gateway app; `app.state.gateway` is the engine (and the principal of a
    request is `request.state.principal`).

    `forward_headers`: client headers sent on to subgraphs (lower-case allowlist; they
    also key in-flight deduplication). `persisted_queries`: an APQ store; by default
    Redis when `persisted_queries_redis_url` is given, else an in-process LRU. `request_tag`: a header
    tagging each HTTP operation's subgraph calls; it never keys in-flight deduplication (a shared call then
    carries the first operation's tag). `sse_heartbeat`: seconds of silence after which an SSE stream
    gets a comment line.

    `limits`: operation limits checked before validation and planning
    (None: none). `report_cost`: responses carry `extensions.cost`. `hide_suggestions`: validation errors
    without "Did you mean …?". `introspection` off: `__schema`/`__type` refused. `debug_plan` off: the
    `X-Axiom-Debug-Plan` header is ignored. `mask_errors`: fault messages replaced, codes kept.
    `rate_limit`: called with (client, cost) for every client operation, the client being
    `rate_limit_client(principal)` (e.g. its tenant); refusals are 429 RATE_LIMITED with `Retry-After`.

    `multiplex_subscriptions`: identical subscriptions (document, variables, scope)
    share one upstream subscription; `subscription_scope(forwarded headers)` says whose subscriptions may
    share (None: not this one), by default those with identical forwarded headers (the tag aside)."""
    ignored = (request_tag.header,) if request_tag is not None else ()
    if multiplex_subscriptions and subscription_scope is None:
        subscription_scope = partial(same_headers_scope, ignored=ignored)
    gateway = Gateway(
        supergraph_sdl,
        transport or HttpTransport(subgraph_timeout, subgraph_timeouts, dedup_ignored_headers=ignored),
        cache_size=cache_size,
        override_labels=override_labels,
        override_draw=override_draw,
        limits=limits,
        report_cost=report_cost,
        hide_suggestions=hide_suggestions,
        introspection=introspection,
        mask_errors=mask_errors,
        rate_limit=rate_limit,
        subscription_scope=subscription_scope if multiplex_subscriptions else None,
    )
    persisted_queries = persisted_queries or _default_store(persisted_queries_redis_url)
    allowed = tuple(h.lower() for h in forward_headers)
    endpoint = GraphQLEndpoint(
        gateway,
        authenticate,
        allowed,
        persisted_queries,
        batching=batching,
        max_batch_size=max_batch_size,
        max_body_bytes=max_body_bytes,
        request_tag=request_tag,
        sse_heartbeat=sse_heartbeat,
        debug_plan=debug_plan,
        client_of=rate_limit_client,
    )

    async def websocket_endpoint(websocket: WebSocket) -> None:
        """One graphql-transport-ws connection."""
        session = GraphQLWebSocketSession(
            websocket,
            gateway,
            endpoint.check_authentication if authenticate else None,
            lambda headers: forwarded(headers, allowed),
            endpoint.resolve,
            keepalive=ws_keepalive,
            client_of=rate_limit_client,
            tag=endpoint.tagged,
        )
        await session.run()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await gateway.close()
        if isinstance(persisted_queries, RedisQueryStore):
            await persisted_queries.close()
        close_rate_limit = getattr(rate_limit, "close", None)
        if close_rate_limit is not None:
            await close_rate_limit()

    routes = [
        Route(path, endpoint.handle, methods=["GET", "POST", "PUT", "DELETE"]),
        WebSocketRoute(path, websocket_endpoint),
        *extra_routes,
    ]
    app = GatewayApp(endpoint, path, routes=routes, lifespan=lifespan)
    app.state.gateway = gateway
    return app


class GraphQLEndpoint:
    """GET/POST `/graphql`: JSON responses, batches, or an SSE stream; PUT/DELETE and requests carrying a
    stream token: SSE's single connection mode."""

    def __init__(
        self,
        gateway: Gateway,
        authenticate: Authenticate | None,
        forward_headers: tuple[str, ...],
        persisted: QueryStore,
        *,
        batching: bool,
        max_batch_size: int = MAX_BATCH_SIZE,
        max_body_bytes: int = MAX_BODY_BYTES,
        request_tag: RequestTag | None = None,
        sse_heartbeat: float = HEARTBEAT_SECONDS,
        debug_plan: bool = True,
        client_of: Callable[[Any], str | None] | None = None,
    ) -> None:
        self.gateway = gateway
        self.debug_plan = debug_plan
        self.client_of = client_of
        self.request_tag = request_tag
        self.authenticate = authenticate
        self.forward_headers = forward_headers
        self.persisted = persisted
        self.batching = batching
        self.max_batch_size = max_batch_size
        self.max_body_bytes = max_body_bytes
        self.sse_heartbeat = sse_heartbeat
        self.single_connection = SingleConnectionStreams(sse_heartbeat)

    async def handle(self, request: Request) -> Response:
        """The Starlette endpoint: every request `answer` does not take (streams, single connection, PUT/DELETE)."""
        headers = request.headers
        if not self.streams(request.method, headers, request.query_params):
            reply = await self.answer(request.method, headers, request.query_params, partial(self._body, request))
            return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=reply.headers)
        media_type = _negotiate(headers.get("accept", ""))
        refused, principal = await self._refusal(request.method, headers, media_type)
        if refused is not None:
            stream = wants_event_stream(headers.get("accept", "")) and not is_single_connection_request(request)
            if refused.status == 401 and stream:  # an SSE client reads the refusal as an event
                return error_event_stream(orjson.loads(refused.body))
            return Response(refused.body, status_code=refused.status, media_type=media_type)
        client = self.client_of(principal) if self.client_of and principal is not None else None
        forwarded_headers = forwarded(headers, self.forward_headers)
        try:
            if is_single_connection_request(request):
                return await self.single_connection.handle(
                    request,
                    lambda: self._body(request),
                    lambda operation, op_headers: self._start_stream(operation, op_headers, client),
                    forwarded_headers,
                    media_type,
                )
            parsed = await self._parse(request.method, request.query_params, partial(self._body, request))
        except BadRequest as error:
            return _error(400, error.code, str(error), media_type)
        except _TooLarge:
            return _error(413, "PAYLOAD_TOO_LARGE", "Request body too large.", media_type)
        if isinstance(parsed, list):  # a batch is answered in JSON whatever the Accept header asks for
            debug = self.debug_plan and headers.get(DEBUG_PLAN_HEADER, "") in ("1", "true")
            results = [await self._one(r, forwarded_headers, True, debug, client) for r in parsed]
            return Response(orjson.dumps([r.body for r in results]), media_type=media_type)
        return await self._stream(parsed, forwarded_headers, media_type, request.method == "POST", client)

    async def answer(
        self,
        method: str,
        headers: Mapping[str, str],
        params: Mapping[str, str],
        read_body: Callable[[], Awaitable[bytes]],
    ) -> Reply:
        """A GET or POST that is answered in one JSON body (not a stream): its status, body and headers."""
        media_type = _negotiate(headers.get("accept", ""))
        refused, principal = await self._refusal(method, headers, media_type)
        if refused is not None:
            return refused
        try:
            parsed = await self._parse(method, params, read_body)
        except BadRequest as error:
            return _reply(400, _error_body(error.code, str(error)), media_type)
        except _TooLarge:
            return _reply(413, _error_body("PAYLOAD_TOO_LARGE", "Request body too large."), media_type)
        client = self.client_of(principal) if self.client_of and principal is not None else None
        forwarded_headers = forwarded(headers, self.forward_headers)
        debug = self.debug_plan and headers.get(DEBUG_PLAN_HEADER, "") in ("1", "true")
        if isinstance(parsed, list):
            # In order, one after another: a batch may mix mutations and queries.
            results = [await self._one(r, forwarded_headers, True, debug, client) for r in parsed]
            return _reply(200, [r.body for r in results], media_type)
        result = await self._one(parsed, forwarded_headers, method == "POST", debug, client)
        extra = dict(result.headers or {})
        if result.status == 405:
            extra["allow"] = "POST"
        return _reply(_http_status(result.status, media_type), result.body, media_type, extra)

    async def _refusal(self, method: str, headers: Mapping[str, str], media_type: str) -> tuple[Reply | None, Any]:
        """(the reply refusing the request, None) when its content type or credentials are refused, else
        (None, the authenticated principal or None without authentication)."""
        if method == "POST" and not is_json_content_type(headers.get("content-type")):
            # GraphQL over HTTP; also a CSRF guard: browsers send text/plain cross-site without a preflight.
            message = "POST requests must have Content-Type: application/json."
            return _reply(415, _error_body("UNSUPPORTED_MEDIA_TYPE", message), media_type), None
        if self.authenticate is None:
            return None, None
        principal, reason = await self.check_authentication(headers)
        if principal is None:
            return _reply(401, _error_body("UNAUTHENTICATED", reason), media_type), None
        return None, principal

    async def _parse(
        self, method: str, params: Mapping[str, str], read_body: Callable[[], Awaitable[bytes]]
    ) -> GraphQLRequest | list[GraphQLRequest]:
        if method == "GET":
            return from_query_params(params)
        return from_json_body(await read_body(), batching=self.batching, max_batch_size=self.max_batch_size)

    def tagged(self, headers: dict[str, Any]) -> dict[str, Any]:
        """`headers` plus a fresh request tag (one per client operation)."""
        if self.request_tag is None:
            return headers
        return {**headers, self.request_tag.header: self.request_tag.new(headers)}

    async def _one(
        self,
        request: GraphQLRequest,
        headers: dict[str, Any],
        allow_mutations: bool,
        debug: bool,
        client: str | None = None,
    ) -> GraphQLResponse:
        headers = self.tagged(headers)
        try:
            request = await resolve_persisted(self.persisted, request)
        except PersistedQueryError as error:
            return GraphQLResponse(error.status, error.body)
        return await self.gateway.execute(
            request, headers, allow_mutations=allow_mutations, debug_plan=debug, client=client
        )

    async def _stream(
        self,
        request: GraphQLRequest,
        headers: dict[str, Any],
        media_type: str,
        allow_mutations: bool,
        client: str | None = None,
    ) -> Response:
        try:
            request = await resolve_persisted(self.persisted, request)
        except PersistedQueryError as error:
            return _error(error.status or 400, *_first_code(error.body), media_type)
        result = await self.gateway.stream(
            request,
            self.tagged(headers),
            upstream_init_payload(headers),
            allow_mutations=allow_mutations,
            client=client,
        )
        return sse_response(result, media_type, self.sse_heartbeat)

    async def _start_stream(
        self, request: GraphQLRequest, headers: Mapping[str, str], client: str | None = None
    ) -> GraphQLResponse | ResponseStream:
        """An operation of a single-connection SSE stream: its results, or the response refusing it."""
        try:
            request = await resolve_persisted(self.persisted, request)
        except PersistedQueryError as error:
            return GraphQLResponse(error.status or 400, error.body)
        return await self.gateway.stream(
            request, self.tagged(dict(headers)), upstream_init_payload(headers), client=client
        )

    async def resolve(self, request: GraphQLRequest) -> GraphQLRequest:
        """The request with a persisted query's text (for WebSocket subscribes)."""
        return await resolve_persisted(self.persisted, request)

    async def _body(self, request: Request) -> bytes:
        # Through Starlette's stream, which replays a body something before us (a middleware) already read.
        _refuse_declared_size(request.headers, self.max_body_bytes)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise _TooLarge()
        return bytes(body)

    async def read_body(self, headers: Mapping[str, str], receive: Receive) -> bytes:
        """The body of a request with these headers, refused above `max_body_bytes` (as soon as that is known);
        `ClientLeft` when the client disconnects first."""
        return await read_bounded(headers, receive, self.max_body_bytes)

    @staticmethod
    def streams(method: str, headers: Mapping[str, str], params: Mapping[str, str]) -> bool:
        """Whether a request asks for an event stream or belongs to SSE's single connection mode (or is neither GET
        nor POST): those are not answered in one body."""
        return (
            method not in ("GET", "POST")
            or wants_event_stream(headers.get("accept", ""))
            or bool(headers.get(TOKEN_HEADER) or params.get("token"))
        )

    async def check_authentication(self, headers: Mapping[str, str]) -> tuple[Any, str]:
        """(principal, "") or (None, a reason safe to show the client)."""
        if self.authenticate is None:  # only registered with an `authenticate` callable
            return None, _AUTHENTICATION_REQUIRED
        try:
            principal = self.authenticate(headers)
            if inspect.isawaitable(principal):
                principal = await principal
        except AuthenticationRejected as rejection:
            return None, str(rejection) or _AUTHENTICATION_REQUIRED
        except Exception:
            logger.info("authentication rejected", exc_info=True)
            return None, _AUTHENTICATION_REQUIRED
        return principal, "" if principal is not None else _AUTHENTICATION_REQUIRED


def _default_store(redis_url: str | None) -> QueryStore:
    return RedisQueryStore(redis_url) if redis_url else MemoryQueryStore()


class _TooLarge(Exception):
    """The request body exceeds the configured limit."""


def _refuse_declared_size(headers: Mapping[str, str], limit: int) -> None:
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _TooLarge()


async def read_bounded(headers: Mapping[str, str], receive: Receive, limit: int) -> bytes:
    """The whole body from ASGI messages, refused (`_TooLarge`) as soon as it is known to exceed `limit`: from
    its declared length before reading, else while reading."""
    _refuse_declared_size(headers, limit)
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientLeft()
        chunk: bytes = message.get("body", b"")
        body += chunk  # most bodies come in one message: no copy then
        if len(body) > limit:
            raise _TooLarge()
        if not message.get("more_body", False):
            return body


@dataclass(frozen=True)
class Reply:
    """A complete (non-streamed) HTTP answer."""

    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] | None = None


def _reply(status: int, body: Any, media_type: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, orjson.dumps(body), media_type, headers or None)


def forwarded(headers: Mapping[str, str], allowed: tuple[str, ...]) -> dict[str, str]:
    """The allowlisted client headers, sent on to subgraphs."""
    return {h: headers[h] for h in allowed if h in headers}


def _first_code(body: dict[str, Any]) -> tuple[str, str]:
    error = body["errors"][0]
    return error["extensions"]["code"], error["message"]


def _negotiate(accept: str) -> str:
    # No Accept, `*/*` and `application/json` alike get application/json, as the spec asks of servers that
    # still serve legacy clients; clients that know the modern type ask for it.
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON


def _http_status(status: int, media_type: str) -> int:
    """With application/json a well-formed request that GraphQL refuses (parse, validation, variables) is a 200
    with errors, so legacy clients read the errors instead of failing on the status."""
    return 200 if status == 400 and media_type == JSON else status


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _error(status: int, code: str, message: str, media_type: str) -> Response:
    return Response(orjson.dumps(_error_body(code, message)), status_code=status, media_type=media_type)
