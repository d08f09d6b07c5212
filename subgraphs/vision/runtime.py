"""Process-wide resources of Vision (engine, Redis, clients, stores, services), built once at start-up.

The web process and the job workers build the same runtime (`VisionRuntime.open`) and close it when they stop;
resolvers reach it through `subgraphs.vision.context`. Only what a setting may leave out is optional: without
REDIS_URL there is no cache, no job queue and no cross-process events; without AIRFLOW_BASE_URL no DAG trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from axiom.database import DatabaseSettings, create_engine, ping
from axiom.errors import ApiError
from axiom.gateway_request import GatewayRequestSigner
from axiom.guard_state import FallbackGuardState, GuardState, MemoryGuardState, RedisGuardState
from axiom.rate_limit import OperationRateLimit, SlidingWindowLimit
from axiom.redis_ping import ping_redis
from axiom.settings import Settings
from subgraphs.vision.adapters.airflow import AirflowClient
from subgraphs.vision.adapters.pivot_asker import PivotAsker
from subgraphs.vision.adapters.weaver_catalog import WeaverCatalog
from subgraphs.vision.adapters.weaver_glossary import GlossaryClient
from subgraphs.vision.jobs.events import EventBus
from subgraphs.vision.jobs.queue import JobQueue
from subgraphs.vision.service.pivots import PivotService
from subgraphs.vision.service.refresh import CubeRefresher
from subgraphs.vision.service.refresh_events import RefreshEvents
from subgraphs.vision.settings import VisionSettings
from subgraphs.vision.store.cache import PivotCache
from subgraphs.vision.store.causal import CausalLinkStore
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.scenarios import ScenarioStore
from subgraphs.vision.store.terms import MemberTermStore
from subgraphs.vision.store.views import ViewStore

JOBS_UNAVAILABLE = "JOBS_UNAVAILABLE"

REDIS_TIMEOUT = 1.0  # seconds


class LazyPivotAsker:
    """The NL→pivot client, made on the first question: the `openai` SDK is slow to import, and most processes
    never ask. None of it exists without OPENAI_API_KEY."""

    def __init__(self, settings: VisionSettings):
        self._settings = settings
        self._asker: PivotAsker | None = None

    @property
    def configured(self) -> bool:
        return bool(self._settings.openai_api_key)

    def get(self) -> PivotAsker | None:
        if self._asker is None and self.configured:
            self._asker = PivotAsker(self._settings)
        return self._asker

    async def close(self) -> None:
        if self._asker is not None:
            await self._asker.close()
            self._asker = None


@dataclass(frozen=True)
class VisionRuntime:
    settings: VisionSettings
    engine: AsyncEngine
    redis: Redis | None  # REDIS_URL unset: pivots uncached, no job queue, events within this process
    subscriber: Redis | None  # the one pub/sub connection this process's subscriptions share
    jobs: JobQueue | None
    bus: EventBus
    events: RefreshEvents
    rate_limit: OperationRateLimit
    cache: PivotCache | None
    airflow: AirflowClient | None  # AIRFLOW_BASE_URL unset: full syncs run in the workers
    weaver_http: httpx.AsyncClient
    glossary: GlossaryClient
    weaver_catalog: WeaverCatalog
    gateway_requests: GatewayRequestSigner | None
    asker: LazyPivotAsker
    cubes: CubeStore
    terms: MemberTermStore
    scenarios: ScenarioStore
    views: ViewStore
    causal_links: CausalLinkStore
    pivots: PivotService

    @classmethod
    def open(cls, settings: Settings) -> VisionRuntime:
        """Create the clients (connections are made lazily, on first use). Needs DATABASE_URL. The runtime keeps
        Vision's own settings; the shared ones (database, Redis, gateway signatures) are used here only."""
        vision = VisionSettings.of(settings)
        engine = create_engine(DatabaseSettings.of(settings, subgraph="vision"))
        redis = subscriber = None
        if settings.redis_url:
            # Short timeouts: a hung Redis makes the rate limit and the pivot cache fall back instead of hanging
            # requests. Subscriptions wait for events for as long as they last: their client has no read timeout.
            redis = Redis.from_url(
                settings.redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
            # The one pub/sub connection all subscriptions of this process share (the event bus's), named so that
            # `CLIENT LIST` tells it apart.
            subscriber = Redis.from_url(
                settings.redis_url, socket_connect_timeout=REDIS_TIMEOUT, client_name="vision-events"
            )
        bus = EventBus(redis, subscriber)
        events = RefreshEvents(bus=bus)
        cache = PivotCache(redis, vision.redis_cache_ttl) if redis is not None else None
        signer = GatewayRequestSigner.from_settings(settings)
        weaver_http = httpx.AsyncClient(timeout=vision.query_timeout)
        return cls(
            settings=vision,
            engine=engine,
            redis=redis,
            subscriber=subscriber,
            jobs=JobQueue(redis) if redis is not None else None,
            bus=bus,
            events=events,
            rate_limit=_rate_limit(vision, redis),
            cache=cache,
            airflow=AirflowClient(vision.airflow_base_url) if vision.airflow_base_url else None,
            weaver_http=weaver_http,
            glossary=GlossaryClient(vision.weaver_url, vision.query_timeout, signer),
            weaver_catalog=WeaverCatalog(weaver_http, vision.weaver_url, signer),
            gateway_requests=signer,
            asker=LazyPivotAsker(vision),
            cubes=CubeStore(engine),
            terms=MemberTermStore(engine),
            scenarios=ScenarioStore(engine),
            views=ViewStore(engine, events.publish),
            causal_links=CausalLinkStore(engine),
            pivots=PivotService(vision, engine, cache),
        )

    def refresher(self) -> CubeRefresher:
        return CubeRefresher(self.engine, self.cache, self.airflow, self.events.publish)

    def require_jobs(self) -> JobQueue:
        """The job queue; without REDIS_URL there is none, and long work is refused with a clear error."""
        if self.jobs is None:
            raise ApiError("long work needs the job queue, and REDIS_URL is not set", code=JOBS_UNAVAILABLE)
        return self.jobs

    async def after_refresh(self, cube) -> None:
        """Work that follows a successful refresh of `cube` (run by the refresh job): causal links are
        rediscovered on the new data."""
        from subgraphs.vision.causal.job import queue_discovery
        from subgraphs.vision.causal.series import time_levels

        refreshed = await self.cubes.get(cube.tenant_id, cube.id)
        if self.jobs is not None and refreshed is not None and time_levels(refreshed.model):
            await queue_discovery(self.jobs, refreshed)

    async def ping_postgres(self) -> None:
        await ping(self.engine)

    async def ping_redis(self) -> None:
        if self.redis is None:
            raise RuntimeError("REDIS_URL is not set")
        await ping_redis(self.redis)

    async def close(self) -> None:
        await self.asker.close()
        await self.glossary.close()
        await self.weaver_http.aclose()
        if self.airflow is not None:
            await self.airflow.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.bus.close()
        if self.subscriber is not None:
            await self.subscriber.aclose()
        await self.engine.dispose()


def _rate_limit(settings: VisionSettings, redis: Redis | None) -> OperationRateLimit:
    """RATE_LIMIT_PER_MINUTE operations per tenant; counted in Redis when configured (in-process while it fails)."""
    state: GuardState = (
        FallbackGuardState(RedisGuardState(redis, prefix="vision:guard:")) if redis is not None else MemoryGuardState()
    )
    return OperationRateLimit(SlidingWindowLimit(state, settings.rate_limit_per_minute))
