"""`runQuery`: one read-only statement against a datasource."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from subgraphs.weaver.resolvers.access import runtime, tenant
from subgraphs.weaver.types.arguments import DataSourceIdArg
from subgraphs.weaver.types.query_result import QueryMode, QueryResultSet, ResultColumn


@strawberry.type
class QueryMutations:
    @strawberry.mutation(
        description="Run one read-only statement (SELECT, WITH …) in a READ ONLY transaction with "
        "QUERY_TIMEOUT and a row cap (MAX_ROWS). Anything else is BAD_USER_INPUT; "
        "a timeout is TIMEOUT."
    )
    async def run_query(
        self,
        info: Info,
        data_source_id: DataSourceIdArg,
        sql: Annotated[str, strawberry.argument(description="The statement.")],
        limit: Annotated[
            int | None, strawberry.argument(description="Row cap, 1 to MAX_ROWS (MAX_ROWS when omitted).")
        ] = None,
        mode: Annotated[
            QueryMode, strawberry.argument(description="DIRECT (default) or through MindsDB (needs MINDSDB_URL).")
        ] = QueryMode.DIRECT,
    ) -> QueryResultSet:
        outcome = await runtime(info).query_service.run(
            tenant(info), str(data_source_id), sql, limit, via_mindsdb=mode is QueryMode.MINDSDB
        )
        result = outcome.result
        columns = [
            ResultColumn(name=name, values=[row[i] for row in result.rows]) for i, name in enumerate(result.columns)
        ]
        return QueryResultSet(
            columns=columns,
            row_count=len(result.rows),
            truncated=result.truncated,
            duration_ms=round(outcome.duration_ms, 1),
            mode=QueryMode(outcome.via),
        )
