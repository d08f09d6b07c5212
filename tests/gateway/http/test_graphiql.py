"""GraphiQL as the gateway process serves it: its page and pinned files from the gateway itself, the demo token
only in development, and nothing at all with `GRAPHIQL=false` (production's default)."""

from __future__ import annotations

import httpx
import pytest

from axiom.auth import JwtSettings, TokenVerifier
from axiom.settings import Settings
from gateway.http.graphiql import ASSETS, GraphiQLPage, install_assets
from gateway.main import create_app

HTML = {"accept": "text/html,application/xhtml+xml"}
SECRET = "graphiql-test-secret-of-at-least-32-bytes"


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://127.0.0.1:4000")


@pytest.fixture(scope="module")
def installed():
    install_assets()


async def test_development_page_prefills_a_demo_token_the_gateway_accepts(shop_sdl):
    settings = Settings(jwt_secret=SECRET)
    async with _client(create_app(settings, shop_sdl)) as http:
        page = (await http.get("/graphql", headers=HTML)).text
    token = page.split("Bearer ", 1)[1].split('\\"', 1)[0]
    principal = TokenVerifier(JwtSettings.of(settings)).verify(token)
    assert principal.tenant_id == "demo"
    assert "unpkg.com" not in page and "cdn" not in page.lower()


@pytest.mark.parametrize(
    "settings",
    [
        Settings(jwt_secret=SECRET, app_env="staging"),
        Settings(jwt_secret=SECRET, gateway_host="0.0.0.0"),
    ],
    ids=["not development", "reachable from other machines"],
)
async def test_no_token_is_handed_out_outside_local_development(shop_sdl, settings):
    async with _client(create_app(settings, shop_sdl)) as http:
        page = (await http.get("/graphql", headers=HTML)).text
    assert "createAxiomFetcher" in page
    assert '"Authorization\\": \\"Bearer \\"' in page


async def test_graphiql_false_serves_neither_page_nor_files(shop_sdl):
    settings = Settings(jwt_secret=SECRET, enable_graphiql=False)
    async with _client(create_app(settings, shop_sdl)) as http:
        page = await http.get("/graphql", headers=HTML)
        script = await http.get("/graphiql/graphiql.js")
    assert "createAxiomFetcher" not in page.text and page.status_code == 401  # the API itself answers
    assert script.status_code == 404


def test_production_turns_graphiql_off_unless_asked():
    production = {
        "APP_ENV": "production",
        "DATABASE_URL": "postgresql://u:real-pw@db/x",
        "REDIS_URL": "redis://r",
        "NEO4J_URI": "bolt://n",
        "NEO4J_PASSWORD": "real-neo4j-pw",
        "JWT_SECRET": SECRET,
        "ENCRYPTION_KEY": "Qm7x2LpV9rT4wZ8cN1bK6hY3jF5dS0aE",
        "METRICS_TOKEN": "metrics-token",
        "GATEWAY_SHARED_SECRET": "another-secret-of-at-least-32-bytes!",
    }
    assert Settings.from_env(production).graphiql is False
    assert Settings.from_env({**production, "GRAPHIQL": "true"}).graphiql is True
    assert Settings.from_env({}).graphiql is True
    assert Settings.from_env({"GRAPHIQL": "false"}).graphiql is False


async def test_pinned_files_are_served_and_nothing_else(installed):
    async with _client(GraphiQLPage(_not_graphql)) as http:
        for name in ASSETS:
            response = await http.get(f"/graphiql/{name}")
            assert response.status_code == 200, name
            assert response.headers["content-type"].startswith(("text/javascript", "text/css")), name
        for other in ("package.json", "../package.json", "graphiql%2F..%2F..%2Fpackage.json"):
            response = await http.get(f"/graphiql/{other}")
            assert "axiom-graphiql" not in response.text and response.status_code in (200, 404)


async def test_without_its_files_the_page_says_how_to_install_them(tmp_path):
    async with _client(GraphiQLPage(_not_graphql, package_dir=tmp_path)) as http:
        page = (await http.get("/graphql", headers=HTML)).text
    assert "npm ci --prefix tools/graphiql" in page


async def test_api_clients_reach_the_graphql_app():
    async with _client(GraphiQLPage(_not_graphql)) as http:
        response = await http.get("/graphql", headers={"accept": "application/json"})
    assert response.text == "graphql app"


async def _not_graphql(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"graphql app"})
