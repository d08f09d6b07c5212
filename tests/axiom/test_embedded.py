"""The embedded servers keep their data across restarts and leave no process behind."""

import asyncio
import os

import asyncpg
import redis
from neo4j import GraphDatabase

from axiom.embedded import EmbeddedArcadeDB, EmbeddedPostgres, EmbeddedValkey


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


async def _pg(url: str, sql: str):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def test_postgres_keeps_data_across_restarts_and_stops_by_pid(tmp_path):
    server = EmbeddedPostgres(tmp_path / "pg", preferred_port=None)
    server.start()
    pid = server.process.pid
    asyncio.run(_pg(server.url, "CREATE TABLE kept AS SELECT 42 AS answer"))
    server.stop()
    assert not _alive(pid)
    server.start()
    try:
        assert asyncio.run(_pg(server.url, "SELECT answer FROM kept")) == 42
    finally:
        server.stop()


def test_valkey_keeps_data_across_restarts(tmp_path):
    server = EmbeddedValkey(tmp_path / "valkey", preferred_port=None)
    server.start()
    redis.Redis.from_url(server.url).set("kept", "yes")
    pid = server.process.pid
    server.stop()
    assert not _alive(pid)
    server.start()
    try:
        assert redis.Redis.from_url(server.url).get("kept") == b"yes"
    finally:
        server.stop()


def test_a_server_left_by_a_killed_supervisor_is_stopped_before_restart(tmp_path):
    first = EmbeddedValkey(tmp_path / "valkey", preferred_port=None)
    first.start()
    orphan_pid = first.process.pid
    first.process.process = None  # forget it, as a supervisor killed with SIGKILL would
    second = EmbeddedValkey(tmp_path / "valkey", preferred_port=None)
    second.start()
    try:
        assert not _alive(orphan_pid)
        assert redis.Redis.from_url(second.url).ping()
    finally:
        second.stop()


def test_bolt_server_answers_cypher_and_keeps_the_graph_across_restarts(tmp_path):
    server = EmbeddedArcadeDB(tmp_path / "arcade", preferred_bolt_port=None, heap="512m")
    server.start()
    auth = ("root", server.password)
    with GraphDatabase.driver(server.uri, auth=auth) as driver:
        driver.execute_query("CREATE (:Probe {name: 'kept'})", database_="axiom")
    server.stop()
    server.start()
    try:
        with GraphDatabase.driver(server.uri, auth=auth) as driver:
            records, _, _ = driver.execute_query("MATCH (p:Probe) RETURN p.name AS name", database_="axiom")
        assert [r["name"] for r in records] == ["kept"]
    finally:
        server.stop()
