"""Adding a subgraph touches only the registry and the subgraph's own folder: a toy third subgraph, registered
once, is composed into the supergraph, served, supervised and queried through the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import httpx
import uvicorn

from axiom.auth import issue_token
from axiom.deadlines import gateway_timeouts
from axiom.schema_files import SCHEMA_DIR, expected_files
from axiom.serve import bind_address
from axiom.settings import Settings
from axiom.supervisor import processes
from gateway.main import create_app as create_gateway
from subgraphs.registry import SUBGRAPHS, SubgraphSpec

TOY = SubgraphSpec(
    name="toy",
    app_factory="toy_subgraph.app:create_app",
    schema_module="toy_subgraph.schema",
    default_port=8500,
)
REGISTRY = (*SUBGRAPHS, TOY)


@contextlib.asynccontextmanager
async def serve(app, sock: socket.socket):
    """Serve an ASGI app (lifespan included) on a bound loopback socket."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = server.force_exit = True
        await task


def test_the_registry_entry_gives_the_toy_its_settings_processes_and_gateway_timeout():
    settings = Settings.from_env({"TOY_PORT": "8555"}, subgraphs=REGISTRY)
    assert bind_address("toy", settings) == ("127.0.0.1", 8555)
    assert settings.subgraph_url("toy") == "http://127.0.0.1:8555/graphql"
    specs = {spec.name: spec for spec in processes(settings, REGISTRY)}
    assert specs["toy"].command == ("serve", "toy")
    assert "toy" in specs["gateway"].after
    assert gateway_timeouts(settings, REGISTRY)["toy"] == settings.subgraph_timeout


async def test_a_third_subgraph_is_composed_into_the_supergraph_and_queried_through_the_gateway():
    files = await asyncio.to_thread(expected_files, REGISTRY)
    assert "toyGreeting: String!" in files[SCHEMA_DIR / "toy.graphql"]
    supergraph = files[SCHEMA_DIR / "supergraph.graphql"]
    for name in ("weaver", "vision", "toy"):
        assert f'@join__graph(name: "{name}"' in supergraph
    assert "toyGreeting" in files[SCHEMA_DIR / "api.graphql"] and "cubes" in files[SCHEMA_DIR / "api.graphql"]

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = Settings.from_env({"TOY_PORT": str(port)}, subgraphs=REGISTRY)
    token = issue_token(settings, tenant_id="acme", subject="ann")
    async with serve(TOY.create_app(settings), sock):
        gateway = create_gateway(settings, supergraph, subgraphs=REGISTRY)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gateway") as client:
            response = await client.post(
                "/graphql", json={"query": "{ toyGreeting }"}, headers={"authorization": f"Bearer {token}"}
            )
            ready = (await client.get("/health/ready")).json()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {"toyGreeting": "hello, acme"} and "errors" not in body
    assert ready["checks"]["toy"]["status"] == "up"
