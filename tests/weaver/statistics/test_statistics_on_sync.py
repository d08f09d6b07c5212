"""Statistics computed by a real sync, with history, sampling of big tables, and through the API."""

import asyncpg

from weaver.test_app import register

QUERY = """query($d: ID!, $s: String!, $t: String!) { table(dataSourceId: $d, schemaName: $s, name: $t) {
    statistics { rowCount sampled sampleSize } statisticsHistory { rowCount }
    columns { name statistics { nullCount nullRatio distinctCount min max sampled } } } }"""


async def test_sync_profiles_tables_and_keeps_history(
    gql, runtime, tenant_id, local_params, source_schema, services_settings
):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    _, body = await gql(tenant_id, QUERY, {"d": record.id, "s": source_schema, "t": "customers"})
    table = body["data"]["table"]
    assert table["statistics"] == {"rowCount": 3, "sampled": False, "sampleSize": None}
    columns = {c["name"]: c["statistics"] for c in table["columns"]}
    assert columns["email"] == {
        "nullCount": 2,
        "nullRatio": 2 / 3,
        "distinctCount": 1,
        "min": "ada@example.com",
        "max": "ada@example.com",
        "sampled": False,
    }
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


async def test_big_tables_are_sampled_and_say_so(
    gql, runtime, tenant_id, local_params, source_schema, services_settings
):
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(
            f"CREATE TABLE {source_schema}.events AS SELECT g AS id, g % 7 AS kind FROM generate_series(1, 300000) g"
        )
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
    record = await runtime.datasources.create(
        tenant_id,
        name="shop",
        engine="mariadb",
        host=mariadb.host,
        port=mariadb.port,
        database=mariadb.database,
        username=mariadb.username,
        password=mariadb.password,
    )
    await runtime.catalog_sync.sync(record)
    key = f"{record.id}/shop/orders"
    [latest, *_] = (await runtime.statistics.history_of_tables(tenant_id, [key]))[key]
    assert latest.row_count == 3
    status = (await runtime.statistics.latest_of_columns(tenant_id, [f"{key}/status"]))[f"{key}/status"]
    assert (status.distinct_count, status.min_value, status.max_value) == (2, "new", "paid")
    # ENUM('urgent', 'low', 'normal') holding urgent and normal: min and max in the enum's order, not by text
    priority = (await runtime.statistics.latest_of_columns(tenant_id, [f"{key}/priority"]))[f"{key}/priority"]
    assert (priority.null_count, priority.min_value, priority.max_value) == (1, "urgent", "normal")


async def test_enum_columns_get_min_and_max_in_the_enum_order(
    gql, runtime, tenant_id, local_params, source_schema, services_settings
):
    s = source_schema
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"""
            CREATE TYPE {s}.mood AS ENUM ('sad', 'o''k\\', 'happy');
            CREATE DOMAIN {s}.known_mood AS {s}.mood NOT NULL;
            CREATE TABLE {s}.feelings (id int PRIMARY KEY, mood {s}.mood, settled {s}.known_mood);
            INSERT INTO {s}.feelings VALUES (1, 'happy', 'o''k\\'), (2, 'o''k\\', 'happy'), (3, NULL, 'happy');""")
    finally:
        await conn.close()
    record = await register(runtime, tenant_id, schemas=[s], local=local_params)
    _, body = await gql(tenant_id, QUERY, {"d": record.id, "s": s, "t": "feelings"})
    columns = {c["name"]: c["statistics"] for c in body["data"]["table"]["columns"]}
    assert (columns["mood"]["min"], columns["mood"]["max"], columns["mood"]["nullCount"]) == ("o'k\\", "happy", 1)
    assert (columns["settled"]["min"], columns["settled"]["max"]) == ("o'k\\", "happy")
