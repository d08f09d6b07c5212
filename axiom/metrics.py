"""Prometheus metrics: one registry per process, exposed at /metrics.

With METRICS_TOKEN set (production requires it) /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`;
the scraper is configured with that token. Without it (development) /metrics is open.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "axiom_http_requests_total", "HTTP requests served", ["service", "path", "status"], registry=REGISTRY
)
HTTP_DURATION = Histogram(
    "axiom_http_request_duration_seconds", "HTTP request duration", ["service", "path"], registry=REGISTRY
)


def metrics_endpoint(token: str | None) -> Callable[[Request], Awaitable[Response]]:
    """The /metrics endpoint; with a `token`, a request without that bearer token gets 401."""
    expected = f"Bearer {token}".encode() if token else None

    async def endpoint(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return Response(
                    "metrics token required\n",
                    status_code=401,
                    media_type="text/plain",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return endpoint


class RequestMetricsMiddleware:
    """Counts and times HTTP requests; paths outside a small known set are folded to keep cardinality bounded."""

    _KNOWN_PATHS = frozenset({"/graphql", "/health/live", "/health/ready", "/metrics"})

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        # Labelled children, looked up once (`labels()` takes a lock and builds a key on every call); bounded
        # by the known paths times the status codes served.
        self._durations: dict[str, Any] = {}
        self._counts: dict[tuple[str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"] if scope["path"] in self._KNOWN_PATHS else "other"
        status = {"code": 500}

        async def send_with_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self._observe(path, status["code"], time.perf_counter() - started)

    def _observe(self, path: str, status: int, seconds: float) -> None:
        duration = self._durations.get(path)
        if duration is None:
            duration = self._durations[path] = HTTP_DURATION.labels(self.service, path)
        count = self._counts.get((path, status))
        if count is None:
            count = self._counts[path, status] = HTTP_REQUESTS.labels(self.service, path, str(status))
        duration.observe(seconds)
        count.inc()
