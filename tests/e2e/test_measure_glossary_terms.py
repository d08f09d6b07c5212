"""Cube members linked to Weaver's glossary: the term resolves across subgraphs, and its synonyms reach the
NL→pivot prompt. Terms are created through the gateway with Weaver's own mutation."""

from __future__ import annotations

import uuid

import orjson

from axiom.demo import DEMO_TENANT
from subgraphs.weaver.demo import demo_reader_connection
from tests.vision.airflow_server import serve
from tests.vision.conftest import graphql_caller, vision_client
from tests.vision.openai_server import FakeOpenAI

CREATE_TERM = """mutation($input: CreateGlossaryTermInput!) {
  createGlossaryTerm(input: $input) { term { id } userErrors { field message } } }"""
LINK = """mutation($input: LinkCubeTermInput!) {
  linkCubeTerm(input: $input) { cube { name } userErrors { field message code } } }"""
MEASURE_TERMS = "{ cubes { name measures { name glossaryTerm { name definition } } } }"


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


async def call(gateway, token: str, query: str, variables: dict | None = None) -> dict:
    response = await gateway.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def create_term(gateway, token: str, name: str, definition: str, synonyms: list[str]) -> str:
    data = await call(
        gateway, token, CREATE_TERM, {"input": {"name": name, "definition": definition, "synonyms": synonyms}}
    )
    assert data["createGlossaryTerm"]["userErrors"] == []
    return data["createGlossaryTerm"]["term"]["id"]


async def link(gateway, token: str, member: str, term_id: str) -> None:
    data = await call(gateway, token, LINK, {"input": {"cube": "Sales", "member": member, "termId": term_id}})
    assert data["linkCubeTerm"]["userErrors"] == []


async def test_a_measure_shows_its_weaver_glossary_term_through_the_gateway(gateway, make_token):
    token = make_token(DEMO_TENANT)
    name = f"Net revenue {uuid.uuid4().hex[:6]}"
    term_id = await create_term(gateway, token, name, "Order line amounts after discounts.", ["turnover"])
    await link(gateway, token, "Amount", term_id)

    data = await call(gateway, token, MEASURE_TERMS)
    sales = next(cube for cube in data["cubes"] if cube["name"] == "Sales")
    measures = {m["name"]: m["glossaryTerm"] for m in sales["measures"]}
    assert measures["Amount"] == {"name": name, "definition": "Order line amounts after discounts."}
    assert measures["Quantity"] is None


async def register_sales(gateway, token: str, settings) -> str:
    """The demo `sales` schema registered and synced as the caller's own datasource, through the gateway."""
    connection = demo_reader_connection(settings)
    created = await call(
        gateway,
        token,
        """mutation($input: CreateDataSourceInput!) {
        createDataSource(input: $input) { dataSource { id } userErrors { message } } }""",
        {
            "input": {
                **connection,
                "name": f"sales {uuid.uuid4().hex[:6]}",
                "engine": "POSTGRESQL",
                "schemas": ["sales"],
            }
        },
    )
    datasource_id = created["createDataSource"]["dataSource"]["id"]
    synced = await call(
        gateway, token, "mutation($id: ID!) { syncMetadata(id: $id) { userErrors { message } } }", {"id": datasource_id}
    )
    assert synced["syncMetadata"]["userErrors"] == []
    return datasource_id


async def test_a_term_of_the_glossary_is_invisible_to_another_tenant(gateway, make_token, tenant_id, services_settings):
    # The other tenant's own cube cannot be linked to the demo tenant's term: it is not found, as for any unknown id.
    demo = make_token(DEMO_TENANT)
    term_id = await create_term(gateway, demo, f"Secret {uuid.uuid4().hex[:6]}", "Demo only.", [])
    other = make_token(tenant_id, roles=("admin",))
    datasource_id = await register_sales(gateway, other, services_settings)
    xml = (await call(gateway, demo, '{ cube(name: "Sales") { definitionXml } }'))["cube"]["definitionXml"]
    loaded = await call(
        gateway,
        other,
        """mutation($input: LoadCubesInput!) {
        loadCubes(input: $input) { cubes { name } userErrors { message } } }""",
        {"input": {"dataSourceId": datasource_id, "documents": [{"fileName": "sales.xml", "xml": xml}]}},
    )
    assert loaded["loadCubes"]["userErrors"] == []
    data = await call(gateway, other, LINK, {"input": {"cube": "Sales", "member": "Amount", "termId": term_id}})
    assert data["linkCubeTerm"]["userErrors"] == [
        {"field": "termId", "message": "glossary term not found", "code": "NOT_FOUND"}
    ]
    response = await gateway.post("/graphql", json={"query": MEASURE_TERMS}, headers=bearer(other))
    [sales] = response.json()["data"]["cubes"]
    assert all(m["glossaryTerm"] is None for m in sales["measures"])
    assert "Demo only." not in response.text


async def test_glossary_synonyms_of_linked_members_reach_the_language_model(
    system, gateway, make_token, services_settings
):
    token = make_token(DEMO_TENANT)
    suffix = uuid.uuid4().hex[:6]
    revenue = await create_term(
        gateway, token, f"Revenue {suffix}", "Money from order lines.", [f"takings-{suffix}", f"gross sales-{suffix}"]
    )
    territory = await create_term(gateway, token, f"Territory {suffix}", "Sales region.", [f"patch-{suffix}"])
    await link(gateway, token, "Amount", revenue)
    await link(gateway, token, "Region.Region", territory)

    answer = {
        "rows": ["Region.Region"],
        "columns": [],
        "measures": ["Amount"],
        "filters": [],
        "having": [],
        "sort": [],
        "limit": None,
        "explanation": "Takings per patch.",
    }
    fake = FakeOpenAI(arguments=orjson.dumps(answer).decode())
    async with serve(fake.app()) as url:
        # This Vision reads the real Weaver process of the system (WEAVER_URL) with the caller's token.
        settings = services_settings.replace(openai_api_key="sk-test", openai_base_url=url + "/v1").with_subgraph_urls(
            weaver=system["weaver"] + "/graphql"
        )
        async with vision_client(settings) as client:
            body = await graphql_caller(client, make_token)(
                '{ askPivot(cube: "Sales", question: "takings per patch") { explanation result { totalRows } } }',
                tenant=DEMO_TENANT,
            )
    assert "errors" not in body, body
    assert body["data"]["askPivot"]["result"]["totalRows"] == 5
    prompt = fake.requests[0]["json"]["messages"][0]["content"]
    amount_line = next(line for line in prompt.splitlines() if line.startswith("- Amount:"))
    region_line = next(line for line in prompt.splitlines() if line.startswith("- Region.Region"))
    assert f"Revenue {suffix}" in amount_line and f"takings-{suffix}" in amount_line
    assert f"gross sales-{suffix}" in amount_line
    assert f"Territory {suffix}" in region_line and f"patch-{suffix}" in region_line
