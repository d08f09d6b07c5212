"""The toy subgraph's ASGI app, on the shared service shell like Weaver and Vision (JWT, health, limits)."""

from __future__ import annotations

from starlette.applications import Starlette

from axiom.auth import JwtSettings, Principal, TokenVerifier
from axiom.graphql_policy import GraphQLPolicy
from axiom.health import Readiness
from axiom.service import RequestContext, ServiceSettings, create_service_app
from axiom.settings import Settings
from toy_subgraph.schema import schema


def create_app(settings: Settings) -> Starlette:
    async def context_factory(principal: Principal | None, request) -> RequestContext:
        return RequestContext(principal=principal, request=request)

    return create_service_app(
        settings=ServiceSettings.of(settings),
        service="toy",
        schema=schema,
        verifier=TokenVerifier(JwtSettings.of(settings)),
        context_factory=context_factory,
        readiness=Readiness([]),
        policy=GraphQLPolicy.for_subgraph(settings),
    )
