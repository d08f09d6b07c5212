"""The settings Weaver's runtime and services read beyond the shared ones: its part of `axiom.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass

from axiom.settings import Settings


@dataclass(frozen=True)
class WeaverSettings:
    query_timeout: float  # seconds per datasource statement
    max_rows: int
    encryption_key: str  # seals datasource credentials
    neo4j_database: str | None
    mindsdb_url: str | None
    mindsdb_timeout: float
    mindsdb_user: str | None
    mindsdb_password: str | None
    idempotency_ttl_seconds: int
    rate_limit_per_minute: int

    @classmethod
    def of(cls, settings: Settings) -> WeaverSettings:
        return cls(
            query_timeout=settings.query_timeout,
            max_rows=settings.max_rows,
            encryption_key=settings.encryption_key,
            neo4j_database=settings.neo4j_database,
            mindsdb_url=settings.mindsdb_url,
            mindsdb_timeout=settings.mindsdb_timeout,
            mindsdb_user=settings.mindsdb_user,
            mindsdb_password=settings.mindsdb_password,
            idempotency_ttl_seconds=settings.idempotency_ttl_seconds,
            rate_limit_per_minute=settings.weaver_rate_limit_per_minute,
        )
