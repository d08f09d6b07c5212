"""The gateway process as Axiom runs it: the supergraph from `schema/`, JWT checks, health, metrics, CORS,
GraphiQL for browsers, and subgraph URLs taken from the settings rather than from the composed file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import aiohttp
from graphql import ArgumentNode, DirectiveNode, StringValueNode, Visitor, parse, print_ast, visit
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from axiom.auth import AuthenticationError, TokenVerifier
from axiom.error_reporting import tag_request
from axiom.gateway_request import GatewayRequestSigner
from axiom.health import Dependency, Readiness, live_endpoint, ready_endpoint
from axiom.metrics import REGISTRY, RequestMetricsMiddleware, metrics_endpoint
from axiom.settings import Settings
from gateway.http import AuthenticationRejected, create_gateway_app
from gateway.planner import PlanCache

SUPERGRAPH_PATH = Path(__file__).resolve().parent.parent / "schema" / "supergraph.graphql"


def override_subgraph_urls(supergraph_sdl: str, urls: Mapping[str, str]) -> str:
    """Point `join__Graph` values at the given URLs (keyed by subgraph name, case-insensitive)."""
    return print_ast(visit(parse(supergraph_sdl), _JoinGraphUrlRewrite(urls)))


class _JoinGraphUrlRewrite(Visitor):
    def __init__(self, urls: Mapping[str, str]):
        super().__init__()
        self.urls = {name.lower(): url for name, url in urls.items()}

    def enter_directive(self, node: DirectiveNode, *_):
        if node.name.value != "join__graph":
            return None
        args = {arg.name.value: arg.value for arg in node.arguments}
        url = self.urls.get(args["name"].value.lower())
        if url is None:
            return None
        arguments = tuple(ArgumentNode(name=arg.name, value=StringValueNode(value=url)) if arg.name.value == "url"
                          else arg for arg in node.arguments)
        return DirectiveNode(name=node.name, arguments=arguments)


def _subgraph_ready_probe(graphql_url: str):
    ready_url = graphql_url.rsplit("/graphql", 1)[0] + "/health/ready"

    async def probe() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(ready_url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                if response.status != 200:
                    raise ConnectionError(f"{ready_url} answered {response.status}")

    return probe


def _redis_probe(url: str):
    async def probe() -> None:
        import redis.asyncio as redis

        client = redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            await client.ping()
        finally:
            await client.aclose()

    return probe


class GraphiQLPage:
    """A browser opening /graphql gets GraphiQL; API clients (no text/html in Accept) get the GraphQL app."""

    def __init__(self, app: ASGIApp, path: str = "/graphql"):
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == self.path
                and b"query=" not in scope.get("query_string", b"")):
            accept = dict(scope["headers"]).get(b"accept", b"")
            if b"text/html" in accept:
                await HTMLResponse(_GRAPHIQL_HTML)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _ReportedRequestTag:
    """The gateway's request signer; each operation's id also tags the errors reported for it, so that the
    gateway's and the subgraphs' reports of one operation share a request id."""

    header = GatewayRequestSigner.header

    def __init__(self, signer: GatewayRequestSigner):
        self._signer = signer

    @classmethod
    def from_settings(cls, settings: Settings) -> "_ReportedRequestTag | None":
        signer = GatewayRequestSigner.from_settings(settings)
        return cls(signer) if signer is not None else None

    def new(self, headers: Mapping[str, str]) -> str:
        value = self._signer.new(headers)
        tag_request(request_id=value.split(".", 1)[0])
        return value


class PlanCacheCollector:
    """Prometheus view of the gateway's plan cache (hits, misses, size)."""

    def __init__(self) -> None:
        self.caches: list[PlanCache] = []

    def collect(self):
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


