"""Tenant B, with tenant A's ids and names (datasource, cube, member, term), learns nothing: every Vision query,
mutation and the cubeRefreshes subscription answers B exactly as it answers ids that exist nowhere, and A's
objects are unchanged afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from axiom.auth import Principal
from subgraphs.vision.context import VisionContext
from subgraphs.vision.schema import schema
from subgraphs.vision.store.cubes import CubeStore
from tests.vision.conftest import graphql_caller, register_sales, vision_client

CUBE_FIELDS = "id name factTable { name } measures { name glossaryTerm { id } }"
OPERATIONS = {
    "cubes": ("{ cubes { id } }", False),
    "cube by id": (f"query($cube: ID!) {{ cube(id: $cube) {{ {CUBE_FIELDS} }} }}", False),
    "cube by name": (f"query($name: String!) {{ cube(name: $name) {{ {CUBE_FIELDS} }} }}", False),
    "pivot": (
        'query($cube: String!) { pivot(input: {cube: $cube, rows: ["Region.Region"], measures: '
        '["Amount"]}) { values { values } } }',
        False,
    ),
    "pivot by name": (
        'query($name: String!) { pivot(input: {cube: $name, measures: ["Amount"]}) { values { values } } }',
        False,
    ),
    "askPivot": ('query($name: String!) { askPivot(cube: $name, question: "sales by region") { explanation } }', False),
    "entities": (
        "query($cube: ID!, $ds: ID!) { _entities(representations: ["
        '{__typename: "Cube", id: $cube}, {__typename: "Table", dataSourceId: $ds, schemaName: '
        '"sales", name: "order_lines"}]) { ... on Cube { id name } ... on Table { cubes { id } } } }',
        False,
    ),
    "loadCubes": (
        "mutation($ds: ID!, $xml: String!) { loadCubes(input: {dataSourceId: $ds, documents: "
        '[{fileName: "s.xml", xml: $xml}]}) { cubes { id } userErrors { field code message } } }',
        True,
    ),
    "refreshCube": ("mutation($cube: ID!) { refreshCube(id: $cube) { run { id } userErrors { code } } }", True),
    "refreshCube by name": ("mutation($name: ID!) { refreshCube(id: $name) { run { id } } }", True),
    "linkCubeTerm": (
        "mutation($cube: String!, $term: ID!) { linkCubeTerm(input: {cube: $cube, member: "
        '"Amount", termId: $term}) { userErrors { field code message } } }',
        True,
    ),
    "linkCubeTerm own cube": (
        'mutation($term: ID!) { linkCubeTerm(input: {cube: "Own", member: "Amount", '
        "termId: $term}) { userErrors { field code message } cube { measures "
        "{ glossaryTerm { id } } } } }",
        True,
    ),
    "unlinkCubeTerm": (
        'mutation($cube: String!) { unlinkCubeTerm(cube: $cube, member: "Amount") { userErrors { code } } }',
        True,
    ),
    "deleteCube": (
        "mutation($cube: ID!) { deleteCube(id: $cube) { deletedId userErrors { field code message } } }",
        True,
    ),
}


def variables_of(ids: dict) -> dict:
    return {"cube": ids["cube"], "name": ids["name"], "ds": ids["ds"], "term": ids["term"], "xml": ids["xml"]}


def anonymized(body, ids: dict):
    """The body with the ids it was asked about replaced by placeholders (messages may quote the caller's input)."""
    text = str(body)
    for key, value in ids.items():
        if key != "xml":
            text = text.replace(value, f"<{key}>")
    return text


@pytest.fixture
async def tenant_a(graphql, weaver_runtime, demo_cubes, tenant_id, datasource_id):
    [cube] = demo_cubes
    term = await weaver_runtime.glossary.create(tenant_id, {"name": "A's revenue"})
    body = await graphql(OPERATIONS["linkCubeTerm"][0], {"cube": "Sales", "term": term.id}, tenant=tenant_id)
    assert body["data"]["linkCubeTerm"]["userErrors"] == []
    return {"cube": cube.id, "name": "Sales", "ds": datasource_id, "term": term.id, "xml": cube.definition_xml}


async def test_every_entry_point_answers_another_tenant_as_if_nothing_existed(
    graphql, demo_data, engine, weaver_runtime, tenant_id, tenant_a
):
    other = f"{tenant_id}-b"
    own_ds = await register_sales(weaver_runtime, demo_data, other)
    own = tenant_a["xml"].replace('<Cube name="Sales"', '<Cube name="Own"')
    body = await graphql(OPERATIONS["loadCubes"][0], {"ds": own_ds, "xml": own}, tenant=other, roles=("admin",))
    assert body["data"]["loadCubes"]["userErrors"] == []
    nowhere = {
        "cube": str(uuid.uuid4()),
        "name": "Nowhere",
        "ds": str(uuid.uuid4()),
        "term": str(uuid.uuid4()),
        "xml": tenant_a["xml"],
    }
    for name, (operation, admin) in OPERATIONS.items():
        roles = ("admin",) if admin else ("analyst",)
        leaked = await graphql(operation, variables_of(tenant_a), tenant=other, roles=roles)
        unknown = await graphql(operation, variables_of(nowhere), tenant=other, roles=roles)
        assert anonymized(leaked, tenant_a) == anonymized(unknown, nowhere), name
        assert "INTERNAL_SERVER_ERROR" not in str(leaked), (name, leaked)
        if name == "cubes":
            assert leaked["data"]["cubes"] == [{"id": c["id"]} for c in leaked["data"]["cubes"]] and all(
                c["id"] != tenant_a["cube"] for c in leaked["data"]["cubes"]
            )
        elif name == "entities":
            assert leaked["data"]["_entities"] == [None, {"cubes": []}], leaked
        else:
            assert "NOT_FOUND" in str(leaked), (name, leaked)
    [still] = await CubeStore(engine).list(tenant_id)
    assert still.id == tenant_a["cube"] and still.view_ready
    body = await graphql(f'{{ cube(name: "Sales") {{ {CUBE_FIELDS} }} }}', tenant=tenant_id)
    assert {m["name"]: m["glossaryTerm"] for m in body["data"]["cube"]["measures"]}["Amount"] == {
        "id": tenant_a["term"]
    }


async def test_cube_refreshes_of_another_tenant_are_not_found_and_never_streamed(
    services_settings, weaver_url, make_token, tenant_id, tenant_a
):
    other = Principal(f"{tenant_id}-b", "user-b", frozenset({"analyst"}))
    async with vision_client(services_settings.with_subgraph_urls(weaver=weaver_url)) as client:
        runtime = client._transport.app.state.runtime
        context = VisionContext(principal=other, runtime=runtime)
        watch = "subscription($cube: String) { cubeRefreshes(cube: $cube) { id status } }"
        for cube in (tenant_a["cube"], tenant_a["name"]):
            stream = await schema.subscribe(watch, variable_values={"cube": cube}, context_value=context)
            first = await anext(stream)
            assert first.errors[0].extensions["code"] == "NOT_FOUND" and first.data is None
        everything = await schema.subscribe(watch, context_value=context)
        heard = asyncio.ensure_future(anext(everything))
        await asyncio.sleep(0.3)
        refresh = await graphql_caller(client, make_token)(
            OPERATIONS["refreshCube"][0], {"cube": tenant_a["cube"]}, tenant=tenant_id
        )
        assert refresh["data"]["refreshCube"]["userErrors"] == []
        await asyncio.sleep(1.0)
        assert not heard.done(), heard.result()
        heard.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heard
        await everything.aclose()
