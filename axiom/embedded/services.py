"""Start whichever of PostgreSQL, Valkey and the Bolt server the settings do not point elsewhere."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from axiom.embedded.arcadedb import DATABASE as GRAPH_DATABASE, USER as GRAPH_USER, EmbeddedArcadeDB
from axiom.embedded.postgres import EmbeddedPostgres
from axiom.embedded.valkey import EmbeddedValkey
from axiom.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class EmbeddedServices:
    """The embedded servers of one data folder. `apply` returns settings pointing at them."""

    folder: Path
    preferred_ports: bool = True  # `up` prefers the usual ports; tests take any free port
    durable: bool = True
    started: list = field(default_factory=list)

    def start(self, settings: Settings) -> Settings:
        wanted = []
        if not settings.database_url:
            wanted.append(EmbeddedPostgres(self.folder / "postgres", 5432 if self.preferred_ports else None,
                                           durable=self.durable))
        if not settings.redis_url:
            wanted.append(EmbeddedValkey(self.folder / "valkey", 6379 if self.preferred_ports else None,
                                         durable=self.durable))
        if not settings.neo4j_uri:
            wanted.append(EmbeddedArcadeDB(self.folder / "arcadedb", 7687 if self.preferred_ports else None))
        try:
            self._start_all(wanted)
        except BaseException:
            self.stop()
            raise
        return self.apply(settings)

    def _start_all(self, servers: list) -> None:
        # Each start() forks then waits; forking must stay on this thread (see process.py), so start them in
        # sequence but begin with the slowest (Java) and let the others come up while it warms.
        arcade = [s for s in servers if isinstance(s, EmbeddedArcadeDB)]
        others = [s for s in servers if not isinstance(s, EmbeddedArcadeDB)]
        for server in arcade:
            server.launch()
            self.started.append(server)
        for server in others:
            server.start()
            self.started.append(server)
        for server in arcade:
            server.wait_ready()

    def apply(self, settings: Settings) -> Settings:
        changes = {}
        for server in self.started:
            if isinstance(server, EmbeddedPostgres):
                changes["database_url"] = server.url
            elif isinstance(server, EmbeddedValkey):
                changes["redis_url"] = server.url
            elif isinstance(server, EmbeddedArcadeDB):
                changes.update(neo4j_uri=server.uri, neo4j_user=GRAPH_USER, neo4j_password=server.password,
                               neo4j_database=GRAPH_DATABASE)
        return settings.replace(**changes)

    def environment(self) -> dict[str, str]:
        """Environment variables that point child processes at the started servers."""
        env = {}
        for server in self.started:
            if isinstance(server, EmbeddedPostgres):
                env["DATABASE_URL"] = server.url
            elif isinstance(server, EmbeddedValkey):
                env["REDIS_URL"] = server.url
            elif isinstance(server, EmbeddedArcadeDB):
                env.update(NEO4J_URI=server.uri, NEO4J_USER=GRAPH_USER, NEO4J_PASSWORD=server.password,
                           NEO4J_DATABASE=GRAPH_DATABASE)
        return env

    def stop(self) -> None:
        for server in reversed(self.started):
            try:
                server.stop()
            except Exception:  # keep stopping the others
                log.exception("stopping %s failed", type(server).__name__)
        self.started.clear()
