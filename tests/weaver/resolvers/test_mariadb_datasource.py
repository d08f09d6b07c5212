"""A MariaDB datasource through the API: register, test, sync into the graph, browse, query."""

CREATE = """mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) {
    dataSource { id engine port } userErrors { code } } }"""


async def test_mariadb_datasource_end_to_end(gql, tenant_id, mariadb):
    _, body = await gql(
        tenant_id,
        CREATE,
        {
            "input": {
                "name": "shop",
                "engine": "MARIADB",
                "host": mariadb.host,
                "port": mariadb.port,
                "database": mariadb.database,
                "username": mariadb.username,
                "password": mariadb.password,
            }
        },
    )
    ds = body["data"]["createDataSource"]["dataSource"]
    _, body = await gql(
        tenant_id, "mutation($id: ID!) { testConnection(id: $id) { reachable serverVersion } }", {"id": ds["id"]}
    )
    assert body["data"]["testConnection"]["reachable"]
    _, body = await gql(
        tenant_id,
        "mutation($id: ID!) { syncMetadata(id: $id) { snapshot { tableCount "
        "foreignKeyCount } userErrors { code message } } }",
        {"id": ds["id"]},
    )
    assert body["data"]["syncMetadata"]["snapshot"] == {"tableCount": 3, "foreignKeyCount": 1}, body
    query = """query($d: ID!) { table(dataSourceId: $d, schemaName: "shop", name: "orders") {
        kind columns { name dataType references { table { name } column { name } } } } }"""
    _, body = await gql(tenant_id, query, {"d": ds["id"]})
    columns = {c["name"]: c for c in body["data"]["table"]["columns"]}
    assert columns["customer_id"]["references"] == [{"table": {"name": "customers"}, "column": {"name": "id"}}]
    run = """mutation($d: ID!, $sql: String!) { runQuery(dataSourceId: $d, sql: $sql) { columns { name values } } }"""
    _, body = await gql(
        tenant_id,
        run,
        {"d": ds["id"], "sql": "SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status"},
    )
    assert body["data"]["runQuery"]["columns"] == [
        {"name": "status", "values": ["new", "paid"]},
        {"name": "n", "values": [1, 2]},
    ]
    _, body = await gql(tenant_id, run, {"d": ds["id"], "sql": "DELETE FROM orders"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
