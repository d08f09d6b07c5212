"""runQuery returns every value as the database holds it: one table-driven case per type, through the API,
against the real PostgreSQL (and the real MariaDB for the MySQL adapter)."""

import asyncpg
import pytest

from subgraphs.weaver.adapters.mysql import MySQLAdapter
from weaver.test_app import register

RUN = """mutation($d: ID!, $sql: String!) { runQuery(dataSourceId: $d, sql: $sql) { columns { name values } } }"""

POSTGRES_CASES = {
    "null": ("SELECT NULL::integer UNION ALL SELECT 1", [None, 1]),
    "null_of_every_kind": ("SELECT NULL::text, NULL::jsonb, NULL::int4range, NULL::interval", None),
    "interval": (
        "SELECT '1 year 2 months 3 days 04:05:06.5'::interval UNION ALL SELECT '0'::interval "
        "UNION ALL SELECT '-1 day -02:00:00'::interval UNION ALL SELECT '36 hours'::interval",
        ["P1Y2M3DT4H5M6.5S", "PT0S", "P-1DT-2H", "PT36H"],
    ),
    "timestamp": (
        "SELECT x::timestamp FROM unnest(ARRAY['2024-02-29 13:14:15.5', 'infinity', '-infinity', "
        "'10000-01-01 00:00', '0044-03-15 12:00 BC']) x",
        ["2024-02-29T13:14:15.500000", "infinity", "-infinity", "+10000-01-01T00:00:00", "-0043-03-15T12:00:00"],
    ),
    "timestamptz": (
        "SELECT x::timestamptz FROM unnest(ARRAY['2024-01-01 10:00+02', 'infinity', '-infinity']) x",
        ["2024-01-01T08:00:00+00:00", "infinity", "-infinity"],
    ),
    "date": (
        "SELECT x::date FROM unnest(ARRAY['2024-02-29', 'infinity', '-infinity']) x",
        ["2024-02-29", "infinity", "-infinity"],
    ),
    "time": ("SELECT '13:14:15'::time UNION ALL SELECT NULL", ["13:14:15", None]),
    "range": (
        "SELECT x FROM unnest(ARRAY['[1,5)'::int4range, '(,3]', 'empty']) x",
        [
            {"lower": 1, "upper": 5, "bounds": "[)", "empty": False},
            {"lower": None, "upper": 4, "bounds": "()", "empty": False},
            {"lower": None, "upper": None, "bounds": None, "empty": True},
        ],
    ),
    "timestamp_range": (
        "SELECT tsrange('2024-01-01', 'infinity', '[)')",
        [{"lower": "2024-01-01T00:00:00", "upper": "infinity", "bounds": "[)", "empty": False}],
    ),
    "numeric": (
        "SELECT x::numeric FROM unnest(ARRAY['12345678901234567890.123456789', '0.1', '50.00', 'NaN', '1e400']) x",
        ["12345678901234567890.123456789", 0.1, 50.0, "NaN", "1" + "0" * 400],
    ),
    "float": (
        "SELECT x::float8 FROM unnest(ARRAY['1.5', 'NaN', 'Infinity', '-Infinity']) x",
        [1.5, "NaN", "Infinity", "-Infinity"],
    ),
    "array": ("SELECT ARRAY[[1, 2], [3, NULL]]::int[] UNION ALL SELECT '{}'::int[]", [[[1, 2], [3, None]], []]),
    "array_of_dates": ("SELECT ARRAY['2024-01-01', 'infinity']::date[]", [["2024-01-01", "infinity"]]),
    "bytea": ("SELECT '\\x00ff10'::bytea", ["00ff10"]),
    "uuid": ("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]),
    "json": ('SELECT \'{"a": [1, null, "x"]}\'::json', [{"a": [1, None, "x"]}]),
    "jsonb": ('SELECT \'{"b": {"c": true}}\'::jsonb UNION ALL SELECT \'"text"\'::jsonb', [{"b": {"c": True}}, "text"]),
    "bit": ("SELECT B'0101'", ["0101"]),
    "composite": (
        "SELECT (1, 'a', '2024-01-01'::date)::{schema}.triple UNION ALL SELECT NULL",
        [{"n": 1, "label": "a", "day": "2024-01-01"}, None],
    ),
    "point": ("SELECT '(1.5,2)'::point", [[1.5, 2.0]]),
    "boolean": ("SELECT true UNION ALL SELECT NULL::boolean", [True, None]),
}


@pytest.mark.parametrize("case", POSTGRES_CASES)
async def test_postgres_values_round_trip(
    case, gql, runtime, tenant_id, local_params, source_schema, services_settings
):
    sql, expected = POSTGRES_CASES[case]
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"CREATE TYPE {source_schema}.triple AS (n int, label text, day date)")
    finally:
        await conn.close()
    sql = sql.replace("{schema}", source_schema)
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": sql})
    assert "errors" not in body, body
    columns = body["data"]["runQuery"]["columns"]
    if expected is None:  # every column holds one null
        assert [c["values"] for c in columns] == [[None]] * len(columns)
    else:
        assert columns[0]["values"] == expected


MARIADB_CASES = {
    "null": ("SELECT NULL UNION ALL SELECT 1", [None, 1]),
    "decimal": (
        "SELECT CAST('12345678901234567890.123456789' AS DECIMAL(38, 9)) UNION ALL "
        "SELECT CAST('50.00' AS DECIMAL(10, 2))",
        ["12345678901234567890.123456789", 50.0],
    ),
    "time_as_duration": (
        "SELECT CAST('-01:30:00' AS TIME) UNION ALL SELECT CAST('838:59:59' AS TIME)",
        ["PT-1H-30M", "PT838H59M59S"],
    ),
    "datetime": ("SELECT CAST('2024-02-29 13:14:15' AS DATETIME)", ["2024-02-29T13:14:15"]),
    "binary": ("SELECT UNHEX('00FF10')", ["00ff10"]),
    "double": ("SELECT 1.5e0", [1.5]),
}


@pytest.mark.parametrize("case", MARIADB_CASES)
async def test_mariadb_values_round_trip(case, mariadb):
    sql, expected = MARIADB_CASES[case]
    result = await MySQLAdapter().run_query(mariadb, sql, 10, 5)
    assert [row[0] for row in result.rows] == expected
