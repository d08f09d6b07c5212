"""Weaver's catalog through the gateway (issue #4): every capability against a real introspected PostgreSQL
datasource (the demo `sales` schema), as a fresh tenant."""

import pytest

from subgraphs.weaver.demo import demo_connection


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def call(gateway, make_token, tenant_id):
    async def run(query: str, variables: dict | None = None, tenant: str | None = None) -> dict:
        response = await gateway.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=bearer(make_token(tenant or tenant_id)),
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture
async def sales_source(call, services_settings):
    c = demo_connection(services_settings)
    body = await call(
        """mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) {
        dataSource { id } userErrors { field code } } }""",
        {
            "input": {
                "name": "sales",
                "engine": "POSTGRESQL",
                "host": c["host"],
                "port": c["port"],
                "database": c["database"],
                "username": c["username"],
                "schemas": ["sales"],
            }
        },
    )
    ds_id = body["data"]["createDataSource"]["dataSource"]["id"]
    body = await call(
        "mutation($id: ID!) { syncMetadata(id: $id) { snapshot { id version tableCount } "
        "userErrors { code message } } }",
        {"id": ds_id},
    )
    assert body["data"]["syncMetadata"]["userErrors"] == [], body
    return {"id": ds_id, "snapshot": body["data"]["syncMetadata"]["snapshot"]}


async def test_bad_datasource_input_returns_user_errors(call):
    body = await call("""mutation { createDataSource(input: {name: "", engine: ORACLE, host: "h", database: "d",
        username: "u"}) { dataSource { id } userErrors { field code } } }""")
    assert {(e["field"], e["code"]) for e in body["data"]["createDataSource"]["userErrors"]} == {
        ("name", "REQUIRED"),
        ("engine", "UNSUPPORTED"),
    }


async def test_connection_sync_snapshots_and_graph_browsing(call, sales_source):
    ds = sales_source["id"]
    body = await call("mutation($id: ID!) { testConnection(id: $id) { reachable serverVersion } }", {"id": ds})
    assert body["data"]["testConnection"]["reachable"]
    assert sales_source["snapshot"]["version"] == 1 and sales_source["snapshot"]["tableCount"] >= 6
    body = await call(
        """query($id: ID!) { dataSource(id: $id) { schemas { name tables(first: 10) { edges { node { name
        columns { name references { table { name } column { name } } } } } } } } }""",
        {"id": ds},
    )
    assert "errors" not in body, body
    tables = {e["node"]["name"]: e["node"] for e in body["data"]["dataSource"]["schemas"][0]["tables"]["edges"]}
    product = next(c for c in tables["order_lines"]["columns"] if c["name"] == "product_id")
    assert product["references"] == [{"table": {"name": "products"}, "column": {"name": "product_id"}}]

    body = await call("mutation($id: ID!) { syncMetadata(id: $id) { snapshot { id version } } }", {"id": ds})
    second = body["data"]["syncMetadata"]["snapshot"]
    body = await call(
        "query($a: ID!, $b: ID!) { snapshotDiff(from: $a, to: $b) { tablesAdded { tableName } "
        "columnsChanged { ref { columnName } } } }",
        {"a": sales_source["snapshot"]["id"], "b": second["id"]},
    )
    assert body["data"]["snapshotDiff"] == {"tablesAdded": [], "columnsChanged": []}


async def test_search_neighbours_and_statistics(call, sales_source):
    body = await call(
        """query($d: ID!) { searchTables(query: "order", dataSourceId: $d, first: 10) {
        totalCount edges { node { name statistics { rowCount sampled } relatedTables { direction table { name } }
        columns { name statistics { nullCount distinctCount } } } } } }""",
        {"d": sales_source["id"]},
    )
    found = {e["node"]["name"]: e["node"] for e in body["data"]["searchTables"]["edges"]}
    assert {"orders", "order_lines"} <= set(found) and body["data"]["searchTables"]["totalCount"] == len(found)
    assert found["orders"]["statistics"]["rowCount"] > 0 and not found["orders"]["statistics"]["sampled"]
    assert {"direction": "INCOMING", "table": {"name": "order_lines"}} in found["orders"]["relatedTables"]
    order_id = next(c for c in found["orders"]["columns"] if c["name"] == "order_id")
    assert order_id["statistics"]["nullCount"] == 0
    assert order_id["statistics"]["distinctCount"] == found["orders"]["statistics"]["rowCount"]


