"""MindsDB mode: datasources mirrored into MindsDB (`CREATE DATABASE … WITH ENGINE`) and queries sent to its
HTTP SQL API (`POST /api/sql/query`) as native queries, so the user's SQL reaches the datasource unchanged.

Every Weaver process shares the mirrors, so their state lives in MindsDB itself, never in one process: a
mirror's name carries the datasource's version (a digest of its `updated_at`), so a mirror never changes once
made. A process that has not used a version yet lists MindsDB's databases (`SHOW DATABASES`): it creates the
mirror only when it is absent (losing a creation race to another process is fine), and drops the datasource's
older versions. No process ever drops a mirror another one is using for the current version.
"""

from __future__ import annotations

import hashlib
import logging
import re

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
_CANNOT_CONNECT = "Can't connect to db"  # how MindsDB 26 begins an error of the integration's connection


def mirror_prefix(datasource_id: str) -> str:
    """Every mirror of the datasource starts with this (mirrors made before versioned names: exactly this)."""
    return "weaver_" + datasource_id.replace("-", "")


def mirror_name(datasource_id: str, version: str) -> str:
    """The mirror of one version of the datasource (`version`: its `updated_at` as text)."""
    return f"{mirror_prefix(datasource_id)}_{hashlib.sha256(version.encode()).hexdigest()[:12]}"


def _mirrors_of(datasource_id: str, databases: set[str]) -> set[str]:
    prefix = mirror_prefix(datasource_id)
    return {name for name in databases if name == prefix or name.startswith(prefix + "_")}


# MindsDB's parser reads a double-quoted string by turning `\"` and `\'` into quotes and `""` into `"`; it never
# unescapes a backslash. So a backslash before a quote or at the end cannot be written at all, and JSON's
# escapes (`\\`, `\n`, `\u00e9`) would arrive as typed: strings are written raw, quotes doubled.
_UNWRITABLE = re.compile(r"""\\(?=["']|\Z)""")


class MirrorRefused(ValueError):
    """The datasource's connection details cannot be written in MindsDB's `CREATE DATABASE`."""


def _mindsdb_string(field: str, value: str) -> str:
    if _UNWRITABLE.search(value):
        raise MirrorRefused(f"MindsDB cannot take a {field} with a backslash before a quote or at its end")
    return '"' + value.replace('"', '""') + '"'


def create_database_sql(name: str, params: ConnectionParams) -> str:
    """`CREATE DATABASE` for a mirror; parameters as MindsDB's JSON-like object literal."""
    fields = {"host": params.host, "database": params.database, "user": params.username}
    if params.password:
        fields["password"] = params.password
    parameters = [f'"port": {int(params.port)}'] + [
        f'"{key}": {_mindsdb_string(key, value)}' for key, value in fields.items()
    ]
    return f"CREATE DATABASE {name} WITH ENGINE = '{_ENGINES[params.engine]}', PARAMETERS = {{{', '.join(parameters)}}}"


def native_query_sql(name: str, sql: str, limit: int) -> str:
    """`sql` must be what `check_read_only(…, strict=True)` returned: sqlglot's rendering of one checked SELECT,
    whose brackets balance outside plain literals, so it cannot close the native-query brackets and reach
    another MindsDB database."""
    return f"SELECT * FROM {name} ({sql}) LIMIT {limit + 1}"


