"""The Weaver ASGI app: `create_app(settings)`; run with `uvicorn --factory subgraphs.weaver.app:app_from_env`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from typing import TypeVar

from starlette.applications import Starlette

from axiom import database, graph
from axiom.auth import JwtSettings, Principal, TokenVerifier
from axiom.deadlines import weaver_deadline
from axiom.graphql_policy import GraphQLPolicy
from axiom.health import Degraded, Dependency, Readiness
from axiom.redis_ping import ping_redis
from axiom.runtime_holder import RuntimeHolder
from axiom.service import ServiceSettings, create_service_app
from axiom.settings import Settings
from subgraphs.weaver.context import WeaverContext
from subgraphs.weaver.loaders import Loaders
from subgraphs.weaver.runtime import WeaverRuntime
from subgraphs.weaver.schema import schema

SERVICE = "weaver"


_T = TypeVar("_T")


def _configured(client: _T | None, setting: str) -> _T:
    """A client the runtime opens only when `setting` is set (its probe is registered only then)."""
    if client is None:
        raise RuntimeError(f"{setting} is not set")
    return client


def _readiness(settings: Settings, holder: RuntimeHolder[WeaverRuntime]) -> Readiness:
    async def postgres() -> None:
        await database.ping(holder.get().engine)

    async def graph_probe() -> None:
        await graph.ping(holder.get().driver, settings.neo4j_database)

    async def redis() -> None:
        await ping_redis(_configured(holder.get().redis, "REDIS_URL"))

    async def in_process() -> None:
        return None

    async def guard_over_redis() -> Degraded | None:
        try:
            # Bounded below the readiness timeout, so a hung Redis reads as the fallback, not as a dead guard.
            await asyncio.wait_for(ping_redis(_configured(holder.get().redis, "REDIS_URL")), 1.0)
        except Exception:  # the guard keeps working on its in-process fallback meanwhile
            return Degraded("in-process fallback: Redis is down")
        return None

    async def mindsdb() -> None:
        await _configured(holder.get().mindsdb, "MINDSDB_URL").status()

    guard = (
        Dependency("requestGuard", guard_over_redis, note="redis")
        if settings.redis_url
        else Dependency("requestGuard", in_process, note="in-process fallback: REDIS_URL is not set")
    )
    return Readiness(
        [
            Dependency("postgres", postgres if settings.database_url else None),
            Dependency("graph", graph_probe if settings.neo4j_uri else None),
            # Without Redis, the request guard (rate limit, idempotency) works per process (see requestGuard).
            Dependency("redis", redis if settings.redis_url else None, required=False),
            # Only datasources served through MindsDB need it.
            Dependency("mindsdb", mindsdb if settings.mindsdb_url else None, required=False),
            guard,
        ]
    )


def create_app(settings: Settings, *, rate_limit_per_minute: int | None = None) -> Starlette:
    """Weaver's Starlette app; the lifespan opens Postgres, the graph driver and (when configured) Redis.

    `rate_limit_per_minute`: requests per tenant per minute, by default WEAVER_RATE_LIMIT_PER_MINUTE (600).
    """
    holder = RuntimeHolder[WeaverRuntime]("Weaver")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        holder.runtime = WeaverRuntime.open(settings, rate_limit_per_minute=rate_limit_per_minute)
        settle_heap()
        try:
            yield
        finally:
            runtime, holder.runtime = holder.runtime, None
            await runtime.close()

    async def context_factory(principal: Principal | None, request) -> WeaverContext:
        runtime = holder.get()
        loaders = Loaders(runtime, principal.tenant_id) if principal is not None else None
        return WeaverContext(principal=principal, request=request, runtime=runtime, loaders=loaders)

    return create_service_app(
        settings=ServiceSettings.of(settings),
        service=SERVICE,
        schema=schema,
        verifier=TokenVerifier(JwtSettings.of(settings)),
        context_factory=context_factory,
        readiness=_readiness(settings, holder),
        lifespan=lifespan,
        policy=GraphQLPolicy.for_subgraph(settings),
        deadline=weaver_deadline(settings),
    )


def settle_heap() -> None:
    """Keep what lives as long as the process (modules, the schema, the runtime) out of garbage collection.

    A deep catalog page allocates tens of thousands of objects, so full collections run during it, and each
    one traversed every long-lived object too: about a quarter of such a page's CPU (bench/weaver_loaders.py).
    The youngest generation is collected every 10,000 allocations instead of 700: a page's objects mostly die
    with its request, and the dozen collections a page triggered (each examining what the page had built so far)
    cost ~4% of its CPU.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


def app_from_env() -> Starlette:
    """Factory for uvicorn: settings from the environment."""
    return create_app(Settings.from_env())
