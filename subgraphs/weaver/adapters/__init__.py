"""One adapter per datasource engine: test a connection, introspect metadata, run read-only queries."""

from __future__ import annotations

from subgraphs.weaver.adapters.base import (
    ConnectionParams,
    DataSourceAdapter,
    DataSourceUnreachable,
    UnsupportedEngine,
)
from subgraphs.weaver.adapters.mysql import MySQLAdapter
from subgraphs.weaver.adapters.postgres import PostgresAdapter

POSTGRESQL = "postgresql"
MYSQL = "mysql"
MARIADB = "mariadb"
ORACLE = "oracle"
ENGINES = (POSTGRESQL, MYSQL, MARIADB, ORACLE)
DEFAULT_PORTS = {POSTGRESQL: 5432, MYSQL: 3306, MARIADB: 3306, ORACLE: 1521}


def adapter_for(engine: str) -> DataSourceAdapter:
    """The adapter of an engine; Oracle is declared but not supported yet."""
    if engine == POSTGRESQL:
        return PostgresAdapter()
    if engine in (MYSQL, MARIADB):
        return MySQLAdapter()
    raise UnsupportedEngine(f"engine '{engine}' is not supported (supported: postgresql, mysql, mariadb)")


__all__ = [
    "DEFAULT_PORTS",
    "ENGINES",
    "MARIADB",
    "MYSQL",
    "ORACLE",
    "POSTGRESQL",
    "ConnectionParams",
    "DataSourceAdapter",
    "DataSourceUnreachable",
    "UnsupportedEngine",
    "adapter_for",
]
