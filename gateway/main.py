"""The gateway process as Axiom runs it: the supergraph from `schema/`, JWT checks, health, metrics, CORS,
GraphiQL for browsers (unless `GRAPHIQL=false`), and subgraph URLs taken from the settings rather than from the composed file.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
from graphql import ArgumentNode, DirectiveNode, StringValueNode, Visitor, parse, print_ast, visit
from prometheus_client.metrics_core import Metric
from starlette.routing import Route
from starlette.types import ASGIApp

from axiom.auth import AuthenticationError, Principal, TokenVerifier
from axiom.demo import issue_demo_token
from axiom.error_reporting import tag_request
from axiom.gateway_request import GatewayRequestSigner
from axiom.health import Degraded, Dependency, Probe, ProbeFailed, Readiness, live_endpoint, ready_endpoint
from axiom.metrics import REGISTRY, RequestMetricsMiddleware, metrics_endpoint
from axiom.request_deadline import RequestDeadline
from axiom.settings import Settings
from gateway.http import AuthenticationRejected, create_gateway_app
from gateway.http.cors import CorsPolicy, with_cors
from gateway.http.graphiql import GraphiQLPage
from gateway.planner import PlanCache
from gateway.settings import GatewaySettings
from gateway.tenant_rate_limit import TenantRateLimit
from subgraphs.registry import SUBGRAPHS, SubgraphSpec

SUPERGRAPH_PATH = Path(__file__).resolve().parent.parent / "schema" / "supergraph.graphql"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def override_subgraph_urls(supergraph_sdl: str, urls: Mapping[str, str]) -> str:
    """Point `join__Graph` values at the given URLs (keyed by subgraph name, case-insensitive)."""
    return print_ast(visit(parse(supergraph_sdl), _JoinGraphUrlRewrite(urls)))


class _JoinGraphUrlRewrite(Visitor):
    def __init__(self, urls: Mapping[str, str]) -> None:
        super().__init__()
        self.urls = {name.lower(): url for name, url in urls.items()}

    def enter_directive(self, node: DirectiveNode, *_: object) -> DirectiveNode | None:
        if node.name.value != "join__graph":
            return None
        args = {arg.name.value: arg.value for arg in node.arguments or ()}
        name = args["name"]
        url = self.urls.get(name.value.lower()) if isinstance(name, StringValueNode) else None
        if url is None:
            return None
        arguments = tuple(
            ArgumentNode(name=arg.name, value=StringValueNode(value=url)) if arg.name.value == "url" else arg
            for arg in node.arguments or ()
        )
        return DirectiveNode(name=node.name, arguments=arguments)


SUBGRAPH_READY_TIMEOUT = 4.0


def _not_up(readiness: dict[str, Any]) -> str:
    """The checks of a subgraph's readiness answer that are not up, e.g. "redis down, requestGuard degraded"."""
    checks = readiness.get("checks") or {}
    return ", ".join(
        f"{name} {check.get('status')}" for name, check in checks.items() if check.get("status") in ("down", "degraded")
    )


def _subgraph_ready_probe(graphql_url: str) -> Probe:
    ready_url = graphql_url.rsplit("/graphql", 1)[0] + "/health/ready"

    async def probe() -> Degraded | None:
        async with aiohttp.ClientSession() as session:
            # Longer than the subgraph's own probes (2 s): a hung dependency of the subgraph is reported by the
            # subgraph, not mistaken for the subgraph being down.
            timeout = aiohttp.ClientTimeout(total=SUBGRAPH_READY_TIMEOUT)
            async with session.get(ready_url, timeout=timeout) as response:
                body = await response.json(content_type=None)
        if response.status != 200:
            raise ProbeFailed(
                f"unavailable: {_not_up(body)}" if isinstance(body, dict) else f"answered {response.status}"
            )
        if body.get("status") == "degraded":
            return Degraded(_not_up(body))
        return None

    return probe


