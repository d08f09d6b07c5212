"""The Vision subgraph's ASGI app: `uvicorn subgraphs.vision.app:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from axiom.auth import JwtSettings, Principal, TokenVerifier
from axiom.graphql_policy import GraphQLPolicy
from axiom.health import Dependency, Readiness
from axiom.runtime_holder import RuntimeHolder
from axiom.service import ServiceSettings, create_service_app
from axiom.settings import Settings
from subgraphs.vision.context import VisionContext
from subgraphs.vision.runtime import VisionRuntime
from subgraphs.vision.schema import schema

SERVICE = "vision"


def _readiness(settings: Settings, holder: RuntimeHolder[VisionRuntime]) -> Readiness:
    async def postgres() -> None:
        await holder.get().ping_postgres()

    async def redis() -> None:
        await holder.get().ping_redis()

    return Readiness(
        [
            Dependency("postgres", postgres if settings.database_url else None),
            # Without Redis, pivots are computed uncached and refresh-run events reach only this process's subscribers.
            Dependency(
                "redis",
                redis if settings.redis_url else None,
                required=False,
                note="pivot cache, refresh-run events across processes",
            ),
        ]
    )


def create_app(settings: Settings | None = None) -> Starlette:
    """Vision on the shared service shell; the lifespan builds the runtime (PostgreSQL, and Redis when configured)."""
    settings = settings or Settings.from_env()
    holder = RuntimeHolder[VisionRuntime]("Vision")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        holder.runtime = app.state.runtime = VisionRuntime.open(settings)
        try:
            yield
        finally:
            runtime, holder.runtime = holder.runtime, None
            await runtime.close()

    async def context_factory(principal: Principal | None, request) -> VisionContext:
        return VisionContext(principal=principal, request=request, runtime=holder.get())

    return create_service_app(
        settings=ServiceSettings.of(settings),
        service=SERVICE,
        schema=schema,
        verifier=TokenVerifier(JwtSettings.of(settings)),
        context_factory=context_factory,
        readiness=_readiness(settings, holder),
        lifespan=lifespan,
        policy=GraphQLPolicy.for_subgraph(settings),
    )
