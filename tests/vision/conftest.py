"""Vision fixtures: the demo sales data registered in a real Weaver (served on a local port), an engine on the
session's PostgreSQL, and the app over ASGI."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from axiom.database import DatabaseSettings, create_engine
from axiom.db_roles import grant_source_schema, libpq_url
from axiom.demo import DEMO_SCHEMA, load_demo_data
from subgraphs.vision.adapters.weaver_catalog import WeaverCatalog
from subgraphs.vision.app import create_app
from subgraphs.vision.jobs.worker import build_worker
from subgraphs.vision.service.loading import CUBES_FOLDER, load_cube_documents, read_cube_folder
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore
from subgraphs.weaver.app import create_app as create_weaver_app
from subgraphs.weaver.demo import demo_connection, demo_reader_connection
from subgraphs.weaver.runtime import WeaverRuntime
from tests.vision.airflow_server import serve
from tests.vision.worker_processes import own_queue_settings


@pytest.fixture(scope="session")
async def demo_data(services_settings):
    await load_demo_data(services_settings.database_url)
    return services_settings


@pytest.fixture(scope="session")
async def engine(services_settings):
    engine = create_engine(DatabaseSettings.of(services_settings), pool_size=4, max_overflow=4)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def weaver_runtime(services_settings):
    runtime = WeaverRuntime.open(services_settings)
    yield runtime
    await runtime.close()


@pytest.fixture(scope="session")
async def weaver_url(services_settings):
    """A real Weaver served on a local port: Vision asks it for datasource tables and glossary terms."""
    app = create_weaver_app(services_settings)
    async with app.router.lifespan_context(app), serve(app) as url:
        yield url + "/graphql"


@pytest.fixture
async def datasource_id(demo_data, weaver_runtime, tenant_id) -> str:
    """The demo `sales` schema registered (as the demo reader) and synced in Weaver for this test's tenant."""
    return await register_sales(weaver_runtime, demo_data, tenant_id)


async def register_sales(runtime, settings, tenant: str, name: str = "Sales source") -> str:
    record = await runtime.datasources.create(
        tenant, name=name, engine="postgresql", options={"schemas": [DEMO_SCHEMA]}, **demo_reader_connection(settings)
    )
    await runtime.catalog_sync.sync(record)
    return record.id


@pytest.fixture
async def read_catalog(weaver_url, make_token, tenant_id, datasource_id):
    """Reads this tenant's datasource tables from the served Weaver, as loadCubes does for a caller."""
    token = make_token(tenant_id, roles=("admin",))
    async with httpx.AsyncClient() as http:
        weaver = WeaverCatalog(http, weaver_url)

        async def read(wanted):
            return await weaver.tables(datasource_id, wanted, authorization=f"Bearer {token}")

        yield read


@pytest.fixture
def source_schema(demo_data, weaver_runtime, weaver_url, make_token, tenant_id):
    """Registers a schema of a test's own tables as a datasource of the test's tenant (synced by Weaver) and
    grants it to the cube builder; returns (datasource id, catalog reader) as loadCubes uses them."""

    async def register(schema: str):
        conn = await asyncpg.connect(libpq_url(demo_data.database_url))
        try:
            await grant_source_schema(conn, schema)
        finally:
            await conn.close()
        record = await weaver_runtime.datasources.create(
            tenant_id,
            name=f"source {schema}",
            engine="postgresql",
            options={"schemas": [schema]},
            **demo_connection(demo_data),
        )
        await weaver_runtime.catalog_sync.sync(record)
        token = make_token(tenant_id, roles=("admin",))

        async def read(wanted):
            async with httpx.AsyncClient() as http:
                return await WeaverCatalog(http, weaver_url).tables(record.id, wanted, authorization=f"Bearer {token}")

        return record.id, read

    return register


@pytest.fixture
async def demo_cubes(demo_data, engine, tenant_id, datasource_id, read_catalog):
    """The demo cube files stored (with built views) for this test's tenant."""
    report = await load_cube_documents(
        read_cube_folder(CUBES_FOLDER),
        tenant_id=tenant_id,
        datasource_id=datasource_id,
        read_catalog=read_catalog,
        cubes=CubeStore(engine),
        views=ViewStore(engine),
    )
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
async def client(vision_settings, weaver_url):
    async with vision_client(vision_settings.with_subgraph_urls(weaver=weaver_url)) as client:
        yield client


def graphql_caller(client, make_token):
    """POST a GraphQL operation as a tenant; returns the response body (and asserts HTTP 200)."""

    async def run(query: str, variables: dict | None = None, *, tenant: str, roles=("analyst",)) -> dict:
        token = make_token(tenant, roles=roles)
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
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
