"""The settings the embedded development servers read: their part of `axiom.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass

from axiom.settings import Settings


@dataclass(frozen=True)
class EmbeddedSettings:
    data_dir: str  # AXIOM_DATA_DIR: the servers' files live under it
    # A server starts only for a URL that is not set (a set one points at the deployment's own server).
    database_url: str | None
    redis_url: str | None
    neo4j_uri: str | None

    @classmethod
    def of(cls, settings: Settings) -> EmbeddedSettings:
        return cls(
            data_dir=settings.data_dir,
            database_url=settings.database_url,
            redis_url=settings.redis_url,
            neo4j_uri=settings.neo4j_uri,
        )
