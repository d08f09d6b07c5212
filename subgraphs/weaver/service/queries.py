"""Read-only queries against a datasource: checked, capped, timed out; direct or through MindsDB."""

from __future__ import annotations

import time
from dataclasses import dataclass

from axiom.errors import ApiError, BadUserInput, NotFound, QueryTimeout
from subgraphs.weaver.adapters import adapter_for
from subgraphs.weaver.adapters.base import (
    DataSourceUnreachable,
    QueryRejected,
    QueryResult,
    QueryTimedOut,
    UnsupportedEngine,
)
from subgraphs.weaver.adapters.mindsdb import MirrorRefused
from subgraphs.weaver.query.sql_guard import DIALECTS, UnsafeQuery, check_read_only
from subgraphs.weaver.settings import WeaverSettings
from subgraphs.weaver.store.datasources import DataSourceStore

UNREACHABLE = "DATASOURCE_UNREACHABLE"


@dataclass(frozen=True)
class QueryOutcome:
    result: QueryResult
    duration_ms: float
    via: str


class QueryService:
    def __init__(self, settings: WeaverSettings, datasources: DataSourceStore, mindsdb=None):
        self.settings = settings
        self.datasources = datasources
        self.mindsdb = mindsdb  # a MindsDBClient when MINDSDB_URL is set

    def _limit(self, limit: int | None) -> int:
        cap = self.settings.max_rows
        if limit is None:
            return cap
        if not 1 <= limit <= cap:
            raise BadUserInput(f"limit must be between 1 and {cap}", field="limit")
        return limit

    async def run(
        self, tenant_id: str, datasource_id: str, sql: str, limit: int | None, via_mindsdb: bool = False
    ) -> QueryOutcome:
        row_cap = self._limit(limit)
        record = await self.datasources.get(tenant_id, datasource_id)
        if record is None:
            raise NotFound("datasource not found", field="dataSourceId")
        try:
            # The datasource's dialect; MindsDB mode is strict: no read-only transaction stands behind it.
            statement = check_read_only(sql, DIALECTS.get(record.engine, "postgres"), strict=via_mindsdb)
        except UnsafeQuery as exc:
            raise BadUserInput(str(exc), field="sql") from None
        started = time.perf_counter()
        try:
            if via_mindsdb:
                if self.mindsdb is None:
                    raise BadUserInput("MindsDB mode needs MINDSDB_URL", field="mode")
                params = await self.datasources.connection_params(record)
                result = await self.mindsdb.query(record, params, statement, row_cap, self.settings.query_timeout)
                via = "MINDSDB"
            else:
                params = await self.datasources.connection_params(record)
                result = await adapter_for(record.engine).run_query(
                    params, statement, row_cap, self.settings.query_timeout
                )
                via = "DIRECT"
        except QueryTimedOut as exc:
            raise QueryTimeout(str(exc)) from None
        except QueryRejected as exc:
            raise BadUserInput(f"the datasource refused the query: {exc}", field="sql") from None
        except DataSourceUnreachable as exc:
            raise ApiError(f"datasource unreachable: {exc}", code=UNREACHABLE) from None
        except (UnsupportedEngine, MirrorRefused) as exc:
            raise BadUserInput(str(exc), field="dataSourceId") from None
        return QueryOutcome(result, (time.perf_counter() - started) * 1000, via)
