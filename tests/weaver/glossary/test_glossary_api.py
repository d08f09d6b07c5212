"""Glossary through the API: terms, hierarchy, related terms, links, CSV import/export, clean-up on sync/delete."""

import asyncpg

from weaver.test_app import register

TERM_FIELDS = "id name definition synonyms status owner parent { name } children { name } relatedTerms { name }"
CREATE = f"""mutation($input: CreateGlossaryTermInput!) {{ createGlossaryTerm(input: $input) {{
    term {{ {TERM_FIELDS} }} userErrors {{ field code }} }} }}"""
LINK = """mutation($t: ID!, $x: ID!) { linkTerm(termId: $t, targetId: $x) {
    term { name columns { name } tables { name } }
    userErrors { field code } } }"""


async def create_term(gql, tenant, **values):
    _, body = await gql(tenant, CREATE, {"input": values})
    payload = body["data"]["createGlossaryTerm"]
    assert payload["userErrors"] == [], payload
    return payload["term"]


async def test_terms_form_a_hierarchy_without_cycles(gql, tenant_id):
    revenue = await create_term(
        gql,
        tenant_id,
        name="Revenue",
        definition="Money earned",
        synonyms=["Sales"],
        status="APPROVED",
        owner="finance",
    )
    net = await create_term(gql, tenant_id, name="Net revenue", parentId=revenue["id"])
    assert net["parent"] == {"name": "Revenue"}
    _, body = await gql(
        tenant_id, f"query($id: ID!) {{ glossaryTerm(id: $id) {{ {TERM_FIELDS} }} }}", {"id": revenue["id"]}
    )
    assert body["data"]["glossaryTerm"]["children"] == [{"name": "Net revenue"}]
    update = """mutation($input: UpdateGlossaryTermInput!) { updateGlossaryTerm(input: $input) {
        term { name } userErrors { field code } } }"""
    _, body = await gql(tenant_id, update, {"input": {"id": revenue["id"], "parentId": net["id"]}})
    assert body["data"]["updateGlossaryTerm"]["userErrors"] == [{"field": "parentId", "code": "CONFLICT"}]
    _, body = await gql(tenant_id, CREATE, {"input": {"name": "Revenue"}})
    assert body["data"]["createGlossaryTerm"]["userErrors"] == [{"field": "name", "code": "DUPLICATE"}]


async def test_related_terms_are_symmetric(gql, tenant_id):
    a = await create_term(gql, tenant_id, name="Customer")
    b = await create_term(gql, tenant_id, name="Client")
    relate = "mutation($a: ID!, $b: ID!) { relateTerms(termId: $a, relatedTermId: $b) { userErrors { code } } }"
    await gql(tenant_id, relate, {"a": a["id"], "b": b["id"]})
    _, body = await gql(
        tenant_id, "query($id: ID!) { glossaryTerm(id: $id) { relatedTerms { name } } }", {"id": b["id"]}
    )
    assert body["data"]["glossaryTerm"]["relatedTerms"] == [{"name": "Customer"}]


