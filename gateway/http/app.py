"""The ASGI application: `POST /graphql` and `GET /graphql` in front of the engine."""

from __future__ import annotations

import inspect
import logging
from contextlib import asynccontextmanager
from typing import Any, Callable, Mapping, Sequence

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.engine import Gateway, GraphQLResponse
from gateway.http.request_parsing import BadRequest, from_json_body, from_query_params
from gateway.transport import AiohttpTransport
from gateway.transport.base import Transport

logger = logging.getLogger("axiom.gateway")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
DEBUG_PLAN_HEADER = "x-axiom-debug-plan"
FORWARDED_HEADERS = ("authorization",)

# Called with the request headers; returns the principal, or None to reject the request.
Authenticate = Callable[[Mapping[str, str]], Any]


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
) -> Starlette:
    """Build the gateway app; `app.state.gateway` is the engine (and the principal of a
    request is `request.state.principal`)."""
    gateway = Gateway(
        supergraph_sdl,
        transport or AiohttpTransport(subgraph_timeout, subgraph_timeouts),
        cache_size=cache_size,
    )

    async def graphql_endpoint(request: Request) -> Response:
        media_type = _negotiate(request.headers.get("accept", ""))
        if authenticate is not None:
            principal = await _authenticate(authenticate, request.headers)
            if principal is None:
                return _error(401, "UNAUTHENTICATED", "Authentication required.", media_type)
            request.state.principal = principal
        try:
            if request.method == "GET":
                graphql_request = from_query_params(request.query_params)
            else:
                graphql_request = from_json_body(await request.body())
        except BadRequest as error:
            return _error(400, "BAD_REQUEST", str(error), media_type)
        forwarded = {h: request.headers[h] for h in FORWARDED_HEADERS if h in request.headers}
        result = await gateway.execute(
            graphql_request,
            forwarded,
            allow_mutations=request.method == "POST",
            debug_plan=request.headers.get(DEBUG_PLAN_HEADER, "") in ("1", "true"),
        )
        return _respond(result, media_type)

    @asynccontextmanager
    async def lifespan(app):
        yield
        await gateway.close()

    routes = [Route(path, graphql_endpoint, methods=["GET", "POST"]), *extra_routes]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.gateway = gateway
    return app


async def _authenticate(authenticate: Authenticate, headers) -> Any:
    try:
        principal = authenticate(headers)
        if inspect.isawaitable(principal):
            principal = await principal
    except Exception:  # any failure to authenticate is a rejection, never a 500
        logger.info("authentication rejected", exc_info=True)
        return None
    return principal


def _negotiate(accept: str) -> str:
    if GRAPHQL_RESPONSE in accept or not accept:
        return GRAPHQL_RESPONSE
    return JSON


def _respond(result: GraphQLResponse, media_type: str) -> Response:
    return Response(orjson.dumps(result.body), status_code=result.status, media_type=media_type)


def _error(status: int, code: str, message: str, media_type: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type=media_type)
