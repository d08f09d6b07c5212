"""loadCubes and deleteCube through Vision's GraphQL API, with a real Weaver answering for the caller's tenant."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from subgraphs.vision.service.loading import CUBES_FOLDER
from subgraphs.vision.store.cubes import CubeStore
from tests.vision.conftest import register_sales

SALES_XML = (CUBES_FOLDER / "sales.xml").read_text()
LOAD = """mutation($ds: ID!, $docs: [CubeDocumentInput!]!) { loadCubes(input: {dataSourceId: $ds, documents: $docs}) {
  cubes { name } userErrors { field code message line } } }"""
TEXT_SUM = """<Cube name="Texts">
  <Table schema="sales" name="orders"/>
  <Dimension name="Customer">
    <Hierarchy hasAll="true">
      <Level name="Customer" column="customer_id"/>
    </Hierarchy>
  </Dimension>
  <Measure name="Statuses" column="status" aggregator="sum"/>
</Cube>"""
DELETE = "mutation($id: ID!) { deleteCube(id: $id) { deletedId userErrors { field code message } } }"

OVER_BOOKKEEPING = """<Schema name="Leak">
  <Cube name="Hosts">
    <Table schema="weaver" name="datasources"/>
    <Dimension name="Host">
      <Hierarchy hasAll="true">
        <Level name="Host" column="host"/>
      </Hierarchy>
    </Dimension>
    <Measure name="Count" column="id" aggregator="count"/>
  </Cube>
</Schema>"""


def docs(*pairs: tuple[str, str]) -> list[dict]:
    return [{"fileName": name, "xml": xml} for name, xml in pairs]


async def load(graphql, tenant: str, datasource: str, documents: list[dict]) -> dict:
    body = await graphql(LOAD, {"ds": datasource, "docs": documents}, tenant=tenant, roles=("admin",))
    assert "errors" not in body, body
    return body["data"]["loadCubes"]


async def test_a_cube_over_axioms_own_tables_is_refused_naming_cube_element_and_line(
    graphql, engine, tenant_id, datasource_id
):
    payload = await load(graphql, tenant_id, datasource_id, docs(("leak.xml", OVER_BOOKKEEPING)))
    assert payload["cubes"] == []
    [error] = payload["userErrors"]
    assert (error["field"], error["code"], error["line"]) == ("leak.xml", "BAD_USER_INPUT", 2)
    assert error["message"] == (
        f"cube 'Hosts': <Cube> fact table weaver.datasources is not a table of datasource "
        f"{datasource_id} (as last synced by Weaver, inside its schema filter)"
    )
    assert await CubeStore(engine).list(tenant_id) == []


async def test_another_tenants_datasource_and_an_unknown_one_are_the_same_not_found(
    graphql, engine, tenant_id, datasource_id
):
    for datasource in (datasource_id, str(uuid.uuid4())):
        payload = await load(graphql, f"{tenant_id}-b", datasource, docs(("sales.xml", SALES_XML)))
        assert payload == {
            "cubes": [],
            "userErrors": [
                {
                    "field": "dataSourceId",
                    "code": "NOT_FOUND",
                    "message": f"datasource {datasource} not found",
                    "line": None,
                }
            ],
        }
    assert await CubeStore(engine).list(f"{tenant_id}-b") == []


async def test_a_batch_with_one_bad_document_stores_nothing(graphql, engine, tenant_id, datasource_id):
    typo = SALES_XML.replace('<Cube name="Sales"', '<Cube name="Typo"').replace(
        'column="quantity"', 'column="quantiti"'
    )
    payload = await load(graphql, tenant_id, datasource_id, docs(("sales.xml", SALES_XML), ("typo.xml", typo)))
    assert payload["cubes"] == []
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("typo.xml", "BAD_USER_INPUT")]
    assert "'quantiti' is not a column of sales.order_lines" in payload["userErrors"][0]["message"]
    assert await CubeStore(engine).list(tenant_id) == []


async def test_a_view_postgresql_refuses_rolls_the_whole_batch_back(graphql, engine, tenant_id, datasource_id):
    payload = await load(graphql, tenant_id, datasource_id, docs(("sales.xml", SALES_XML), ("texts.xml", TEXT_SUM)))
    assert payload["cubes"] == []
    [error] = payload["userErrors"]
    assert error["field"] == "texts.xml" and error["message"].startswith("cube 'Texts': view not built: ")
    assert "sum(text)" in error["message"]
    assert await CubeStore(engine).list(tenant_id) == []


async def test_a_good_batch_loads_and_delete_cube_drops_views_runs_and_links(
    graphql, engine, weaver_runtime, tenant_id, datasource_id
):
    payload = await load(graphql, tenant_id, datasource_id, docs(("sales.xml", SALES_XML)))
    assert payload == {"cubes": [{"name": "Sales"}], "userErrors": []}
    [cube] = await CubeStore(engine).list(tenant_id)
    term = await weaver_runtime.glossary.create(tenant_id, {"name": "Revenue"})
    link = await graphql(
        'mutation($t: ID!) { linkCubeTerm(input: {cube: "Sales", member: "Amount", termId: $t}) '
        "{ userErrors { code } } }",
        {"t": term.id},
        tenant=tenant_id,
    )
    assert link["data"]["linkCubeTerm"]["userErrors"] == []

    analyst = await graphql(DELETE, {"id": cube.id}, tenant=tenant_id)
    assert analyst["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await graphql(DELETE, {"id": cube.id}, tenant=f"{tenant_id}-b", roles=("admin",))
    assert other["data"]["deleteCube"] == {
        "deletedId": None,
        "userErrors": [{"field": "id", "code": "NOT_FOUND", "message": "cube not found"}],
    }
    body = await graphql(DELETE, {"id": "Sales"}, tenant=tenant_id, roles=("admin",))
    assert body["data"]["deleteCube"] == {"deletedId": cube.id, "userErrors": []}
    async with engine.connect() as conn:
        left = {
            table: (
                await conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE cube_id = CAST(:id AS uuid)"), {"id": cube.id}
                )
            ).scalar_one()
            for table in ("vision.refresh_runs", "vision.member_terms")
        }
        views = (
            await conn.execute(
                text("SELECT count(*) FROM pg_matviews WHERE matviewname LIKE :name"),
                {"name": cube.layout.view_name + "%"},
            )
        ).scalar_one()
    assert left == {"vision.refresh_runs": 0, "vision.member_terms": 0} and views == 0
    assert await CubeStore(engine).list(tenant_id) == []


async def test_a_second_datasource_of_the_tenant_is_accepted(graphql, demo_data, weaver_runtime, tenant_id):
    second = await register_sales(weaver_runtime, demo_data, tenant_id, name="Second")
    payload = await load(graphql, tenant_id, second, docs(("sales.xml", SALES_XML)))
    assert payload["userErrors"] == [] and payload["cubes"] == [{"name": "Sales"}]
