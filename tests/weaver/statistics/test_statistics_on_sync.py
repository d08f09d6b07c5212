"""Statistics computed by a real sync, with history, sampling of big tables, and through the API."""

import asyncpg

from weaver.test_app import register

QUERY = """query($d: ID!, $s: String!, $t: String!) { table(dataSourceId: $d, schemaName: $s, name: $t) {
    statistics { rowCount sampled sampleSize } statisticsHistory { rowCount }
    columns { name statistics { nullCount nullRatio distinctCount min max sampled } } } }"""


async def test_sync_profiles_tables_and_keeps_history(gql, runtime, tenant_id, local_params, source_schema,
                                                      services_settings):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    _, body = await gql(tenant_id, QUERY, {"d": record.id, "s": source_schema, "t": "customers"})
    table = body["data"]["table"]
    assert table["statistics"] == {"rowCount": 3, "sampled": False, "sampleSize": None}
    columns = {c["name"]: c["statistics"] for c in table["columns"]}
    assert columns["email"] == {"nullCount": 2, "nullRatio": 2 / 3, "distinctCount": 1,
                                "min": "ada@example.com", "max": "ada@example.com", "sampled": False}
    assert (columns["id"]["min"], columns["id"]["max"], columns["id"]["distinctCount"]) == ("1", "3", 3)

    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"INSERT INTO {source_schema}.customers (id, name) VALUES (4, 'Dee')")
    finally:
        await conn.close()
    await runtime.catalog_sync.sync(record)
    _, body = await gql(tenant_id, QUERY, {"d": record.id, "s": source_schema, "t": "customers"})
    assert body["data"]["table"]["statisticsHistory"] == [{"rowCount": 4}, {"rowCount": 3}]
    _, body = await gql(tenant_id, QUERY, {"d": record.id, "s": source_schema, "t": "big_orders"})
    assert body["data"]["table"]["statistics"] is None  # views are not profiled


async def test_big_tables_are_sampled_and_say_so(gql, runtime, tenant_id, local_params, source_schema,
                                                 services_settings):
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"CREATE TABLE {source_schema}.events AS SELECT g AS id, g % 7 AS kind "
                           f"FROM generate_series(1, 300000) g")
        await conn.execute(f"ANALYZE {source_schema}.events")
    finally:
        await conn.close()
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    _, body = await gql(tenant_id, QUERY, {"d": record.id, "s": source_schema, "t": "events"})
    stats = body["data"]["table"]["statistics"]
    assert stats["sampled"] and 250_000 < stats["rowCount"] < 350_000 and 0 < stats["sampleSize"] < 300_000
    kind = next(c for c in body["data"]["table"]["columns"] if c["name"] == "kind")["statistics"]
    assert kind["sampled"] and kind["distinctCount"] == 7


async def test_mariadb_tables_are_profiled_too(runtime, tenant_id, mariadb):
    record = await runtime.datasources.create(tenant_id, name="shop", engine="mariadb", host=mariadb.host,
                                              port=mariadb.port, database=mariadb.database,
                                              username=mariadb.username, password=mariadb.password)
    await runtime.catalog_sync.sync(record)
    key = f"{record.id}/shop/orders"
    [latest, *_] = (await runtime.statistics.history_of_tables(tenant_id, [key]))[key]
    assert latest.row_count == 3
    status = (await runtime.statistics.latest_of_columns(tenant_id, [f"{key}/status"]))[f"{key}/status"]
    assert (status.distinct_count, status.min_value, status.max_value) == (2, "new", "paid")