def create_app(settings: Settings, supergraph_sdl: str | None = None) -> ASGIApp:
    sdl = supergraph_sdl if supergraph_sdl is not None else SUPERGRAPH_PATH.read_text()
    sdl = override_subgraph_urls(sdl, {"weaver": settings.weaver_url, "vision": settings.vision_url})
    verifier = TokenVerifier(settings)

    def authenticate(headers: Mapping[str, str]):
        try:
            principal = verifier.verify_header(headers.get("authorization"))
        except AuthenticationError as exc:  # its messages ("token expired", …) are written for clients
            raise AuthenticationRejected(str(exc)) from exc
        tag_request(tenant=principal.tenant_id)
        return principal

    readiness = Readiness([
        Dependency("weaver", _subgraph_ready_probe(settings.weaver_url)),
        Dependency("vision", _subgraph_ready_probe(settings.vision_url)),
        Dependency("redis", _redis_probe(settings.redis_url) if settings.redis_url else None),
    ])
    app = create_gateway_app(
        sdl,
        authenticate=authenticate,
        subgraph_timeout=settings.subgraph_timeout,
        # APQ: shared by every gateway process through Redis when one is configured.
        persisted_queries_redis_url=settings.redis_url,
        # Idempotency-Key makes Weaver's create mutations safe to retry; it must reach the subgraph.
        forward_headers=("authorization", "idempotency-key"),
        # Lets Weaver count one client operation once, however many calls it takes.
        request_tag=_ReportedRequestTag.from_settings(settings),
        extra_routes=[
            Route("/health/live", live_endpoint),
            Route("/health/ready", ready_endpoint(readiness)),
            Route("/metrics", metrics_endpoint(settings.metrics_token)),
        ],
    )
    PLAN_CACHE_METRICS.caches = [app.state.gateway.plans]
    wrapped: ASGIApp = GraphiQLPage(app)
    wrapped = CORSMiddleware(wrapped, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                             allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
                             allow_credentials=True)
    return RequestMetricsMiddleware(wrapped, service="gateway")


_GRAPHIQL_HTML = r"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Axiom GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
  <script>
    // axiom-fetcher-start
    // Queries and mutations go through GraphiQL's own fetcher. Subscriptions go over GraphQL-over-SSE
    // (POST with Accept: text/event-stream), which carries the Headers tab (the token) like any request;
    // GraphiQL's built-in fetcher would need a WebSocket client for them.
    function createAxiomFetcher(url) {
      const plain = GraphiQL.createFetcher({ url });

      function isSubscription(params, options) {
        const operations = ((options && options.documentAST) || { definitions: [] }).definitions
          .filter((d) => d.kind === "OperationDefinition");
        const chosen = operations.find((d) => !params.operationName || (d.name && d.name.value === params.operationName));
        if (chosen) return chosen.operation === "subscription";
        return /^\s*subscription\b/.test(params.query || "");
      }

      async function* overSse(params, options) {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream", ...((options && options.headers) || {}) },
          body: JSON.stringify(params),
        });
        if (!(response.headers.get("content-type") || "").startsWith("text/event-stream")) {
          yield await response.json();  // refused before streaming: a GraphQL error body
          return;
        }
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            buffer += value.replace(/\r\n/g, "\n");
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              let event = "message";
              let data = "";
              for (const line of block.split("\n")) {
                if (line.startsWith("event:")) event = line.slice(6).trim();
                else if (line.startsWith("data:")) data += line.slice(5).trim();
              }
              if (event === "complete") return;
              if (data) yield JSON.parse(data);
            }
          }
        } finally {
          reader.cancel().catch(() => {});  // the user stopped the subscription: close the stream
        }
      }

      return (params, options) => (isSubscription(params, options) ? overSse(params, options) : plain(params, options));
    }
    // axiom-fetcher-end
    // Paste a token from `axiom token` into the Headers tab: {"Authorization": "Bearer <token>"}
    const fetcher = createAxiomFetcher(window.location.pathname);
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true,
        defaultHeaders: JSON.stringify({ Authorization: "Bearer " }, null, 2) }));
  </script>
</body>
</html>
"""
