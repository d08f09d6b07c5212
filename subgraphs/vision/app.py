"""The Vision subgraph's ASGI app: `uvicorn subgraphs.vision.app:create_app --factory`."""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette

from axiom.auth import Principal, TokenVerifier
from axiom.graphql_policy import GraphQLPolicy
from axiom.health import Dependency, Readiness
from axiom.service import create_service_app
from axiom.settings import Settings
from subgraphs.vision.context import VisionContext, VisionResources
from subgraphs.vision.schema import schema


def create_app(settings: Settings | None = None) -> Starlette:
    """Vision on the shared service shell; the lifespan opens PostgreSQL and Redis when configured."""
    settings = settings or Settings.from_env()
    resources = VisionResources(settings)
    readiness = Readiness(
        [
            Dependency("postgres", resources.ping_postgres if settings.database_url else None),
            # Without Redis, pivots are computed uncached and refresh-run events reach only this process's subscribers.
            Dependency(
                "redis",
                resources.ping_redis if settings.redis_url else None,
                required=False,
                note="pivot cache, refresh-run events across processes",
            ),
        ]
    )

    @asynccontextmanager
    async def lifespan(_app):
        await resources.open()
        try:
            yield
        finally:
            await resources.close()

    async def context_factory(principal: Principal | None, request) -> VisionContext:
        return VisionContext(principal=principal, request=request, resources=resources)

    app = create_service_app(
        settings=settings,
        service="vision",
        schema=schema,
        verifier=TokenVerifier(settings),
        context_factory=context_factory,
        readiness=readiness,
        cors_origins=settings.cors_origins,
        lifespan=lifespan,
        policy=GraphQLPolicy.for_subgraph(settings),
        max_body_bytes=settings.max_body_bytes,
    )
    app.state.resources = resources
    return app
