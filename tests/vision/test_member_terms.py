"""Linking cube members to glossary terms, and the per-request dataloaders behind `Table.cubes` and
`glossaryTerm` (one query per request, however many tables or cubes)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import event

from subgraphs.vision.app import create_app
from tests.vision.conftest import graphql_caller

LINK = """mutation($input: LinkCubeTermInput!) { linkCubeTerm(input: $input) {
  cube { measures { name glossaryTerm { id } } dimensions { levels { ref glossaryTerm { id } } }
         calculatedMembers { name glossaryTerm { id } } }
  userErrors { field code message } } }"""
UNLINK = """mutation($member: String!) { unlinkCubeTerm(cube: "Sales", member: $member) {
  cube { measures { name glossaryTerm { id } } } userErrors { field code } } }"""


def link_input(member: str, term_id: str, cube: str = "Sales") -> dict:
    return {"input": {"cube": cube, "member": member, "termId": term_id}}


@pytest.fixture
def new_term(weaver_runtime, tenant_id):
    """Creates a glossary term in Weaver (for this test's tenant unless told) and returns its id."""

    async def create(tenant: str | None = None) -> str:
        term = await weaver_runtime.glossary.create(tenant or tenant_id, {"name": f"term {uuid.uuid4().hex[:8]}"})
        return term.id

    return create


async def test_measures_levels_and_calculated_members_carry_their_linked_term(graphql, demo_cubes, tenant_id, new_term):
    amount, year, aov = [await new_term() for _ in range(3)]
    await graphql(LINK, link_input("Amount", amount), tenant=tenant_id)
    await graphql(LINK, link_input("Time.Year", year), tenant=tenant_id)
    body = await graphql(LINK, link_input("Avg Order Value", aov), tenant=tenant_id)
    payload = body["data"]["linkCubeTerm"]
    assert payload["userErrors"] == []
    cube = payload["cube"]
    assert {m["name"]: m["glossaryTerm"] for m in cube["measures"]}["Amount"] == {"id": amount}
    assert {m["name"]: m["glossaryTerm"] for m in cube["measures"]}["Quantity"] is None
    levels = {level["ref"]: level["glossaryTerm"] for d in cube["dimensions"] for level in d["levels"]}
    assert levels["Time.Year"] == {"id": year} and levels["Time.Month"] is None
    assert cube["calculatedMembers"] == [{"name": "Avg Order Value", "glossaryTerm": {"id": aov}}]


async def test_relinking_replaces_the_term_and_unlinking_removes_it(graphql, demo_cubes, tenant_id, new_term):
    first, second = await new_term(), await new_term()
    await graphql(LINK, link_input("Amount", first), tenant=tenant_id)
    body = await graphql(LINK, link_input("Amount", second), tenant=tenant_id)
    assert {m["name"]: m["glossaryTerm"] for m in body["data"]["linkCubeTerm"]["cube"]["measures"]}["Amount"] == {
        "id": second
    }
    body = await graphql(UNLINK, {"member": "Amount"}, tenant=tenant_id)
    assert all(m["glossaryTerm"] is None for m in body["data"]["unlinkCubeTerm"]["cube"]["measures"])
    body = await graphql(UNLINK, {"member": "Amount"}, tenant=tenant_id)
    assert body["data"]["unlinkCubeTerm"]["userErrors"] == [{"field": "member", "code": "NOT_FOUND"}]


async def test_unknown_members_and_malformed_term_ids_are_user_errors(graphql, demo_cubes, tenant_id):
    body = await graphql(LINK, link_input("Profit", "not-an-id"), tenant=tenant_id)
    errors = body["data"]["linkCubeTerm"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("member", "BAD_USER_INPUT"), ("termId", "BAD_USER_INPUT")]
    assert "no measure, calculated member or level 'Profit'" in errors[0]["message"]


async def test_another_tenants_term_or_an_unknown_term_is_not_found(graphql, demo_cubes, tenant_id, new_term):
    for term_id in (await new_term(f"{tenant_id}-other"), str(uuid.uuid4())):
        body = await graphql(LINK, link_input("Amount", term_id), tenant=tenant_id)
        payload = body["data"]["linkCubeTerm"]
        assert [(e["field"], e["code"], e["message"]) for e in payload["userErrors"]] == [
            ("termId", "NOT_FOUND", "glossary term not found")
        ]
        assert all(m["glossaryTerm"] is None for m in payload["cube"]["measures"])


async def test_another_tenant_cannot_link_a_tenants_cube(graphql, demo_cubes, tenant_id):
    cube_id = demo_cubes[0].id
    body = await graphql(LINK, link_input("Amount", str(uuid.uuid4()), cube=cube_id), tenant=f"{tenant_id}-other")
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


ENTITIES = """query($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Table { name cubes { name measures { name glossaryTerm { id } } } } } }"""


async def test_cubes_of_many_tables_and_their_terms_load_in_one_query_each(
    services_settings, make_token, demo_cubes, tenant_id, datasource_id, weaver_url, new_term
):
    app = create_app(services_settings.with_subgraph_urls(weaver=weaver_url))
    statements: list[str] = []
    async with app.router.lifespan_context(app):
        engine = app.state.runtime.engine
        event.listen(
            engine.sync_engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement),
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vision") as client:
            graphql = graphql_caller(client, make_token)
            term = await new_term()
            await graphql(LINK, link_input("Amount", term), tenant=tenant_id)
            statements.clear()
            tables = [("sales", "order_lines"), ("sales", "orders"), ("sales", "products"), ("other", "order_lines")]
            representations = [
                {"__typename": "Table", "dataSourceId": datasource_id.upper(), "schemaName": schema, "name": name}
                for schema, name in tables
            ]
            body = await graphql(ENTITIES, {"representations": representations}, tenant=tenant_id)
    assert "errors" not in body, body
    entities = body["data"]["_entities"]
    assert [len(e["cubes"]) for e in entities] == [1, 0, 0, 0]
    assert {m["name"]: m["glossaryTerm"] for m in entities[0]["cubes"][0]["measures"]}["Amount"] == {"id": term}
    assert len([s for s in statements if "FROM vision.cubes" in s]) == 1, statements
    assert len([s for s in statements if "FROM vision.member_terms" in s]) == 1, statements
