"""The HTTP shell every subgraph shares: Strawberry on Starlette with JWT, health, metrics, CORS, error masking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import MaskErrors
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from axiom.auth import AuthenticationError, Principal, TokenVerifier
from axiom.error_reporting import tag_request
from axiom.errors import FORBIDDEN, UNAUTHENTICATED, ApiError, graphql_error_body
from axiom.gateway_request import GatewayRequestSigner
from axiom.graphql_policy import GraphQLPolicy
from axiom.health import Readiness, live_endpoint, ready_endpoint
from axiom.http_guard import GraphQLPostGuard
from axiom.metrics import RequestMetricsMiddleware, metrics_endpoint
from axiom.request_deadline import RequestDeadline
from axiom.settings import Settings


@dataclass
class RequestContext:
    """What resolvers see as `info.context`. Subgraphs extend it with their stores and loaders."""

    principal: Principal | None
    request: Request | WebSocket | None = None
    connection_params: dict[str, Any] | None = None
    policy: GraphQLPolicy | None = None  # limits and production switches (set by the service shell)

    @property
    def caller(self) -> Principal:
        """The authenticated principal; UNAUTHENTICATED when there is none."""
        if self.principal is None:  # the auth gate makes this unreachable over HTTP; kept for direct calls
            raise ApiError("authentication required", code=UNAUTHENTICATED)
        return self.principal

    @property
    def tenant_id(self) -> str:
        return self.caller.tenant_id


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; validation errors and our own ApiErrors pass through.

    Logging is `axiom.graphql_schema`'s job: it sees every error once, before masking."""
    original = error.original_error
    return not (original is None or isinstance(original, (ApiError, GraphQLError)))


def api_error_extensions() -> MaskErrors:
    return MaskErrors(should_mask_error=should_mask, error_message="Internal server error")


ContextFactory = Callable[[Principal | None, Request | WebSocket], Awaitable[RequestContext]]


class AxiomGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view, with our context and token checks for WebSocket subscriptions."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        context_factory: ContextFactory,
        verifier: TokenVerifier,
        policy: GraphQLPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self._context_factory = context_factory
        self._verifier = verifier
        self._policy = policy

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        principal = request.scope.get("state", {}).get("principal") if isinstance(request, Request) else None
        context = await self._context_factory(principal, request)
        context.policy = self._policy
        return context

    async def on_ws_connect(self, context: RequestContext) -> UnsetType:
        # graphql-transport-ws: the token travels in the connection_init payload.
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            context.principal = self._verifier.verify_header(header)
        except AuthenticationError as exc:
            raise ConnectionRejectionError({"message": str(exc), "code": UNAUTHENTICATED}) from exc
        tag_request(tenant=context.principal.tenant_id)
        accepted: UnsetType = UNSET  # accept the connection, with no payload in connection_ack
        return accepted

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        body = await super().process_result(request, result)
        for error in body.get("errors") or []:
            error.setdefault("extensions", {}).setdefault("code", "INTERNAL_SERVER_ERROR")  # type: ignore[attr-defined]  # typed `object`; a dict
        return body


class BearerTokenGate:
    """Rejects GraphQL HTTP requests without a valid token before any resolver runs.

    A browser GET of /graphql (GraphiQL's page) passes: it carries no query and executes nothing.
    """

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, path: str = "/graphql") -> None:
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
            await Response(
                body, status_code=401, media_type="application/json", headers={"WWW-Authenticate": "Bearer"}
            )(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        tag_request(tenant=principal.tenant_id)
        await self.app(scope, receive, send)


GATEWAY_REQUEST_ID = "gateway_request_id"  # scope state: the verified id of the gateway operation, if any
_OPEN_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})  # probes; /metrics has its own token


