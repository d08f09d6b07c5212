"""NL→pivot through the openai SDK against a local server speaking the chat-completions API."""

from __future__ import annotations

import orjson
import pytest

from subgraphs.vision.cube import parse_cube_file
from subgraphs.vision.nl.prompt import InvalidAnswer, TermHint, messages, parse_answer, pivot_tool
from subgraphs.vision.service.loading import CUBES_FOLDER
from tests.vision.airflow_server import serve
from tests.vision.conftest import graphql_caller, vision_client
from tests.vision.openai_server import FakeOpenAI

ASK = """query($q: String!) { askPivot(cube: "Sales", question: $q) {
  question explanation pivot { rows columns measures filters { level eq in from to contains } sort { by direction } limit }
  result { rowHeaders values { measure values } totalRows cached } } }"""

GOOD = {
    "rows": ["Region.Region"],
    "columns": [],
    "measures": ["Amount"],
    "filters": [{"level": "Time.Year", "op": "eq", "values": ["2024"]}],
    "having": [],
    "sort": [{"by": "Amount", "direction": "DESC"}],
    "limit": 3,
    "explanation": "Top three regions by amount in 2024.",
}

[CUBE] = parse_cube_file(CUBES_FOLDER / "sales.xml")


async def ask(settings, make_token, fake: FakeOpenAI, tenant: str, question="Top 3 regions by sales in 2024?"):
    async with serve(fake.app()) as url:
        configured = settings.replace(openai_api_key="sk-test", openai_base_url=url + "/v1", openai_model="gpt-4o-mini")
        async with vision_client(configured) as client:
            return await graphql_caller(client, make_token)(ASK, {"q": question}, tenant=tenant)


async def test_question_becomes_the_models_pivot_and_its_result(services_settings, make_token, demo_cubes, tenant_id):
    fake = FakeOpenAI(arguments=orjson.dumps(GOOD).decode())
    body = await ask(services_settings, make_token, fake, tenant_id)
    assert "errors" not in body, body
    answer = body["data"]["askPivot"]
    assert answer["explanation"] == "Top three regions by amount in 2024."
    assert answer["pivot"]["filters"] == [
        {"level": "Time.Year", "eq": "2024", "in": None, "from": None, "to": None, "contains": None}
    ]
    assert answer["pivot"]["sort"] == [{"by": "Amount", "direction": "DESC"}] and answer["pivot"]["limit"] == 3
    amounts = answer["result"]["values"][0]["values"]
    assert len(amounts) == 3 and amounts == sorted(amounts, reverse=True) and answer["result"]["totalRows"] == 5
    [request] = fake.requests
    assert request["authorization"] == "Bearer sk-test" and request["json"]["model"] == "gpt-4o-mini"
    assert request["json"]["tool_choice"] == {"type": "function", "function": {"name": "run_pivot"}}
    parameters = request["json"]["tools"][0]["function"]["parameters"]
    assert parameters["properties"]["measures"]["items"]["enum"] == CUBE.member_names
    system = request["json"]["messages"][0]["content"]
    assert "Region.Region" in system and "North" in system and "Avg Order Value" in system


async def test_malformed_answer_is_a_clear_error_not_a_crash(services_settings, make_token, demo_cubes, tenant_id):
    body = await ask(services_settings, make_token, FakeOpenAI(arguments='{"rows": ["Region.Region"'), tenant_id)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "LLM_INVALID_ANSWER" and "not valid JSON" in error["message"]


async def test_answer_naming_an_unknown_member_is_refused(services_settings, make_token, demo_cubes, tenant_id):
    hostile = {**GOOD, "measures": ['Amount" FROM pg_user --']}
    body = await ask(services_settings, make_token, FakeOpenAI(arguments=orjson.dumps(hostile).decode()), tenant_id)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "LLM_INVALID_ANSWER" and "unknown measure" in error["message"]


async def test_a_model_slower_than_the_timeout_is_a_timeout_error(services_settings, make_token, demo_cubes, tenant_id):
    fake = FakeOpenAI(arguments=orjson.dumps(GOOD).decode(), delay=3)
    body = await ask(services_settings.replace(query_timeout=0.4), make_token, fake, tenant_id)
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"


async def test_model_errors_are_reported_as_unavailable(services_settings, make_token, demo_cubes, tenant_id):
    body = await ask(services_settings, make_token, FakeOpenAI(status=429), tenant_id)
    assert body["errors"][0]["extensions"]["code"] == "LLM_UNAVAILABLE"


async def test_without_an_api_key_ask_pivot_is_llm_disabled(graphql, demo_cubes, tenant_id):
    body = await graphql(ASK, {"q": "sales by region"}, tenant=tenant_id)
    assert body["errors"][0]["extensions"]["code"] == "LLM_DISABLED"


def test_answers_are_validated_like_client_input():
    for arguments, message in [
        ("[]", "not a JSON object"),
        (orjson.dumps({**GOOD, "limit": "3"}).decode(), "shape"),
        (
            orjson.dumps({**GOOD, "filters": [{"level": "Time.Year", "op": "like", "values": ["2024"]}]}).decode(),
            "shape",
        ),
        (
            orjson.dumps({**GOOD, "filters": [{"level": "Time.Year", "op": "eq", "values": ["x"]}]}).decode(),
            "not a valid Integer",
        ),
    ]:
        with pytest.raises(InvalidAnswer, match=message):
            parse_answer(CUBE, arguments, max_rows=1000)
    answer = parse_answer(
        CUBE,
        orjson.dumps({**GOOD, "filters": [{"level": "Time.Month", "op": "range", "values": ["3", "5"]}]}).decode(),
        max_rows=1000,
    )
    assert (answer.query.filters[0].from_, answer.query.filters[0].to) == ("3", "5")


def test_tool_schema_is_strict_and_enumerates_levels():
    function = pivot_tool(CUBE)["function"]
    assert function["strict"] is True and function["parameters"]["additionalProperties"] is False
    assert function["parameters"]["properties"]["rows"]["items"]["enum"] == list(CUBE.levels_by_ref)


def test_prompt_names_each_members_glossary_term_and_synonyms():
    terms = {"Amount": TermHint("Revenue", ("turnover", "takings")), "Region.Region": TermHint("Territory")}
    system = messages(CUBE, "turnover per territory", {}, terms)[0]["content"].splitlines()
    assert "- Amount: sum of amount; glossary term 'Revenue', also called 'turnover', 'takings'" in system
    assert "- Region.Region (Regular, String; glossary term 'Territory')" in system
    assert "- Quantity: sum of quantity" in system
    assert "Users may name a member by its glossary term or one of the term's synonyms." in system
