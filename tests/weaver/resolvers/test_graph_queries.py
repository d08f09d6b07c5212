"""Schema-graph queries through the API: references, FK neighbours and paths, search with paging."""

from subgraphs.weaver.catalog.model import ColumnMeta, DatabaseCatalog, ForeignKeyMeta, SchemaMeta, TableMeta
from weaver.test_app import register

COLUMNS = """query($id: ID!, $s: String!) { dataSource(id: $id) { table(schemaName: $s, name: "order_lines") {
    columns { name references { constraintName column { name } table { name } }
              referencePaths(maxDepth: 3) { length columns { name table { name } } } }
    relatedTables { direction constraintName table { name } columns otherColumns } } } }"""


async def test_column_references_and_paths_follow_foreign_keys(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    _, body = await gql(tenant_id, COLUMNS, {"id": record.id, "s": source_schema})
    assert "errors" not in body, body
    table = body["data"]["dataSource"]["table"]
    order_id = next(c for c in table["columns"] if c["name"] == "order_id")
    assert order_id["references"] == [
        {"constraintName": "order_lines_order_id_fkey", "column": {"name": "id"}, "table": {"name": "orders"}}
    ]
    assert order_id["referencePaths"] == [{"length": 1, "columns": [{"name": "id", "table": {"name": "orders"}}]}]
    assert table["relatedTables"] == [
        {
            "direction": "OUTGOING",
            "constraintName": "order_lines_order_id_fkey",
            "table": {"name": "orders"},
            "columns": ["order_id"],
            "otherColumns": ["id"],
        }
    ]


async def test_related_tables_lists_both_directions(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    query = """query($d: ID!, $s: String!) { table(dataSourceId: $d, schemaName: $s, name: "orders") {
        relatedTables { direction table { name } }
        columns { name referencedBy { column { name table { name } } } } } }"""
    _, body = await gql(tenant_id, query, {"d": record.id, "s": source_schema})
    table = body["data"]["table"]
    assert table["relatedTables"] == [
        {"direction": "OUTGOING", "table": {"name": "customers"}},
        {"direction": "INCOMING", "table": {"name": "order_lines"}},
    ]
    id_column = next(c for c in table["columns"] if c["name"] == "id")
    assert id_column["referencedBy"] == [{"column": {"name": "order_id", "table": {"name": "order_lines"}}}]


def subtype_chain() -> DatabaseCatalog:
    """a.k -> b.k -> c.k -> d.k: each table extends the next one (1:1), so FK chains have several hops."""
    names = ["a", "b", "c", "d"]
    tables = []
    for i, name in enumerate(names):
        fks = (ForeignKeyMeta(f"{name}_k_fk", ("k",), "s", names[i + 1], ("k",)),) if i < 3 else ()
        tables.append(
            TableMeta(name, columns=(ColumnMeta("k", "integer", False, 1, is_primary_key=True),), foreign_keys=fks)
        )
    return DatabaseCatalog(schemas=(SchemaMeta("s", tables=tuple(tables)),))


async def test_fk_chains_of_several_hops_are_found(gql, runtime, tenant_id):
    record = await runtime.datasources.create(
        tenant_id, name="chain", engine="postgresql", host="h", port=1, database="d", username="u"
    )
    await runtime.graph.replace_catalog(tenant_id, record.id, "chain", subtype_chain())
    query = """query($d: ID!, $n: Int!) { table(dataSourceId: $d, schemaName: "s", name: "a") {
        columns { referencePaths(maxDepth: $n) { length columns { table { name } } } } } }"""
    _, body = await gql(tenant_id, query, {"d": record.id, "n": 3})
    [column] = body["data"]["table"]["columns"]
    assert [[c["table"]["name"] for c in p["columns"]] for p in column["referencePaths"]] == [
        ["b"],
        ["b", "c"],
        ["b", "c", "d"],
    ]
    _, body = await gql(tenant_id, query, {"d": record.id, "n": 2})
    assert [p["length"] for p in body["data"]["table"]["columns"][0]["referencePaths"]] == [1, 2]
    _, body = await gql(tenant_id, query, {"d": record.id, "n": 4})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_search_tables_pages_and_stays_inside_the_tenant(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    query = """query($q: String!, $d: ID, $after: String) { searchTables(query: $q, dataSourceId: $d, first: 1,
        after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { name schemaName } } } }"""
    _, body = await gql(tenant_id, query, {"q": "ORDER", "d": record.id})
    page = body["data"]["searchTables"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    names = [page["edges"][0]["node"]["name"]]
    while page["pageInfo"]["hasNextPage"]:
        _, body = await gql(tenant_id, query, {"q": "ORDER", "d": record.id, "after": page["pageInfo"]["endCursor"]})
        page = body["data"]["searchTables"]
        names += [e["node"]["name"] for e in page["edges"]]
    assert names == ["big_orders", "order_lines", "orders"]
    _, body = await gql(tenant_id, query, {"q": "people who"})
    assert [e["node"]["name"] for e in body["data"]["searchTables"]["edges"]] == ["customers"]
    _, body = await gql(tenant_id + "-b", query, {"q": "order"})
    assert body["data"]["searchTables"]["totalCount"] == 0
