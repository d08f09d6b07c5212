"""Browsers and the gateway: local dev servers welcome in development, only named origins in production, Apollo's
and Axiom's headers allowed, and WebSocket upgrades checked against the same origins."""

from __future__ import annotations

import httpx
import pytest
import websockets
from gateway_testkit.servers import RunningServer

from axiom.settings import Settings
from gateway.main import create_app

SECRET = "cors-test-secret-of-at-least-32-bytes!!"
CLIENT_HEADERS = (
    "authorization, content-type, apollographql-client-name, apollographql-client-version, "
    "x-axiom-debug-plan, idempotency-key"
)
DEVELOPMENT = Settings(jwt_secret=SECRET)
PRODUCTION = Settings(jwt_secret=SECRET, app_env="production", cors_origins=("https://app.example.com",))
PRODUCTION_UNLISTED = Settings(jwt_secret=SECRET, app_env="production")


async def _preflight(settings: Settings, sdl: str, origin: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(settings, sdl)), base_url="http://127.0.0.1:4000"
    ) as http:
        return await http.options(
            "/graphql",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": CLIENT_HEADERS,
            },
        )


@pytest.mark.parametrize(
    "settings, origin",
    [
        (DEVELOPMENT, "http://localhost:5173"),
        (DEVELOPMENT, "http://127.0.0.1:3000"),
        (DEVELOPMENT, "http://[::1]:8080"),
        (PRODUCTION, "https://app.example.com"),
    ],
)
async def test_allowed_origins_pass_the_preflight_with_apollo_and_axiom_headers(shop_sdl, settings, origin):
    response = await _preflight(settings, shop_sdl, origin)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == origin
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in CLIENT_HEADERS.split(", "):
        assert header in allowed


@pytest.mark.parametrize(
    "settings, origin",
    [
        (DEVELOPMENT, "https://evil.example"),
        (DEVELOPMENT, "http://localhost.evil.example"),
        (PRODUCTION, "http://localhost:5173"),
        (PRODUCTION_UNLISTED, "http://localhost:5173"),
    ],
)
async def test_other_origins_are_refused(shop_sdl, settings, origin):
    response = await _preflight(settings, shop_sdl, origin)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    "settings, origin, accepted",
    [
        (DEVELOPMENT, "http://localhost:5173", True),
        (DEVELOPMENT, "https://evil.example", False),
        (PRODUCTION, "https://app.example.com", True),
        (PRODUCTION, "http://localhost:5173", False),
        (PRODUCTION, None, True),  # not a browser: nothing for CORS to protect
    ],
)
async def test_websocket_upgrades_check_the_origin(shop_sdl, settings, origin, accepted):
    server = await RunningServer(create_app(settings, shop_sdl)).start()
    url = server.url.replace("http://", "ws://")
    try:
        if accepted:
            async with websockets.connect(url, origin=origin, subprotocols=["graphql-transport-ws"]) as ws:
                assert ws.subprotocol == "graphql-transport-ws"
        else:
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(url, origin=origin, subprotocols=["graphql-transport-ws"]):
                    pass
            assert refused.value.response.status_code == 403
    finally:
        await server.stop()


async def test_a_page_of_the_gateways_own_origin_may_open_a_websocket(shop_sdl):
    server = await RunningServer(create_app(PRODUCTION_UNLISTED, shop_sdl)).start()
    try:
        async with websockets.connect(
            server.url.replace("http://", "ws://"),
            origin=f"http://127.0.0.1:{server.port}",
            subprotocols=["graphql-transport-ws"],
        ) as ws:
            assert ws.subprotocol == "graphql-transport-ws"
    finally:
        await server.stop()


@pytest.mark.parametrize("origin", [None, "http://localhost:5173", "https://evil.example"])
@pytest.mark.parametrize("vary", [None, "Accept-Encoding"])
async def test_simple_responses_carry_the_cors_headers_starlette_would_give(origin, vary):
    """The gateway adds CORS headers itself (cheaper per request); they match Starlette's CORSMiddleware."""
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import PlainTextResponse

    from gateway.http.cors import CorsHeaders, CorsPolicy

    async def app(scope, receive, send):
        await PlainTextResponse("ok", headers={"vary": vary} if vary else None)(scope, receive, send)

    policy = CorsPolicy.from_settings((), production=False)
    ours = CorsHeaders(app, policy)
    theirs = CORSMiddleware(app, allow_origin_regex=policy.origin_pattern, allow_credentials=True)
    answers = []
    for wrapped in (ours, theirs):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url="http://gw") as http:
            response = await http.post("/graphql", headers={"origin": origin} if origin else {})
        answers.append(sorted((k, v) for k, v in response.headers.items() if k.startswith(("access-control", "vary"))))
    assert answers[0] == answers[1]
    assert ("vary", f"{vary}, Origin" if vary else "Origin") in answers[0]
