"""The HTTP shell every subgraph shares: Strawberry on Starlette with JWT, health, metrics, CORS, error masking."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Sequence

import orjson
import strawberry.federation
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import MaskErrors
from strawberry.types.unset import UNSET

from axiom.auth import AuthenticationError, Principal, TokenVerifier
from axiom.errors import (BAD_USER_INPUT, FORBIDDEN, NOT_FOUND, RATE_LIMITED, UNAUTHENTICATED, ApiError,
                          graphql_error_body)
from axiom.graphql_policy import GraphQLPolicy
from axiom.health import Readiness, live_endpoint, ready_endpoint
from axiom.http_guard import GraphQLPostGuard
from axiom.metrics import RequestMetricsMiddleware, metrics_endpoint

log = logging.getLogger(__name__)


@dataclass
class RequestContext:
    """What resolvers see as `info.context`. Subgraphs extend it with their stores and loaders."""

    principal: Principal | None
    request: Request | WebSocket | None = None
    connection_params: dict | None = None
    policy: GraphQLPolicy | None = None  # limits and production switches (set by the service shell)

    @property
    def tenant_id(self) -> str:
        if self.principal is None:  # the auth gate makes this unreachable over HTTP; kept for direct calls
            raise ApiError("authentication required", code=UNAUTHENTICATED)
        return self.principal.tenant_id


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; validation errors and our own ApiErrors pass through."""
    original = error.original_error
    if original is None or isinstance(original, (ApiError, GraphQLError)):
        return False
    log.error("unexpected error in resolver at %s", error.path, exc_info=original)
    return True


# Refusals of what the client sent: logged without a trace, below WARNING (standard: not ERROR tracebacks).
CLIENT_MISTAKES = frozenset({NOT_FOUND, BAD_USER_INPUT, RATE_LIMITED, UNAUTHENTICATED, FORBIDDEN})


def log_handled_error(error: GraphQLError) -> None:
    """One line for an error the service answered with a code: INFO for the client's mistakes (an invalid document,
    an unknown id), WARNING for other coded conditions (a timeout, an unavailable model). Unexpected exceptions
    are not handled here: `should_mask` logs them at ERROR with their trace."""
    original = error.original_error
    if original is not None and not isinstance(original, (ApiError, GraphQLError)):
        return
    code = getattr(original, "code", None) or (error.extensions or {}).get("code")
    level = logging.INFO if code is None or code in CLIENT_MISTAKES else logging.WARNING
    log.log(level, "%s at %s: %s", code or "GRAPHQL_VALIDATION_FAILED", error.path, error.message)


class AxiomSchema(strawberry.federation.Schema):
    """A federation schema that logs errors by what they are (Strawberry's default logs every error, the client's
    mistakes included, at ERROR with a traceback)."""

    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        for error in errors:
            log_handled_error(error)


def api_error_extensions() -> MaskErrors:
    return MaskErrors(should_mask_error=should_mask, error_message="Internal server error")


ContextFactory = Callable[[Principal | None, Request | WebSocket], Awaitable[RequestContext]]


class AxiomGraphQL(GraphQL):
    """Strawberry's ASGI view, with our context and token checks for WebSocket subscriptions."""

    def __init__(self, schema, *, context_factory: ContextFactory, verifier: TokenVerifier,
                 policy: GraphQLPolicy | None = None, **kwargs):
        super().__init__(schema, **kwargs)
        self._context_factory = context_factory
        self._verifier = verifier
        self._policy = policy

    async def get_context(self, request, response) -> RequestContext:
        principal = request.scope.get("state", {}).get("principal") if isinstance(request, Request) else None
        context = await self._context_factory(principal, request)
        context.policy = self._policy
        return context

    async def on_ws_connect(self, context: RequestContext):
        # graphql-transport-ws: the token travels in the connection_init payload.
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            context.principal = self._verifier.verify_header(header)
        except AuthenticationError as exc:
            raise ConnectionRejectionError({"message": str(exc), "code": UNAUTHENTICATED}) from exc
        return UNSET

    async def process_result(self, request, result):
        body = await super().process_result(request, result)
        for error in body.get("errors") or []:
            error.setdefault("extensions", {}).setdefault("code", "INTERNAL_SERVER_ERROR")
        return body


class BearerTokenGate:
    """Rejects GraphQL HTTP requests without a valid token before any resolver runs.

    A browser GET of /graphql (GraphiQL's page) passes: it carries no query and executes nothing.
    """

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, path: str = "/graphql"):
        self.app = app
        self.verifier = verifier
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if scope["method"] == "GET" and b"query=" not in scope.get("query_string", b""):
            await self.app(scope, receive, send)
            return
        try:
            principal = self.verifier.verify_header(headers.get("authorization"))
        except AuthenticationError as exc:
            body = orjson.dumps(graphql_error_body(str(exc), UNAUTHENTICATED))
            await Response(body, status_code=401, media_type="application/json",
                           headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def create_service_app(
    *,
    service: str,
    schema,
    verifier: TokenVerifier,
    context_factory: ContextFactory,
    readiness: Readiness,
    cors_origins: Sequence[str] = (),
    lifespan=None,
    extra_routes: Sequence[Route] = (),
    policy: GraphQLPolicy | None = None,
    max_body_bytes: int = 1 << 20,
) -> Starlette:
    """A subgraph's ASGI app: `/graphql` (HTTP + WebSocket), `/health/live`, `/health/ready`, `/metrics`.

    `policy` (limits, introspection, suggestions, GraphiQL) applies through the schema's `PolicyExtension`;
    POSTs must be JSON of at most `max_body_bytes`."""
    graphiql = policy is None or policy.graphiql
    graphql_app = AxiomGraphQL(schema, context_factory=context_factory, verifier=verifier, policy=policy,
                               graphql_ide="graphiql" if graphiql else None,
                               keep_alive=True, keep_alive_interval=15)
    routes = [
        Route("/health/live", live_endpoint),
        Route("/health/ready", ready_endpoint(readiness)),
        Route("/metrics", metrics_endpoint),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        *extra_routes,
    ]
    middleware = [
        Middleware(RequestMetricsMiddleware, service=service),
        Middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST", "OPTIONS"],
                   allow_headers=["Authorization", "Content-Type", "Idempotency-Key"], allow_credentials=True),
        Middleware(GraphQLPostGuard, max_body_bytes=max_body_bytes),
        Middleware(BearerTokenGate, verifier=verifier),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
