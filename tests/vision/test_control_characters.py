"""Control characters in Vision's string inputs are refused with BAD_USER_INPUT (a NUL once gave a 500)."""

from __future__ import annotations

from tests.vision.test_pivot import PIVOT

LOAD = """mutation($input: LoadCubesInput!) { loadCubes(input: $input) { cubes { name } userErrors { message } } }"""


async def test_a_nul_in_a_pivot_filter_value_is_bad_user_input(graphql, demo_cubes, tenant_id):
    pivot = {
        "cube": "Sales",
        "rows": ["Region.Region"],
        "measures": ["Amount"],
        "filters": [{"level": "Customer.Segment", "eq": "Corporate\x00"}],
    }
    body = await graphql(PIVOT, {"input": pivot}, tenant=tenant_id)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.filters[0].eq"}
    assert "U+0000" in error["message"]


async def test_control_characters_in_a_cube_file_are_refused_before_anything_is_stored(graphql, tenant_id):
    variables = {
        "input": {
            "dataSourceId": "00000000-0000-0000-0000-000000000001",
            "documents": [{"fileName": "a\x01.xml", "xml": "<Cube name='X'/>"}],
        }
    }
    body = await graphql(LOAD, variables, tenant=tenant_id, roles=("admin",))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await graphql("{ cubes { name } }", tenant=tenant_id))["data"]["cubes"] == []
