"""Start whichever of PostgreSQL, Valkey and the Bolt server the settings do not point elsewhere."""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axiom.embedded.arcadedb import EmbeddedArcadeDB
from axiom.embedded.postgres import EmbeddedPostgres
from axiom.embedded.process import EmbeddedServerError
from axiom.embedded.server import EmbeddedServer
from axiom.embedded.settings import EmbeddedSettings
from axiom.embedded.valkey import EmbeddedValkey
from axiom.settings import Settings

log = logging.getLogger(__name__)

# The environment variable each server sets → the Settings field it fills.
_SETTING_OF = {
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "NEO4J_URI": "neo4j_uri",
    "NEO4J_USER": "neo4j_user",
    "NEO4J_PASSWORD": "neo4j_password",
    "NEO4J_DATABASE": "neo4j_database",
}


@dataclass
class EmbeddedServices:
    """The embedded servers of one data folder: `start` runs those the settings do not point elsewhere, `apply`
    returns settings pointing at them."""

    folder: Path
    preferred_ports: bool = True  # `up` prefers the usual ports; tests take any free port
    durable: bool = True
    started: list[Any] = field(default_factory=list)

    def start(self, configured: EmbeddedSettings) -> None:
        """Start a server for each of DATABASE_URL, REDIS_URL and NEO4J_URI that `configured` leaves unset."""
        wanted: list[EmbeddedServer] = []
        if not configured.database_url:
            wanted.append(
                EmbeddedPostgres(self.folder / "postgres", 5432 if self.preferred_ports else None, durable=self.durable)
            )
        if not configured.redis_url:
            wanted.append(
                EmbeddedValkey(self.folder / "valkey", 6379 if self.preferred_ports else None, durable=self.durable)
            )
        if not configured.neo4j_uri:
            wanted.append(EmbeddedArcadeDB(self.folder / "arcadedb", 7687 if self.preferred_ports else None))
        check_installed(wanted)
        try:
            self._start_all(wanted)
        except BaseException:
            self.stop()
            raise

    def _start_all(self, servers: list[Any]) -> None:
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
            server.finish_start()

    def environment(self) -> dict[str, str]:
        """Environment variables that point child processes at the started servers."""
        env: dict[str, str] = {}
        for server in self.started:
            env.update(server.environment())
        return env

    def apply(self, settings: Settings) -> Settings:
        """`settings` pointing at the started servers (the same values `environment()` hands to children)."""
        return settings.replace(**{_SETTING_OF[name]: value for name, value in self.environment().items()})

    def stop(self) -> None:
        for server in reversed(self.started):
            try:
                server.stop()
            except Exception:  # keep stopping the others
                log.exception("stopping %s failed", type(server).__name__)
        self.started.clear()


class EmbeddedServersNotInstalled(EmbeddedServerError):
    """The packages of the embedded servers are not installed (a production install, `--no-default-groups`)."""


def check_installed(servers: list[Any]) -> None:
    """Raise, naming what to do, when a server's package is missing: the production image ships none of them."""
    missing = [server for server in servers if importlib.util.find_spec(server.package) is None]
    if missing:
        packages = ", ".join(server.package for server in missing)
        variables = ", ".join(server.variable for server in missing)
        raise EmbeddedServersNotInstalled(
            f"the embedded development servers are not installed (missing: {packages}). Install them with "
            f"`uv sync --group embedded` (plain `uv sync` / `uv run` install them by default), or point "
            f"{variables} at your own servers."
        )
