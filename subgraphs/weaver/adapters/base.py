"""What every engine adapter offers, and the errors it raises (their messages never contain the password)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from subgraphs.weaver.catalog.model import DatabaseCatalog


class DataSourceUnreachable(Exception):
    """The datasource cannot be reached or refused the login; the message is the driver's reason."""


class UnsupportedEngine(Exception):
    """No adapter exists for this engine."""


class QueryRejected(Exception):
    """The datasource refused a query (syntax error, missing table, read-only violation …)."""


class QueryTimedOut(Exception):
    """The statement ran longer than the timeout and was cancelled."""


@dataclass(frozen=True)
class ConnectionParams:
    engine: str
    host: str
    port: int
    database: str
    username: str
    password: str = field(default="", repr=False)

    def scrub(self, message: str) -> str:
        """Remove the password from a driver message, should a driver ever echo it."""
        return message.replace(self.password, "***") if self.password else message


@dataclass(frozen=True)
class QueryResult:
    """A columnar result: `rows[i][j]` is row i of column j; `truncated` when the row cap cut it."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


class DataSourceAdapter(Protocol):
    async def test_connection(self, params: ConnectionParams, timeout: float) -> str:
        """Connect and return the server version; raise DataSourceUnreachable with the reason."""

    async def introspect(self, params: ConnectionParams, schemas: Sequence[str] | None) -> DatabaseCatalog:
        """Read schemas, tables, views, columns, keys and comments (only `schemas` when given)."""

    async def run_query(self, params: ConnectionParams, sql: str, limit: int, timeout: float) -> QueryResult:
        """Run one read-only statement in a read-only transaction with a timeout, at most `limit` rows."""

    async def estimate_rows(self, params: ConnectionParams, schemas: Sequence[str]) -> dict[tuple[str, str], int]:
        """The server's row estimate of each (schema, table) it has one for."""

    async def profile(self, params: ConnectionParams, statements: Sequence[str], timeout: float) -> list[Any]:
        """Run each single-row statement read-only: its row, or the exception it failed with."""