async def test_search_and_paging_of_terms(gql, tenant_id):
    for name in ("Alpha", "Beta", "Gamma"):
        await create_term(gql, tenant_id, name=name, synonyms=[f"{name.lower()}-syn"])
    query = """query($q: String, $after: String) { glossaryTerms(query: $q, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }"""
    _, body = await gql(tenant_id, query, {})
    page = body["data"]["glossaryTerms"]
    assert page["totalCount"] == 3 and [e["node"]["name"] for e in page["edges"]] == ["Alpha", "Beta"]
    _, body = await gql(tenant_id, query, {"after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["name"] for e in body["data"]["glossaryTerms"]["edges"]] == ["Gamma"]
    _, body = await gql(tenant_id, query, {"q": "BETA-S"})
    assert [e["node"]["name"] for e in body["data"]["glossaryTerms"]["edges"]] == ["Beta"]


async def test_links_to_tables_and_columns_show_on_both_sides(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    term = await create_term(gql, tenant_id, name="Order total")
    table_id = f"{record.id}/{source_schema}/orders"
    column_id = f"{table_id}/total"
    await gql(tenant_id, LINK, {"t": term["id"], "x": table_id})
    _, body = await gql(tenant_id, LINK, {"t": term["id"], "x": column_id})
    assert body["data"]["linkTerm"]["term"] == {
        "name": "Order total",
        "columns": [{"name": "total"}],
        "tables": [{"name": "orders"}],
    }
    query = """query($d: ID!, $s: String!) { table(dataSourceId: $d, schemaName: $s, name: "orders") {
        glossaryTerms { name } columns { name glossaryTerms { name } } } }"""
    _, body = await gql(tenant_id, query, {"d": record.id, "s": source_schema})
    table = body["data"]["table"]
    assert table["glossaryTerms"] == [{"name": "Order total"}]
    assert {c["name"]: c["glossaryTerms"] for c in table["columns"]}["total"] == [{"name": "Order total"}]

    unlink = "mutation($t: ID!, $x: ID!) { unlinkTerm(termId: $t, targetId: $x) { userErrors { field code } } }"
    _, body = await gql(tenant_id, unlink, {"t": term["id"], "x": table_id})
    assert body["data"]["unlinkTerm"]["userErrors"] == []
    _, body = await gql(tenant_id, unlink, {"t": term["id"], "x": table_id})
    assert body["data"]["unlinkTerm"]["userErrors"] == [{"field": "targetId", "code": "NOT_FOUND"}]


async def test_links_to_vanished_columns_go_on_sync_and_all_links_go_with_the_datasource(
    gql, runtime, tenant_id, local_params, source_schema, services_settings
):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    term = await create_term(gql, tenant_id, name="Email")
    email = f"{record.id}/{source_schema}/customers/email"
    name = f"{record.id}/{source_schema}/customers/name"
    await gql(tenant_id, LINK, {"t": term["id"], "x": email})
    await gql(tenant_id, LINK, {"t": term["id"], "x": name})
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"ALTER TABLE {source_schema}.customers DROP COLUMN email")
    finally:
        await conn.close()
    await runtime.catalog_sync.sync(record)
    links = await runtime.glossary.links_of_terms(tenant_id, [term["id"]])
    assert [link.target_key for link in links[term["id"]]] == [name]
    await runtime.datasource_service.delete(tenant_id, record.id)
    assert await runtime.glossary.links_of_terms(tenant_id, [term["id"]]) == {}


async def test_csv_import_dry_run_reports_and_apply_writes(gql, tenant_id):
    await create_term(gql, tenant_id, name="Revenue", definition="old")
    csv = (
        "name,definition,synonyms,parent,owner,status,related\n"
        "Revenue,Money earned,Sales|Turnover,,finance,APPROVED,\n"
        "Net revenue,After discounts,,Revenue,,DRAFT,Revenue\n"
    )
    mutation = """mutation($csv: String!, $dry: Boolean!) { importGlossary(csv: $csv, dryRun: $dry) {
        applied created updated unchanged changes { name action fields } userErrors { field line code } } }"""
    _, body = await gql(tenant_id, mutation, {"csv": csv, "dry": True})
    dry = body["data"]["importGlossary"]
    assert (dry["applied"], dry["created"], dry["updated"], dry["unchanged"]) == (False, 1, 1, 0)
    assert {"name": "Revenue", "action": "UPDATE", "fields": ["definition", "synonyms", "owner", "status"]} in dry[
        "changes"
    ]
    _, body = await gql(tenant_id, "{ glossaryTerms { totalCount } }")
    assert body["data"]["glossaryTerms"]["totalCount"] == 1

    _, body = await gql(tenant_id, mutation, {"csv": csv, "dry": False})
    assert body["data"]["importGlossary"]["applied"]
    _, body = await gql(tenant_id, "{ glossaryCsv }")
    exported = body["data"]["glossaryCsv"].splitlines()
    assert exported[1:] == [
        "Net revenue,After discounts,,Revenue,,DRAFT,Revenue",
        "Revenue,Money earned,Sales|Turnover,,finance,APPROVED,Net revenue",
    ]
    _, body = await gql(tenant_id, mutation, {"csv": csv, "dry": False})
    assert body["data"]["importGlossary"]["unchanged"] == 2

    _, body = await gql(tenant_id, mutation, {"csv": "name,parent\nOrphan,Nobody\n", "dry": False})
    result = body["data"]["importGlossary"]
    assert not result["applied"] and result["userErrors"] == [{"field": "parent", "line": 2, "code": "INVALID"}]


async def test_exported_csv_imports_back_unchanged_whatever_the_synonyms_hold(gql, tenant_id):
    await create_term(
        gql,
        tenant_id,
        name="Revenue",
        definition='Money "earned",\nall of it',
        synonyms=["A|B", 'say "hi"', "two\nlines", "売上"],
    )
    _, body = await gql(tenant_id, "{ glossaryCsv }")
    mutation = """mutation($csv: String!) { importGlossary(csv: $csv, dryRun: true) {
        updated unchanged userErrors { message } } }"""
    _, body = await gql(tenant_id, mutation, {"csv": body["data"]["glossaryCsv"]})
    assert body["data"]["importGlossary"] == {"updated": 0, "unchanged": 1, "userErrors": []}


async def test_csv_the_parser_refuses_is_a_user_error_naming_its_line_and_writes_nothing(gql, tenant_id):
    # The csv module refuses a field over its size limit by raising, not by a value: row 3 holds one.
    csv = "name,definition\nRevenue,Money earned\nHuge," + "x" * 200_000 + "\nCost,Money spent\n"
    mutation = """mutation($csv: String!) { importGlossary(csv: $csv, dryRun: false) {
        applied created userErrors { field line code message } } }"""
    _, body = await gql(tenant_id, mutation, {"csv": csv})
    assert "errors" not in body
    result = body["data"]["importGlossary"]
    assert not result["applied"] and result["created"] == 2  # the plan still covers the rows read
    [error] = result["userErrors"]
    assert (error["field"], error["line"], error["code"]) == ("csv", 3, "INVALID")
    assert error["message"].startswith("line 3:")
    _, body = await gql(tenant_id, "{ glossaryTerms { totalCount } }")
    assert body["data"]["glossaryTerms"]["totalCount"] == 0
