"""Control characters in any string input are refused with BAD_USER_INPUT before a resolver runs."""

from __future__ import annotations

import uuid

import pytest

SEARCH = "query($q: String!) { searchTables(query: $q, first: 5) { edges { node { name } } } }"
CREATE_TERM = """mutation($input: CreateGlossaryTermInput!) { createGlossaryTerm(input: $input) {
  term { id } userErrors { field message code } } }"""


@pytest.mark.parametrize("value", ["orders\x00", "a\x1bb", "x\x7f"])
async def test_control_characters_in_variables_are_bad_user_input(gql, value):
    status, body = await gql(f"t-{uuid.uuid4().hex[:8]}", SEARCH, {"q": value})
    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "q"
    assert "control character" in error["message"] and body.get("data") is None


async def test_control_characters_in_nested_input_and_literals_are_bad_user_input(gql):
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    _status, body = await gql(tenant, CREATE_TERM, {"input": {"name": "Revenue", "definition": "d\x00"}})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.definition"}
    _status, body = await gql(
        tenant, 'query { searchTables(query: "a\\u0000b", first: 5) { edges { node { name } } } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_tab_newline_and_carriage_return_stay_allowed(gql):
    _status, body = await gql(f"t-{uuid.uuid4().hex[:8]}", SEARCH, {"q": "a\tb\r\nc"})
    assert "errors" not in body, body