def _redis_probe(url: str) -> Probe:
    async def probe() -> None:
        import redis.asyncio as redis

        from axiom.redis_ping import ping_redis

        client = redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            await ping_redis(client)
        finally:
            await client.aclose()

    return probe


class _ReportedRequestTag:
    """The gateway's request signer; each operation's id also tags the errors reported for it, so that the
    gateway's and the subgraphs' reports of one operation share a request id."""

    header = GatewayRequestSigner.header

    def __init__(self, signer: GatewayRequestSigner) -> None:
        self._signer = signer

    @classmethod
    def signed_with(cls, secret: str | None) -> _ReportedRequestTag | None:
        """None without a signing secret (no GATEWAY_SHARED_SECRET and tokens signed with a public key)."""
        return cls(GatewayRequestSigner(secret)) if secret else None

    def new(self, headers: Mapping[str, str]) -> str:
        value = self._signer.new(headers)
        tag_request(request_id=value.split(".", 1)[0])
        return value


class PlanCacheCollector:
    """Prometheus view of the gateway's plan cache (hits, misses, size)."""

    def __init__(self) -> None:
        self.caches: list[PlanCache] = []

    def collect(self) -> list[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        hits = CounterMetricFamily("axiom_gateway_plan_cache_hits", "Query plans served from cache")
        misses = CounterMetricFamily("axiom_gateway_plan_cache_misses", "Operations planned")
        size = GaugeMetricFamily("axiom_gateway_plan_cache_size", "Plans currently cached")
        hits.add_metric([], sum(c.hits for c in self.caches))
        misses.add_metric([], sum(c.misses for c in self.caches))
        size.add_metric([], sum(len(c) for c in self.caches))
        return [hits, misses, size]


PLAN_CACHE_METRICS = PlanCacheCollector()
REGISTRY.register(PLAN_CACHE_METRICS)


class SubscriptionCollector:
    """Prometheus view of subscriptions: upstream sockets, and clients on shared streams."""

    def __init__(self) -> None:
        self.gateways: list[Any] = []

    def collect(self) -> list[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        upstream = GaugeMetricFamily(
            "axiom_gateway_upstream_subscriptions", "Subscriptions open from the gateway to subgraphs"
        )
        clients = GaugeMetricFamily(
            "axiom_gateway_shared_subscription_clients", "Client subscriptions served by a shared upstream subscription"
        )
        subscribers = [getattr(g.transport, "subscriber", None) for g in self.gateways]
        upstream.add_metric([], sum(s.open for s in subscribers if s is not None))
        clients.add_metric([], sum(g.shared_subscriptions.subscribers for g in self.gateways))
        return [upstream, clients]


SUBSCRIPTION_METRICS = SubscriptionCollector()
REGISTRY.register(SUBSCRIPTION_METRICS)


def subscription_scope(verifier: TokenVerifier) -> Callable[[Mapping[str, str]], object]:
    """Whose subscriptions may share one upstream subscription: the same tenant and roles.

    Those are the verified claims Weaver's and Vision's reads depend on (every read is
    scoped by `tenant_id`; roles gate fields such as a pivot's SQL). `sub` only labels
    writes (who linked a term), so users of one tenant with the same roles share.
    A token that does not verify shares with nobody."""

    def scope(headers: Mapping[str, str]) -> tuple[str, tuple[str, ...]] | None:
        try:
            principal = verifier.verify_header(headers.get("authorization"))
        except AuthenticationError:
            return None
        return principal.tenant_id, tuple(sorted(principal.roles))

    return scope


def create_app(
    settings: Settings, supergraph_sdl: str | None = None, *, subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS
) -> ASGIApp:
    """The gateway over `subgraphs` (the registry's), called at the URLs of the settings."""
    gateway = GatewaySettings.of(settings, subgraphs)
    sdl = supergraph_sdl if supergraph_sdl is not None else SUPERGRAPH_PATH.read_text()
    names = tuple(spec.name for spec in subgraphs)
    sdl = override_subgraph_urls(sdl, gateway.subgraph_urls)
    verifier = TokenVerifier(gateway.jwt)

    def authenticate(headers: Mapping[str, str]) -> Principal:
        try:
            principal = verifier.verify_header(headers.get("authorization"))
        except AuthenticationError as exc:  # its messages ("token expired", …) are written for clients
            raise AuthenticationRejected(str(exc)) from exc
        tag_request(tenant=principal.tenant_id)
        return principal

    readiness = Readiness(
        [
            # Each subgraph serves its part of the API alone: the gateway is unavailable only when all are down.
            *(Dependency(name, _subgraph_ready_probe(gateway.subgraph_urls[name]), required=False) for name in names),
            # Without Redis, persisted queries are kept per gateway process.
            Dependency(
                "redis",
                _redis_probe(gateway.redis_url) if gateway.redis_url else None,
                required=False,
                note="persisted queries",
            ),
        ],
        timeout=SUBGRAPH_READY_TIMEOUT + 1,
        any_of=names,
    )
    app = create_gateway_app(
        sdl,
        authenticate=authenticate,
        subgraph_timeout=gateway.subgraph_timeout,
        # Longer than each subgraph's own deadline, so that its coded TIMEOUT reaches the client.
        subgraph_timeouts=gateway.subgraph_timeouts,
        # APQ: shared by every gateway process through Redis when one is configured.
        persisted_queries_redis_url=gateway.redis_url,
        # Idempotency-Key makes Weaver's create mutations safe to retry; it must reach the subgraph.
        forward_headers=("authorization", "idempotency-key"),
        # Lets Weaver count one client operation once, however many calls it takes.
        request_tag=_ReportedRequestTag.signed_with(gateway.signing_secret),
        max_body_bytes=gateway.max_body_bytes,
        limits=gateway.limits,
        report_cost=True,
        hide_suggestions=not gateway.suggestions,
        introspection=gateway.introspection,
        debug_plan=gateway.debug_plan,
        mask_errors=gateway.masks_errors,
        rate_limit=TenantRateLimit.from_settings(gateway),
        rate_limit_client=lambda principal: principal.tenant_id,
        multiplex_subscriptions=gateway.multiplex_subscriptions,
        subscription_scope=subscription_scope(verifier),
        extra_routes=[
            Route("/health/live", live_endpoint),
            Route("/health/ready", ready_endpoint(readiness)),
            Route("/metrics", metrics_endpoint(gateway.metrics_token)),
        ],
    )
    PLAN_CACHE_METRICS.caches = [app.state.gateway.plans]
    SUBSCRIPTION_METRICS.gateways = [app.state.gateway]
    # The supergraph model and API schema live as long as the process: kept out of full garbage collections,
    # which would otherwise traverse them whenever a large document is parsed (pausing every request).
    gc.freeze()
    # A client that leaves cancels its operation, and with it the subgraph requests (and their SQL).
    wrapped: ASGIApp = RequestDeadline(app)
    if gateway.graphiql:
        wrapped = GraphiQLPage(wrapped, prefill_headers=_graphiql_headers(gateway))
    wrapped = with_cors(wrapped, CorsPolicy.from_settings(gateway.cors_origins, production=gateway.is_production))
    return RequestMetricsMiddleware(wrapped, service="gateway")


def _graphiql_headers(gateway: GatewaySettings) -> Callable[[], dict[str, str]] | None:
    """GraphiQL's Headers tab: the demo token, only in development and when the page can only be opened from
    this machine (it hands an admin token to whoever opens it)."""
    if gateway.app_env != "development" or gateway.host not in LOOPBACK_HOSTS:
        return None
    return lambda: {"Authorization": f"Bearer {issue_demo_token(gateway.jwt)}"}
