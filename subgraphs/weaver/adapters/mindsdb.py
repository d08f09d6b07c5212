"""MindsDB mode: datasources mirrored into MindsDB (`CREATE DATABASE … WITH ENGINE`) and queries sent to its
HTTP SQL API (`POST /api/sql/query`) as native queries, so the user's SQL reaches the datasource unchanged.

A mirror is (re)created when first needed after a change of the datasource (its `updated_at`), and dropped
with the datasource.
"""

from __future__ import annotations

import json
import logging

import httpx

from subgraphs.weaver.adapters.base import (
    ConnectionParams,
    DataSourceUnreachable,
    QueryRejected,
    QueryResult,
    QueryTimedOut,
)
from subgraphs.weaver.adapters.values import json_value

log = logging.getLogger(__name__)
_ENGINES = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mariadb"}


def mirror_name(datasource_id: str) -> str:
    return "weaver_" + datasource_id.replace("-", "")


def create_database_sql(name: str, params: ConnectionParams) -> str:
    """`CREATE DATABASE` for a mirror; parameters as a JSON object literal (MindsDB's syntax)."""
    parameters = {"host": params.host, "port": params.port, "database": params.database, "user": params.username,
                  "password": params.password}
    return f"CREATE DATABASE {name} WITH ENGINE = '{_ENGINES[params.engine]}', PARAMETERS = {json.dumps(parameters)}"


def native_query_sql(name: str, sql: str, limit: int) -> str:
    """`sql` must have passed `check_read_only`, which refuses unbalanced parentheses: it cannot close the
    native-query brackets and reach another MindsDB database."""
    return f"SELECT * FROM {name} ({sql}) LIMIT {limit + 1}"


class MindsDBClient:
    def __init__(self, url: str, timeout: float, user: str | None = None, password: str | None = None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._user = user
        self._password = password
        self._mirrored: dict[str, str] = {}  # datasource id → updated_at of the mirrored version

    async def _sql(self, client: httpx.AsyncClient, query: str) -> dict:
        response = await client.post(f"{self.url}/api/sql/query", json={"query": query})
        if response.status_code >= 500:
            raise DataSourceUnreachable(f"MindsDB answered HTTP {response.status_code}")
        body = response.json()
        if body.get("type") == "error":
            raise QueryRejected(body.get("error_message") or "MindsDB refused the query")
        return body

    def _client(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout)

    async def _login(self, client: httpx.AsyncClient) -> None:
        if self._user:
            response = await client.post(f"{self.url}/api/login",
                                         json={"username": self._user, "password": self._password or ""})
            if response.status_code != 200:
                raise DataSourceUnreachable(f"MindsDB login failed (HTTP {response.status_code})")

    async def status(self) -> None:
        async with self._client(self.timeout) as client:
            response = await client.get(f"{self.url}/api/status")
            response.raise_for_status()

    async def query(self, record, params: ConnectionParams, sql: str, limit: int, timeout: float) -> QueryResult:
        """Run `sql` on the datasource through its MindsDB mirror; at most `limit` rows."""
        name = mirror_name(record.id)
        try:
            async with self._client(min(timeout, self.timeout)) as client:
                await self._login(client)
                version = str(record.updated_at)
                if self._mirrored.get(record.id) != version:
                    await self._sql(client, f"DROP DATABASE IF EXISTS {name}")
                    await self._sql(client, create_database_sql(name, params))
                    self._mirrored[record.id] = version
                body = await self._sql(client, native_query_sql(name, sql, limit))
        except httpx.TimeoutException as exc:
            raise QueryTimedOut(f"MindsDB did not answer within {min(timeout, self.timeout):g} s") from exc
        except httpx.HTTPError as exc:
            raise DataSourceUnreachable(f"MindsDB unreachable: {type(exc).__name__}") from exc
        rows = body.get("data") or []
        return QueryResult(columns=list(body.get("column_names") or []),
                           rows=[[json_value(v) for v in r] for r in rows[:limit]], truncated=len(rows) > limit)

    async def drop_mirror(self, record) -> None:
        """Remove the datasource's mirror (best effort: a MindsDB outage must not block a delete)."""
        self._mirrored.pop(record.id, None)
        try:
            async with self._client(self.timeout) as client:
                await self._login(client)
                await self._sql(client, f"DROP DATABASE IF EXISTS {mirror_name(record.id)}")
        except (httpx.HTTPError, DataSourceUnreachable, QueryRejected) as exc:
            log.warning("could not drop the MindsDB mirror of %s: %s", record.id, type(exc).__name__)