async def test_glossary_links_and_csv(call, sales_source):
    body = await call("""mutation { createGlossaryTerm(input: {name: "Net amount",
        definition: "Line amount after discounts", synonyms: ["Revenue"]}) { term { id } userErrors { code } } }""")
    term = body["data"]["createGlossaryTerm"]["term"]["id"]
    column = f"{sales_source['id']}/sales/order_lines/amount"
    body = await call(
        "mutation($t: ID!, $x: ID!) { linkTerm(termId: $t, targetId: $x) { userErrors { code } } }",
        {"t": term, "x": column},
    )
    assert body["data"]["linkTerm"]["userErrors"] == []
    body = await call(
        """query($d: ID!) { table(dataSourceId: $d, schemaName: "sales", name: "order_lines") {
        columns { name glossaryTerms { name } } } }""",
        {"d": sales_source["id"]},
    )
    amount = next(c for c in body["data"]["table"]["columns"] if c["name"] == "amount")
    assert amount["glossaryTerms"] == [{"name": "Net amount"}]
    body = await call(
        """mutation($csv: String!) { importGlossary(csv: $csv, dryRun: true) { applied created
        updated } }""",
        {"csv": "name,definition\nNet amount,changed\nMargin,Profit share\n"},
    )
    assert body["data"]["importGlossary"] == {"applied": False, "created": 1, "updated": 1}
    body = await call("{ glossaryCsv }")
    assert "Net amount,Line amount after" in body["data"]["glossaryCsv"]


async def test_read_only_queries(call, sales_source):
    run = (
        "mutation($d: ID!, $sql: String!) { runQuery(dataSourceId: $d, sql: $sql, limit: 3) { columns { name "
        "values } rowCount truncated } }"
    )
    body = await call(run, {"d": sales_source["id"], "sql": "SELECT region_id FROM sales.regions ORDER BY 1"})
    result = body["data"]["runQuery"]
    assert result["rowCount"] <= 3 and result["columns"][0]["name"] == "region_id"
    body = await call(run, {"d": sales_source["id"], "sql": "DELETE FROM sales.regions"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_another_tenant_sees_none_of_it_and_delete_leaves_nothing(call, sales_source, tenant_id):
    other = tenant_id + "-other"
    body = await call("query($id: ID!) { dataSource(id: $id) { id } }", {"id": sales_source["id"]}, tenant=other)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await call('{ searchTables(query: "order") { totalCount } }', tenant=other)
    assert body["data"]["searchTables"]["totalCount"] == 0
    body = await call(
        "mutation($id: ID!) { deleteDataSource(id: $id) { deletedId userErrors { code } } }", {"id": sales_source["id"]}
    )
    assert body["data"]["deleteDataSource"]["deletedId"] == sales_source["id"]
    body = await call('{ searchTables(query: "order") { totalCount } }')
    assert body["data"]["searchTables"]["totalCount"] == 0


async def test_idempotency_key_reaches_weaver_through_the_gateway(gateway, make_token, tenant_id):
    create = """mutation($input: CreateGlossaryTermInput!) { createGlossaryTerm(input: $input) {
        term { id name } userErrors { code } } }"""
    headers = {**bearer(make_token(tenant_id)), "idempotency-key": f"key-{tenant_id}"}

    async def post(name: str) -> dict:
        response = await gateway.post(
            "/graphql", headers=headers, json={"query": create, "variables": {"input": {"name": name}}}
        )
        return response.json()

    first, retry = await post("Revenue"), await post("Revenue")
    assert first["data"]["createGlossaryTerm"]["term"] == retry["data"]["createGlossaryTerm"]["term"]
    other = await post("Margin")  # same key, different input: refused, nothing created
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    listed = await gateway.post(
        "/graphql",
        headers=bearer(make_token(tenant_id)),
        json={"query": "{ glossaryTerms(first: 10) { edges { node { name } } } }"},
    )
    edges = listed.json()["data"]["glossaryTerms"]["edges"]
    assert [edge["node"]["name"] for edge in edges] == ["Revenue"]
