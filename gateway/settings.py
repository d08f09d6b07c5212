"""The settings the gateway process reads: its part of `axiom.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass

from axiom.auth import JwtSettings
from axiom.deadlines import gateway_timeouts
from axiom.graphql_policy import limits_from_settings
from axiom.operation_limits import OperationLimits
from axiom.settings import Settings
from subgraphs.registry import SUBGRAPHS, SubgraphSpec


@dataclass(frozen=True)
class GatewaySettings:
    app_env: str
    host: str  # GATEWAY_HOST: GraphiQL's demo token is offered only on a loopback host
    jwt: JwtSettings
    signing_secret: str | None  # signs each subgraph call (GATEWAY_SHARED_SECRET, else an HS* JWT secret)
    subgraph_urls: dict[str, str]  # by subgraph name, for the registry's subgraphs
    subgraph_timeout: float  # the floor of every subgraph's wait
    subgraph_timeouts: dict[str, float]  # per subgraph: longer than its own deadline
    redis_url: str | None  # persisted queries and the rate limit, shared by all gateway processes
    max_body_bytes: int
    limits: OperationLimits
    rate_limit_per_minute: int
    rate_limit_cost_unit: int
    introspection: bool
    suggestions: bool
    graphiql: bool
    debug_plan: bool
    masks_errors: bool
    multiplex_subscriptions: bool
    metrics_token: str | None
    cors_origins: tuple[str, ...]
    is_production: bool

    @classmethod
    def of(cls, settings: Settings, subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS) -> GatewaySettings:
        return cls(
            app_env=settings.app_env,
            host=settings.gateway_host,
            jwt=JwtSettings.of(settings),
            signing_secret=settings.gateway_signing_secret,
            subgraph_urls={spec.name: settings.subgraph_url(spec.name) for spec in subgraphs},
            subgraph_timeout=settings.subgraph_timeout,
            subgraph_timeouts=gateway_timeouts(settings, subgraphs),
            redis_url=settings.redis_url,
            max_body_bytes=settings.max_body_bytes,
            limits=limits_from_settings(settings),
            rate_limit_per_minute=settings.rate_limit_per_minute,
            rate_limit_cost_unit=settings.rate_limit_cost_unit,
            introspection=settings.introspection,
            suggestions=settings.suggestions,
            graphiql=settings.graphiql,
            debug_plan=settings.debug_plan,
            masks_errors=settings.masks_errors,
            multiplex_subscriptions=settings.gateway_multiplex_subscriptions,
            metrics_token=settings.metrics_token,
            cors_origins=settings.cors_origins,
            is_production=settings.is_production,
        )
