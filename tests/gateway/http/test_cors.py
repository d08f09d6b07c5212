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
