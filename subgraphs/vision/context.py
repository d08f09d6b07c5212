"""Per-process resources (engine, Redis, stores) and the per-request context resolvers see."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.websockets import WebSocket

from axiom.database import create_engine, ping
from axiom.errors import ApiError
from axiom.gateway_request import GATEWAY_REQUEST_HEADER, GatewayRequestSigner
from axiom.guard_state import FallbackGuardState, MemoryGuardState, RedisGuardState
from axiom.rate_limit import OperationRateLimit, SlidingWindowLimit
from axiom.service import RequestContext
from axiom.settings import Settings
from subgraphs.vision.airflow import AirflowClient
from subgraphs.vision.glossary import GlossaryClient
from subgraphs.vision.jobs.events import EventBus
from subgraphs.vision.jobs.queue import JobQueue
from subgraphs.vision.loaders import VisionLoaders
from subgraphs.vision.nl.client import LLM_DISABLED, PivotAsker
from subgraphs.vision.pivots import PivotService
from subgraphs.vision.refresh import CubeRefresher
from subgraphs.vision.refresh_events import RefreshEvents
from subgraphs.vision.store.cache import PivotCache
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.scenarios import ScenarioStore
from subgraphs.vision.store.terms import MemberTermStore
from subgraphs.vision.store.views import ViewStore
from subgraphs.vision.weaver_catalog import WeaverCatalog

JOBS_UNAVAILABLE = "JOBS_UNAVAILABLE"


REDIS_TIMEOUT = 1.0  # seconds


class VisionResources:
    """Opened by the app's lifespan; absent services (no DATABASE_URL / REDIS_URL) stay None."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine: AsyncEngine | None = None
        self.redis: Redis | None = None
        self.airflow: AirflowClient | None = None
        self.jobs: JobQueue | None = None
        self.bus = EventBus(None)
        self.events = RefreshEvents(bus=self.bus)
        self._asker: PivotAsker | None = None
        self._glossary: GlossaryClient | None = None
        self._weaver_http = None
        self._subscriber: Redis | None = None
        self.gateway_requests = GatewayRequestSigner.from_settings(settings)
        self.rate_limit = self._rate_limit(None)

    async def open(self) -> None:
        if self.settings.database_url:
            self.engine = create_engine(self.settings, subgraph="vision")
        if self.settings.redis_url:
            # Short timeouts: a hung Redis makes the rate limit and the pivot cache fall back instead of hanging
            # requests. Subscriptions wait for events for as long as they last: their client has no read timeout.
            self.redis = Redis.from_url(
                self.settings.redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
            # The one pub/sub connection all subscriptions of this process share (the event bus's), named so that
            # `CLIENT LIST` tells it apart.
            self._subscriber = Redis.from_url(
                self.settings.redis_url, socket_connect_timeout=REDIS_TIMEOUT, client_name="vision-events"
            )
            self.jobs = JobQueue(self.redis)
        self.bus = EventBus(self.redis, self._subscriber)
        self.events = RefreshEvents(bus=self.bus)
        self.rate_limit = self._rate_limit(self.redis)
        if self.settings.airflow_base_url:
            self.airflow = AirflowClient(self.settings.airflow_base_url)

    def _rate_limit(self, redis: Redis | None) -> OperationRateLimit:
        """RATE_LIMIT_PER_MINUTE operations per tenant; counted in Redis when configured (in-process while it
        fails)."""
        state = (
            FallbackGuardState(RedisGuardState(redis, prefix="vision:guard:"))
            if redis is not None
            else MemoryGuardState()
        )
        return OperationRateLimit(SlidingWindowLimit(state, self.settings.rate_limit_per_minute))

    @property
    def cache(self) -> PivotCache | None:
        return PivotCache(self.redis, self.settings.redis_cache_ttl) if self.redis is not None else None

    @property
    def asker(self) -> PivotAsker | None:
        """The NL→pivot client, made on the first question (the `openai` SDK is slow to import)."""
        if self._asker is None and self.settings.openai_api_key:
            self._asker = PivotAsker(self.settings)
        return self._asker

    @property
    def glossary(self) -> GlossaryClient:
        """Weaver's glossary, read for NL→pivot prompts; made on first use."""
        if self._glossary is None:
            self._glossary = GlossaryClient(
                self.settings.weaver_url, self.settings.query_timeout, GatewayRequestSigner.from_settings(self.settings)
            )
        return self._glossary

    @property
    def weaver_catalog(self) -> WeaverCatalog:
        """Weaver's datasource catalog, read when cubes are loaded; made on first use."""
        if self._weaver_http is None:
            import httpx

            self._weaver_http = httpx.AsyncClient(timeout=self.settings.query_timeout)
        return WeaverCatalog(self._weaver_http, self.settings.weaver_url, self.gateway_requests)

    def refresher(self) -> CubeRefresher:
        return CubeRefresher(self.require_engine(), self.cache, self.airflow, self.events.publish)

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
        from subgraphs.vision.store.cubes import CubeStore

        refreshed = await CubeStore(self.require_engine()).get(cube.tenant_id, cube.id)
        if self.jobs is not None and refreshed is not None and time_levels(refreshed.model):
            await queue_discovery(self.jobs, refreshed)

    async def close(self) -> None:
        if self._asker is not None:
            await self._asker.close()
            self._asker = None
        if self._glossary is not None:
            await self._glossary.close()
            self._glossary = None
        if self._weaver_http is not None:
            await self._weaver_http.aclose()
            self._weaver_http = None
        if self.airflow is not None:
            await self.airflow.close()
            self.airflow = None
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None
        await self.bus.close()
        if self._subscriber is not None:
            await self._subscriber.aclose()
            self._subscriber = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    async def ping_postgres(self) -> None:
        if self.engine is None:
            raise RuntimeError("engine not open")
        await ping(self.engine)

    async def ping_redis(self) -> None:
        if self.redis is None:
            raise RuntimeError("redis not open")
        await self.redis.ping()

    def require_engine(self) -> AsyncEngine:
        if self.engine is None:
            raise RuntimeError("DATABASE_URL is not configured")
        return self.engine


@dataclass
class VisionContext(RequestContext):
    """`info.context` in Vision resolvers."""

    resources: VisionResources | None = None
    _stores: dict = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        assert self.resources is not None
        return self.resources.settings

    @property
    def cubes(self) -> CubeStore:
        if "cubes" not in self._stores:
            self._stores["cubes"] = CubeStore(self.resources.require_engine())
        return self._stores["cubes"]

    @property
    def pivots(self) -> PivotService:
        if "pivots" not in self._stores:
            self._stores["pivots"] = PivotService(self.settings, self.resources.require_engine(), self.resources.cache)
        return self._stores["pivots"]

    @property
    def terms(self) -> MemberTermStore:
        if "terms" not in self._stores:
            self._stores["terms"] = MemberTermStore(self.resources.require_engine())
        return self._stores["terms"]

    @property
    def loaders(self) -> VisionLoaders:
        if "loaders" not in self._stores:
            self._stores["loaders"] = VisionLoaders(
                self.cubes, self.terms, self.tenant_id, cache=not isinstance(self.request, WebSocket)
            )
        return self._stores["loaders"]

    @property
    def asker(self) -> PivotAsker:
        asker = self.resources.asker
        if asker is None:
            raise ApiError("NL→pivot is disabled: OPENAI_API_KEY is not set", code=LLM_DISABLED)
        return asker

    @property
    def authorization(self) -> str | None:
        """The caller's `Authorization` header, passed on when Vision reads Weaver for them."""
        return self.request.headers.get("authorization") if self.request is not None else None

    @property
    def rate_limit(self) -> OperationRateLimit | None:
        """Read by the rate-limit extension."""
        return self.resources.rate_limit if self.resources is not None else None

    @property
    def gateway_request_id(self) -> str | None:
        """The verified gateway tag of this call: calls of one client operation count once."""
        signer = self.resources.gateway_requests if self.resources is not None else None
        if signer is None or self.request is None:
            return None
        return signer.verify(self.request.headers.get(GATEWAY_REQUEST_HEADER))

    @property
    def refresher(self) -> CubeRefresher:
        return self.resources.refresher()

    @property
    def scenarios(self) -> ScenarioStore:
        if "scenarios" not in self._stores:
            self._stores["scenarios"] = ScenarioStore(self.resources.require_engine())
        return self._stores["scenarios"]

    @property
    def views(self) -> ViewStore:
        if "views" not in self._stores:
            self._stores["views"] = ViewStore(self.resources.require_engine(), self.resources.events.publish)
        return self._stores["views"]