class MindsDBClient:
    def __init__(self, url: str, timeout: float, user: str | None = None, password: str | None = None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._user = user
        self._password = password
        # Mirror names this process has seen in MindsDB: a name is one version, so it never goes stale (a mirror
        # MindsDB lost is noticed when a query fails, see `_query_mirror`).
        self._known_mirrors: set[str] = set()

    async def _sql(self, client: httpx.AsyncClient, query: str) -> dict:
        response = await client.post(f"{self.url}/api/sql/query", json={"query": query})
        if response.status_code in (401, 403):
            # MindsDB with a login answers 401 without one: never read that as an empty result.
            raise DataSourceUnreachable("MindsDB refused Weaver's login (MINDSDB_USER, MINDSDB_PASSWORD)")
        if response.status_code != 200:
            raise DataSourceUnreachable(f"MindsDB answered HTTP {response.status_code}")
        body = response.json()
        kind = body.get("type")
        if kind == "error":
            message = str(body.get("error_message") or "MindsDB refused the query")
            if message.startswith(_CANNOT_CONNECT):  # the datasource, not the query: as in DIRECT mode
                raise DataSourceUnreachable(message)
            raise QueryRejected(message)
        if kind not in ("table", "ok"):
            raise DataSourceUnreachable(f"MindsDB answered an unknown result type {str(kind)[:40]!r}")
        return body

    def _client(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout)

    async def _login(self, client: httpx.AsyncClient) -> None:
        if self._user:
            response = await client.post(
                f"{self.url}/api/login", json={"username": self._user, "password": self._password or ""}
            )
            if response.status_code != 200:
                raise DataSourceUnreachable(f"MindsDB login failed (HTTP {response.status_code})")

    async def status(self) -> None:
        """Raise unless MindsDB answers and lets Weaver in: its status page answers without a login and says
        whether one is required (`auth.http_auth_enabled`) and whether this client has it (`auth.confirmed`)."""
        async with self._client(self.timeout) as client:
            await self._login(client)
            response = await client.get(f"{self.url}/api/status")
            response.raise_for_status()
            auth = response.json().get("auth") or {}
            if auth.get("http_auth_enabled") and not auth.get("confirmed"):
                raise DataSourceUnreachable("MindsDB requires a login (MINDSDB_USER, MINDSDB_PASSWORD)")

    async def _databases(self, client: httpx.AsyncClient) -> set[str]:
        body = await self._sql(client, "SHOW DATABASES")
        return {str(row[0]) for row in body.get("data") or () if row}

    async def _ensure_mirror(self, client: httpx.AsyncClient, record, params: ConnectionParams, name: str) -> None:
        """Create the mirror unless MindsDB has it; drop the datasource's other (older) versions."""
        databases = await self._databases(client)
        if name not in databases:
            try:
                await self._sql(client, create_database_sql(name, params))
            except QueryRejected:
                # Another Weaver process may have created it meanwhile: then it is there now.
                if name not in await self._databases(client):
                    raise
        for stale in sorted(_mirrors_of(record.id, databases) - {name}):
            await self._sql(client, f"DROP DATABASE IF EXISTS {stale}")
        self._known_mirrors.add(name)

    async def _query_mirror(
        self, client: httpx.AsyncClient, record, params: ConnectionParams, name: str, statement: str
    ) -> dict:
        if name not in self._known_mirrors:
            await self._ensure_mirror(client, record, params, name)
            return await self._sql(client, statement)
        try:
            return await self._sql(client, statement)
        except QueryRejected:
            if name in await self._databases(client):
                raise  # the query's own fault
            # The mirror went away (MindsDB lost it): make it again, once.
            self._known_mirrors.discard(name)
            await self._ensure_mirror(client, record, params, name)
            return await self._sql(client, statement)

    async def query(self, record, params: ConnectionParams, sql: str, limit: int, timeout: float) -> QueryResult:
        """Run `sql` on the datasource through its MindsDB mirror; at most `limit` rows."""
        name = mirror_name(record.id, str(record.updated_at))
        try:
            async with self._client(min(timeout, self.timeout)) as client:
                await self._login(client)
                body = await self._query_mirror(client, record, params, name, native_query_sql(name, sql, limit))
        except httpx.TimeoutException as exc:
            raise QueryTimedOut(f"MindsDB did not answer within {min(timeout, self.timeout):g} s") from exc
        except httpx.HTTPError as exc:
            raise DataSourceUnreachable(f"MindsDB unreachable: {type(exc).__name__}") from exc
        except (QueryRejected, DataSourceUnreachable) as exc:  # MindsDB passes on the driver's words
            raise type(exc)(params.scrub(str(exc))) from None
        rows = body.get("data") or []
        return QueryResult(
            columns=list(body.get("column_names") or []),
            rows=[[json_value(v) for v in r] for r in rows[:limit]],
            truncated=len(rows) > limit,
        )

    async def drop_mirror(self, record) -> None:
        """Remove every mirror of the datasource (best effort: a MindsDB outage must not block a delete)."""
        try:
            async with self._client(self.timeout) as client:
                await self._login(client)
                for name in sorted(_mirrors_of(record.id, await self._databases(client))):
                    self._known_mirrors.discard(name)
                    await self._sql(client, f"DROP DATABASE IF EXISTS {name}")
        except (httpx.HTTPError, DataSourceUnreachable, QueryRejected) as exc:
            log.warning("could not drop the MindsDB mirror of %s: %s", record.id, type(exc).__name__)
