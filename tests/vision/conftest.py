"""Vision fixtures: the demo sales data, an engine on the session's PostgreSQL, and the app over ASGI."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import asynccontextmanager

import httpx
import pytest

from axiom.database import create_engine
from axiom.demo import load_demo_data
from subgraphs.vision.app import create_app
from subgraphs.vision.jobs.worker import build_worker
from tests.vision.worker_processes import own_queue_settings
from subgraphs.vision.loading import CUBES_FOLDER, load_cube_documents, read_cube_folder
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore


@pytest.fixture(scope="session")
async def demo_data(services_settings):
    await load_demo_data(services_settings.database_url)
    return services_settings


@pytest.fixture(scope="session")
async def engine(services_settings):
    engine = create_engine(services_settings, pool_size=4, max_overflow=4)
    yield engine
    await engine.dispose()


@pytest.fixture
def datasource_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def demo_cubes(demo_data, engine, tenant_id, datasource_id):
    """The demo cube files stored (with built views) for this test's tenant."""
    report = await load_cube_documents(read_cube_folder(CUBES_FOLDER), tenant_id=tenant_id,
                                       datasource_id=datasource_id, cubes=CubeStore(engine), views=ViewStore(engine))
    assert not report.problems
    return report.cubes


@asynccontextmanager
async def vision_client(settings):
    """An httpx client on a Vision app built from `settings`, with its lifespan running."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://vision") as client:
            yield client


@pytest.fixture(scope="session")
def vision_settings(services_settings):
    """The session's servers, with Vision's job queue on a Redis database of its own: jobs these tests queue
    run on the workers these tests start (not on the end-to-end tests' worker process, which may be up)."""
    return own_queue_settings(services_settings, 1)


@pytest.fixture
async def client(vision_settings):
    async with vision_client(vision_settings) as client:
        yield client


def graphql_caller(client, make_token):
    """POST a GraphQL operation as a tenant; returns the response body (and asserts HTTP 200)."""

    async def run(query: str, variables: dict | None = None, *, tenant: str, roles=("analyst",)) -> dict:
        token = make_token(tenant, roles=roles)
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                     headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture
def graphql(client, make_token):
    return graphql_caller(client, make_token)


@asynccontextmanager
async def running_worker(settings):
    """A Vision worker in the test's event loop (on the session's Redis and PostgreSQL) until the block ends."""
    worker = build_worker(settings, handle_signals=False)
    await worker.queue.connect()
    task = asyncio.create_task(worker.start())
    try:
        yield worker
    finally:
        await worker.stop()
        await asyncio.wait_for(task, 10)
        await worker.queue.disconnect()


@pytest.fixture
async def worker(vision_settings):
    """One worker running jobs while the test runs (the ETL schedule off: tests ask for it themselves)."""
    async with running_worker(vision_settings.replace(etl_sync_interval=0)) as worker:
        yield worker


async def wait_until(check, timeout: float = 20.0, interval: float = 0.05):
    """Poll the async `check` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            assert value, f"condition not met within {timeout}s"
            return value
        await asyncio.sleep(interval)
