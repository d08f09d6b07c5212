"""Which browser origins may call the gateway: CORS for HTTP, and the same list for WebSocket upgrades.

Development without `CORS_ORIGINS` welcomes local dev servers (localhost, 127.0.0.1, [::1] on any port);
production serves only the origins it names. A WebSocket upgrade from a page of another origin is refused the
same way (browsers send `Origin` but no preflight there); clients that send no `Origin` (servers, CLIs) are
not browsers and pass.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("axiom.gateway")

LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?"
ALLOWED_METHODS = ("GET", "POST", "PUT", "DELETE")  # PUT/DELETE: graphql-sse's single-connection mode
ALLOWED_HEADERS = (
    "Accept",
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Axiom-Debug-Plan",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "X-GraphQL-Event-Stream-Token",
)
PREFLIGHT_MAX_AGE = 600


@dataclass(frozen=True)
class CorsPolicy:
    """Named origins, and/or a pattern for origins (the local dev-server one)."""

    origins: tuple[str, ...] = ()
    origin_pattern: str | None = None

    @classmethod
    def from_settings(cls, origins: tuple[str, ...], *, production: bool) -> CorsPolicy:
        """Named origins when given; else local dev servers in development, nobody in production."""
        if origins or production:
            return cls(origins=tuple(origins))
        return cls(origin_pattern=LOCAL_ORIGINS)

    def allows(self, origin: str) -> bool:
        """Whether a page from `origin` may call us."""
        if origin in self.origins:
            return True
        return self.origin_pattern is not None and re.fullmatch(self.origin_pattern, origin) is not None


def with_cors(app: ASGIApp, policy: CorsPolicy) -> ASGIApp:
    """`app` answering preflights and tagging responses for the policy's origins, and refusing WebSocket
    upgrades from other origins."""
    return CorsHeaders(WebSocketOriginCheck(app, policy), policy)


class CorsHeaders:
    """The CORS headers of every response, as Starlette's CORSMiddleware writes them (`Vary: Origin` always;
    with an `Origin`, credentials allowed, and the origin echoed when the policy allows it). Preflights are
    answered by that middleware; the headers of every other response are added here, without its per-request
    header objects (this wraps every request the gateway serves)."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy
        self.preflights = CORSMiddleware(
            app,
            allow_origins=list(policy.origins),
            allow_origin_regex=policy.origin_pattern,
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            allow_credentials=True,
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin: bytes | None = None
        preflight = False
        for name, value in scope["headers"]:
            if name == b"origin" and origin is None:
                origin = value
            elif name == b"access-control-request-method":
                preflight = True
        if origin is not None and preflight and scope["method"] == "OPTIONS":
            await self.preflights(scope, receive, send)
            return
        added = [(b"access-control-allow-credentials", b"true")] if origin is not None else []
        if origin is not None and self.policy.allows(origin.decode("latin-1")):
            added.append((b"access-control-allow-origin", origin))

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_vary_origin([*message.get("headers", ()), *added])
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _with_vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with `Origin` added to `Vary` (one Vary header, as Starlette merges it)."""
    varies = [value for name, value in headers if name.lower() == b"vary"]
    if not varies:
        headers.append((b"vary", b"Origin"))
        return headers
    kept = [(name, value) for name, value in headers if name.lower() != b"vary"]
    kept.append((b"vary", b", ".join([*varies, b"Origin"])))
    return kept


class WebSocketOriginCheck:
    """Refuses (HTTP 403) a WebSocket upgrade whose `Origin` is neither allowed nor the gateway's own."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            if origin and not self._allowed(origin, headers.get(b"host", b"").decode("latin-1")):
                logger.info("websocket refused for origin %s", origin)
                await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)

    def _allowed(self, origin: str, host: str) -> bool:
        # A page served by the gateway itself is same-origin, which CORS never restricts either.
        return self.policy.allows(origin) or (bool(host) and urlsplit(origin).netloc == host)
