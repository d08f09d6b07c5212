"""runQuery through the API against a real PostgreSQL datasource."""

import dataclasses

import pytest

from axiom.errors import QueryTimeout
from subgraphs.weaver.adapters.base import QueryRejected
from subgraphs.weaver.adapters.postgres import PostgresAdapter
from subgraphs.weaver.service.queries import QueryService
from weaver.test_app import register

RUN = """mutation($d: ID!, $sql: String!, $limit: Int) { runQuery(dataSourceId: $d, sql: $sql, limit: $limit) {
    columns { name values } rowCount truncated durationMs mode } }"""


async def test_select_returns_columns_with_their_values(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    sql = f"SELECT id, total, customer_id FROM {source_schema}.orders ORDER BY id"
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": sql})
    result = body["data"]["runQuery"]
    assert result["columns"] == [
        {"name": "id", "values": [10, 11, 12]},
        {"name": "total", "values": [50.0, 150.0, 300.0]},
        {"name": "customer_id", "values": [1, 1, 2]},
    ]
    assert (result["rowCount"], result["truncated"], result["mode"]) == (3, False, "DIRECT")


async def test_row_cap_truncates(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": "SELECT * FROM generate_series(1, 50)", "limit": 5})
    assert (body["data"]["runQuery"]["rowCount"], body["data"]["runQuery"]["truncated"]) == (5, True)
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": "SELECT 1", "limit": 100000})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_non_select_is_bad_user_input_and_changes_nothing(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    for sql in (
        f"DELETE FROM {source_schema}.orders",
        f"SELECT 1; DROP TABLE {source_schema}.orders",
        "SELECT no_such_column FROM pg_class",
    ):
        _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": sql})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", sql
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": f"SELECT count(*) AS n FROM {source_schema}.orders"})
    assert body["data"]["runQuery"]["columns"][0]["values"] == [3]


async def test_writes_hidden_in_functions_are_stopped_by_the_read_only_transaction(
    runtime, tenant_id, local_params, source_schema
):
    with pytest.raises(QueryRejected, match="read-only"):
        await PostgresAdapter().run_query(local_params, f"SELECT * FROM {source_schema}.orders FOR SHARE", 10, 5)


async def test_slow_query_times_out(gql, runtime, tenant_id, local_params, source_schema, services_settings):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    service = QueryService(dataclasses.replace(services_settings, query_timeout=0.3), runtime.datasources)
    with pytest.raises(QueryTimeout) as timeout:
        await service.run(tenant_id, record.id, "SELECT pg_sleep(5)", None)
    assert timeout.value.extensions["code"] == "TIMEOUT"


async def test_other_tenant_cannot_query_the_datasource(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    _, body = await gql(tenant_id + "-b", RUN, {"d": record.id, "sql": "SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
