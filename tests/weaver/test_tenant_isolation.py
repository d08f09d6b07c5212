"""The tenant isolation matrix: tenant B gets NOT_FOUND (never FORBIDDEN) or null for every object of tenant A,
by id, in lists, in search, in entity resolution, and cannot change or link to them."""

import pytest

from weaver.test_app import register


@pytest.fixture
async def tenant_a_objects(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    snapshot = (await runtime.snapshots.list_for(tenant_id, [record.id]))[record.id][0]
    term = await runtime.glossary.create(tenant_id, {"name": "Secret term"})
    table_id = f"{record.id}/{source_schema}/orders"
    await runtime.glossary.link(tenant_id, term.id, record.id, "TABLE", table_id)
    return {
        "ds": record.id,
        "snapshot": snapshot.id,
        "term": term.id,
        "table": table_id,
        "column": f"{table_id}/total",
        "schema": source_schema,
    }


NOT_FOUND_QUERIES = [
    ("query($ds: ID!) { dataSource(id: $ds) { id } }", "dataSource"),
    ("query($snapshot: ID!) { snapshot(id: $snapshot) { id } }", "snapshot"),
    (
        "query($snapshot: ID!) { snapshotDiff(from: $snapshot, to: $snapshot) { tablesAdded { tableName } } }",
        "snapshotDiff",
    ),
    ("query($term: ID!) { glossaryTerm(id: $term) { id } }", "glossaryTerm"),
    ('mutation($ds: ID!) { runQuery(dataSourceId: $ds, sql: "SELECT 1") { rowCount } }', "runQuery"),
]

USER_ERROR_MUTATIONS = [
    'mutation($ds: ID!) { updateDataSource(input: {id: $ds, name: "x"}) { userErrors { field code } } }',
    "mutation($ds: ID!) { deleteDataSource(id: $ds) { userErrors { field code } } }",
    "mutation($ds: ID!) { syncMetadata(id: $ds) { userErrors { field code } } }",
    "mutation($ds: ID!) { testConnection(id: $ds) { userErrors { field code } } }",
    'mutation($term: ID!) { updateGlossaryTerm(input: {id: $term, name: "x"}) { userErrors { field code } } }',
    "mutation($term: ID!) { deleteGlossaryTerm(id: $term) { userErrors { field code } } }",
    "mutation($term: ID!, $table: ID!) { linkTerm(termId: $term, targetId: $table) { userErrors { field code } } }",
    "mutation($term: ID!, $table: ID!) { unlinkTerm(termId: $term, targetId: $table) { userErrors { field code } } }",
    "mutation($term: ID!) { relateTerms(termId: $term, relatedTermId: $term) { userErrors { field code } } }",
    "mutation($term: ID!) { unrelateTerms(termId: $term, relatedTermId: $term) { userErrors { field code } } }",
    'mutation($term: ID!) { createGlossaryTerm(input: {name: "Child", parentId: $term}) '
    "{ userErrors { field code } } }",
]


async def test_objects_by_id_are_not_found_for_another_tenant(gql, tenant_id, tenant_a_objects):
    for query, field in NOT_FOUND_QUERIES:
        _, body = await gql(tenant_id + "-b", query, tenant_a_objects)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", field
        _, own = await gql(tenant_id, query, tenant_a_objects)
        assert "errors" not in own, (field, own)


async def test_mutations_on_another_tenants_objects_report_not_found(gql, tenant_id, tenant_a_objects):
    for mutation in USER_ERROR_MUTATIONS:
        _, body = await gql(tenant_id + "-b", mutation, tenant_a_objects)
        [payload] = body["data"].values()
        assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"], mutation


async def test_tenant_b_cannot_link_its_term_to_tenant_a_tables_or_columns(gql, runtime, tenant_id, tenant_a_objects):
    own_term = await runtime.glossary.create(tenant_id + "-b", {"name": "Mine"})
    link = "mutation($t: ID!, $x: ID!) { linkTerm(termId: $t, targetId: $x) { userErrors { field code } } }"
    for target in (tenant_a_objects["table"], tenant_a_objects["column"]):
        _, body = await gql(tenant_id + "-b", link, {"t": own_term.id, "x": target})
        assert body["data"]["linkTerm"]["userErrors"] == [{"field": "targetId", "code": "NOT_FOUND"}]
    for mutation in ("relateTerms", "unrelateTerms"):
        _, body = await gql(
            tenant_id + "-b",
            f"mutation($t: ID!, $r: ID!) {{ {mutation}(termId: $t, relatedTermId: $r) {{ userErrors {{ code }} }} }}",
            {"t": own_term.id, "r": tenant_a_objects["term"]},
        )
        assert [e["code"] for e in body["data"][mutation]["userErrors"]] == ["NOT_FOUND"], (mutation, body)


async def test_lists_search_and_tables_show_nothing_of_another_tenant(gql, tenant_id, tenant_a_objects):
    other = tenant_id + "-b"
    _, body = await gql(
        other,
        "{ dataSources { totalCount } glossaryTerms { totalCount } "
        'searchTables(query: "") { totalCount } glossaryCsv }',
    )
    assert body["data"]["dataSources"]["totalCount"] == 0
    assert body["data"]["glossaryTerms"]["totalCount"] == 0
    assert body["data"]["searchTables"]["totalCount"] == 0
    assert body["data"]["glossaryCsv"].splitlines()[1:] == []
    _, body = await gql(
        other,
        'query($ds: ID!, $schema: String!) { table(dataSourceId: $ds, schemaName: $schema, name: "orders") { id } }',
        tenant_a_objects,
    )
    assert body["data"]["table"] is None


async def test_entities_of_another_tenant_resolve_to_null(gql, tenant_id, tenant_a_objects):
    o = tenant_a_objects
    representations = [
        {"__typename": "DataSource", "id": o["ds"]},
        {"__typename": "Table", "dataSourceId": o["ds"], "schemaName": o["schema"], "name": "orders"},
        {"__typename": "GlossaryTerm", "id": o["term"]},
        {"__typename": "Column", "id": o["column"]},
    ]
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on DataSource { id }
        ... on Table { id } ... on GlossaryTerm { id } ... on Column { id } } }"""
    _, body = await gql(tenant_id + "-b", query, {"r": representations})
    assert body["data"]["_entities"] == [None, None, None, None]
    _, body = await gql(tenant_id, query, {"r": representations})
    assert body["data"]["_entities"] == [{"id": o["ds"]}, {"id": o["table"]}, {"id": o["term"]}, {"id": o["column"]}]