class GatewayOnlyGate:
    """Verifies the gateway's signed request header (see `axiom.gateway_request`) on every HTTP and WebSocket
    call; the id of a valid one goes to `scope["state"]["gateway_request_id"]`.

    With `enforce` (SUBGRAPH_GATEWAY_ONLY, on in production) a call without a valid signature is refused with
    403 FORBIDDEN before anything else runs: no GraphiQL, introspection, `_service` or resolver is reachable
    except through the gateway. In development direct calls pass, for convenience.
    """

    def __init__(self, app: ASGIApp, signer: GatewayRequestSigner | None, enforce: bool) -> None:
        self.app = app
        self.signer = signer
        self.enforce = enforce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in _OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = None
        if self.signer is not None:
            request_id = self.signer.verify(headers.get(GatewayRequestSigner.header), headers.get("authorization"))
        if request_id is None and self.enforce:
            await self._refuse(scope, receive, send)
            return
        scope.setdefault("state", {})[GATEWAY_REQUEST_ID] = request_id
        tag_request(request_id=request_id)  # errors here and at the gateway share the operation's id
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4403, "reason": "gateway signature required"})
            return
        body = orjson.dumps(graphql_error_body("This service accepts calls only from the Axiom gateway.", FORBIDDEN))
        await Response(body, status_code=403, media_type="application/json")(scope, receive, send)


@dataclass(frozen=True)
class ServiceSettings:
    """What the service shell reads beyond its arguments: the part of `axiom.settings.Settings` it uses."""

    gateway_only: bool  # SUBGRAPH_GATEWAY_ONLY: refuse calls without the gateway's signature
    signing_secret: str | None  # checks the gateway's signatures (GATEWAY_SHARED_SECRET, else an HS* JWT secret)
    metrics_token: str | None  # guards `/metrics`
    cors_origins: tuple[str, ...]  # CORS_ORIGINS: browser origins allowed to call it directly
    max_body_bytes: int  # MAX_BODY_BYTES: the largest POST body accepted

    @classmethod
    def of(cls, settings: Settings) -> ServiceSettings:
        return cls(
            gateway_only=settings.gateway_only,
            signing_secret=settings.gateway_signing_secret,
            metrics_token=settings.metrics_token,
            cors_origins=tuple(settings.cors_origins),
            max_body_bytes=settings.max_body_bytes,
        )


def create_service_app(
    *,
    settings: ServiceSettings,
    service: str,
    schema: BaseSchema,
    verifier: TokenVerifier,
    context_factory: ContextFactory,
    readiness: Readiness,
    lifespan: Lifespan[Starlette] | None = None,
    extra_routes: Sequence[Route] = (),
    policy: GraphQLPolicy | None = None,
    deadline: float | None = None,
) -> Starlette:
    """A subgraph's ASGI app: `/graphql` (HTTP + WebSocket), `/health/live`, `/health/ready`, `/metrics`.

    `policy` (limits, introspection, suggestions, GraphiQL) applies through the schema's `PolicyExtension`;
    POSTs must be JSON of at most `settings.max_body_bytes`. A GraphQL request stops when its client disconnects; with
    `deadline` (seconds) it answers TIMEOUT by then."""
    # Reached only through the gateway (production), a subgraph serves no playground.
    graphiql = (policy is None or policy.graphiql) and not settings.gateway_only
    graphql_app = AxiomGraphQL(
        schema,
        context_factory=context_factory,
        verifier=verifier,
        policy=policy,
        graphql_ide="graphiql" if graphiql else None,
        keep_alive=True,
        keep_alive_interval=15,
    )
    routes = [
        Route("/health/live", live_endpoint),
        Route("/health/ready", ready_endpoint(readiness)),
        Route("/metrics", metrics_endpoint(settings.metrics_token)),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        *extra_routes,
    ]
    middleware = [
        Middleware(RequestMetricsMiddleware, service=service),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            allow_credentials=True,
        ),
        Middleware(GraphQLPostGuard, max_body_bytes=settings.max_body_bytes),
        Middleware(
            GatewayOnlyGate,
            signer=GatewayRequestSigner(settings.signing_secret) if settings.signing_secret else None,
            enforce=settings.gateway_only,
        ),
        Middleware(BearerTokenGate, verifier=verifier),
        Middleware(RequestDeadline, deadline=deadline),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
