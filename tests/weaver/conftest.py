"""Weaver fixtures: the app through its real lifespan, a runtime for store tests, and source schemas to
introspect (real tables in the test PostgreSQL, one fresh schema per test)."""

from __future__ import annotations

import uuid

import aiomysql
import asyncpg
import httpx
import pytest

from axiom.demo import load_demo_data
from subgraphs.weaver.adapters.base import ConnectionParams
from subgraphs.weaver.app import create_app
from subgraphs.weaver.demo import demo_connection
from subgraphs.weaver.runtime import WeaverRuntime
from weaver.mariadb_server import MariaDBServer

SOURCE_DDL = """
CREATE SCHEMA {s};
COMMENT ON SCHEMA {s} IS 'source schema for tests';
CREATE TABLE {s}.customers (
    id integer PRIMARY KEY,
    name text NOT NULL,
    email text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE {s}.customers IS 'People who buy';
COMMENT ON COLUMN {s}.customers.email IS 'Contact address';
CREATE TABLE {s}.orders (
    id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES {s}.customers (id),
    total numeric(12, 2),
    status text DEFAULT 'new'
);
CREATE TABLE {s}.order_lines (
    order_id integer REFERENCES {s}.orders (id),
    line_no integer,
    amount numeric(12, 2),
    PRIMARY KEY (order_id, line_no)
);
CREATE VIEW {s}.big_orders AS SELECT id, total FROM {s}.orders WHERE total > 100;
INSERT INTO {s}.customers (id, name, email) VALUES (1, 'Ada', 'ada@example.com'), (2, 'Bob', NULL), (3, 'Cy', NULL);
INSERT INTO {s}.orders (id, customer_id, total) VALUES (10, 1, 50), (11, 1, 150), (12, 2, 300);
"""


@pytest.fixture(scope="session")
async def weaver_app(services_settings):
    app = create_app(services_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def client(weaver_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=weaver_app), base_url="http://weaver") as c:
        yield c


@pytest.fixture(scope="session")
async def runtime(services_settings):
    rt = WeaverRuntime.open(services_settings)
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
async def demo_data(services_settings):
    await load_demo_data(services_settings.database_url)


@pytest.fixture
def local_params(services_settings) -> ConnectionParams:
    """Connection parameters of the test PostgreSQL itself, used as a datasource."""
    c = demo_connection(services_settings)
    return ConnectionParams(
        engine="postgresql",
        host=c["host"],
        port=c["port"],
        database=c["database"],
        username=c["username"],
        password=c["password"] or "",
    )


@pytest.fixture
async def source_schema(services_settings) -> str:
    """A fresh schema with three tables (FKs, composite PK), a view, comments and a few rows."""
    name = f"src_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(SOURCE_DDL.format(s=name))
        yield name
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await conn.close()


@pytest.fixture
def gql(client, make_token):
    """POST a GraphQL operation as a tenant; returns (status, body)."""

    async def run(tenant: str | None, query: str, variables: dict | None = None, headers: dict | None = None):
        h = dict(headers or {})
        if tenant is not None:
            h["Authorization"] = f"Bearer {make_token(tenant)}"
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=h)
        return response.status_code, response.json()

    return run


MARIADB_SETUP = """
CREATE DATABASE shop;
CREATE USER 'weaver'@'%' IDENTIFIED BY 'maria-pw';
GRANT SELECT, SHOW VIEW ON shop.* TO 'weaver'@'%';
CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL COMMENT 'Full name',
    email VARCHAR(200) NULL) COMMENT 'People who buy';
CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(12,2),
    status VARCHAR(20) DEFAULT 'new', CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
    REFERENCES shop.customers (id));
CREATE VIEW shop.big_orders AS SELECT id, total FROM shop.orders WHERE total > 100;
INSERT INTO shop.customers VALUES (1, 'Ada', 'ada@example.com'), (2, 'Bob', NULL);
INSERT INTO shop.orders VALUES (10, 1, 50, 'new'), (11, 1, 150, 'paid'), (12, 2, 300, 'paid');
ALTER TABLE shop.orders ADD COLUMN priority ENUM('urgent', 'low', 'normal') NULL;
UPDATE shop.orders SET priority = CASE id WHEN 10 THEN 'urgent' WHEN 11 THEN 'normal' END;
"""


@pytest.fixture(scope="session")
async def mariadb(tmp_path_factory):
    """A real MariaDB (Debian package) with database `shop` and a read-only user `weaver`."""
    server = MariaDBServer(tmp_path_factory.mktemp("mariadb"))
    server.start()
    try:
        conn = await aiomysql.connect(unix_socket=str(server.socket), user="root", password="", autocommit=True)
        async with conn.cursor() as cur:
            for statement in filter(str.strip, MARIADB_SETUP.split(";")):
                await cur.execute(statement)
        conn.close()
        yield ConnectionParams(
            engine="mariadb",
            host="127.0.0.1",
            port=server.port,
            database="shop",
            username="weaver",
            password="maria-pw",
        )
    finally:
        server.stop()
