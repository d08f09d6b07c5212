"""Vision as a client sees it, through the gateway: cubes, pivots, cache, refresh, errors and NL→pivot."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import orjson
import pytest

from axiom.demo import DEMO_TENANT
from tests.vision.conftest import wait_until
from tests.vision.test_pivot import AGGREGATES, FILTERED, HAND_WRITTEN_BASE, PIVOT, assert_series

ADMIN = ("analyst", "admin")


@pytest.fixture
def call(gateway, make_token):
    async def run(query: str, variables: dict | None = None, *, roles=("analyst",)) -> dict:
        response = await gateway.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {make_token(DEMO_TENANT, roles=roles)}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


async def test_cubes_list_their_members_and_fact_table(call):
    body = await call("""{ cubes { name measures { name aggregator } calculatedMembers { name formula }
        dimensions { name type levels { name ref } } factTable { schemaName name } } }""")
    [sales] = [c for c in body["data"]["cubes"] if c["name"] == "Sales"]
    assert {"Amount", "Order Count"} <= {m["name"] for m in sales["measures"]}
    assert "Time.Month" in {lvl["ref"] for d in sales["dimensions"] for lvl in d["levels"]}
    assert sales["factTable"] == {"schemaName": "sales", "name": "order_lines"}


async def test_pivot_with_filters_sort_and_totals_matches_hand_written_sql(call, services_settings):
    body = await call(PIVOT, {"input": FILTERED})
    assert "errors" not in body, body
    result = body["data"]["pivot"]
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        cells = await conn.fetch(
            f"WITH base AS ({HAND_WRITTEN_BASE}) SELECT region_name, year, {AGGREGATES} FROM base "
            "GROUP BY region_name, year HAVING sum(amount) > 1000 ORDER BY sum(amount) DESC, region_name, year"
        )
        grand = await conn.fetch(f"WITH base AS ({HAND_WRITTEN_BASE}) SELECT {AGGREGATES} FROM base")
    finally:
        await conn.close()
    assert result["rowHeaders"] == [[r["region_name"] for r in cells]]
    assert result["columnHeaders"] == [[str(r["year"]) for r in cells]]
    assert_series(result["values"], [tuple(r) for r in cells], 2)
    assert_series(result["totals"]["grand"], [tuple(r) for r in grand], 0)
    assert result["sql"] is None  # analysts do not see the generated SQL


async def test_row_cap_truncates_and_admins_see_the_sql(call):
    # 5 regions × 3 segments × 4 categories × 2 years × 12 months: more cells than the default MAX_ROWS of 1000.
    body = await call(
        PIVOT,
        {
            "input": {
                "cube": "Sales",
                "rows": ["Region.Region", "Customer.Segment", "Product.Category"],
                "columns": ["Time.Year", "Time.Month"],
                "measures": ["Amount"],
            }
        },
        roles=ADMIN,
    )
    assert "errors" not in body, body
    result = body["data"]["pivot"]
    cells = len(result["values"][0]["values"])
    assert (result["truncated"], cells) == (True, 1000), (result["totalRows"], cells)
    assert result["totalRows"] > 1000
    assert result["sql"].lstrip().upper().startswith(("SELECT", "WITH"))


async def test_second_identical_pivot_is_a_cache_hit_until_refresh_which_is_recorded(call):
    pivot = {
        "input": {
            "cube": "Sales",
            "rows": ["Region.Region"],
            "measures": ["Amount"],
            "limit": random.randint(100, 10_000),
        }
    }  # a query no other test has cached
    first = (await call(PIVOT, pivot))["data"]["pivot"]
    second = (await call(PIVOT, pivot))["data"]["pivot"]
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["values"] == first["values"]

    cube_id = first["cubeId"]
    refreshed = await call(
        """mutation($id: ID!) { refreshCube(id: $id) { run { id status } userErrors { code } } }""",
        {"id": cube_id},
        roles=ADMIN,
    )
    payload = refreshed["data"]["refreshCube"]
    assert payload["userErrors"] == [] and payload["run"]["status"] == "PENDING"  # a worker does it

    async def finished():
        cube = (
            await call(
                """query($id: ID!) { cube(id: $id) { lastRefreshedAt
                              refreshRuns(first: 1) { id status finishedAt } } }""",
                {"id": cube_id},
            )
        )["data"]["cube"]
        return cube if cube["refreshRuns"][0]["status"] == "SUCCEEDED" else None

    cube = await wait_until(finished)
    assert cube["refreshRuns"][0]["id"] == payload["run"]["id"] and cube["refreshRuns"][0]["finishedAt"] is not None
    assert cube["lastRefreshedAt"] is not None
    after = (await call(PIVOT, pivot))["data"]["pivot"]
    assert after["cached"] is False and after["values"] == first["values"]


async def test_bad_pivot_input_is_bad_user_input_naming_the_member(call):
    body = await call(PIVOT, {"input": {"cube": "Sales", "rows": ["Region.Nope"], "measures": ["Amount"]}})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "Region.Nope" in error["message"]
    assert error["path"] == ["pivot"] and body["data"] is None  # pivot is non-null: no half answer


async def test_unknown_cube_is_not_found_and_the_rest_of_the_answer_stays(call):
    body = await call("""{ missing: cube(name: "NoSuchCube") { id } cubes { name } }""")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND" and error["path"] == ["missing"]
    assert body["data"]["missing"] is None and "Sales" in {c["name"] for c in body["data"]["cubes"]}


async def test_pivot_slower_than_query_timeout_is_a_timeout_error(call, services_settings):
    cube_id = (await call('{ cube(name: "Sales") { id } }'))["data"]["cube"]["id"]
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        async with conn.transaction():
            views = await conn.fetch(
                "SELECT schemaname, matviewname FROM pg_matviews WHERE schemaname = 'vision_mv' "
                "AND matviewname LIKE $1",
                f"mv_{cube_id.replace('-', '')}%",
            )
            assert views
            for view in views:
                # A plain REFRESH holds the view's exclusive lock until commit: the pivot waits past QUERY_TIMEOUT.
                await conn.execute(f'REFRESH MATERIALIZED VIEW "{view["schemaname"]}"."{view["matviewname"]}"')
            body = await asyncio.wait_for(
                call(
                    PIVOT,
                    {
                        "input": {
                            "cube": "Sales",
                            "rows": ["Product.Category"],
                            "measures": ["Quantity"],
                            "limit": random.randint(100, 10_000),
                        }
                    },
                ),
                20,
            )
    finally:
        await conn.close()
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"


async def test_ask_pivot_runs_the_models_pivot_through_the_gateway(call, fake_openai):
    fake_openai.arguments = orjson.dumps(
        {
            "rows": ["Region.Region"],
            "columns": [],
            "measures": ["Amount"],
            "filters": [{"level": "Time.Year", "op": "eq", "values": ["2025"]}],
            "having": [],
            "sort": [{"by": "Amount", "direction": "DESC"}],
            "limit": 2,
            "explanation": "The two regions that sold most in 2025.",
        }
    ).decode()
    body = await call("""{ askPivot(cube: "Sales", question: "Which two regions sold most in 2025?") {
        explanation pivot { rows measures limit } result { rowHeaders values { values } } } }""")
    assert "errors" not in body, body
    answer = body["data"]["askPivot"]
    assert answer["explanation"] == "The two regions that sold most in 2025."
    assert answer["pivot"] == {"rows": ["Region.Region"], "measures": ["Amount"], "limit": 2}
    amounts = answer["result"]["values"][0]["values"]
    assert len(amounts) == 2 and amounts[0] >= amounts[1]
    question = fake_openai.requests[-1]["json"]["messages"][-1]["content"]
    assert "Which two regions sold most in 2025?" in question


async def test_ask_pivot_with_a_malformed_model_answer_is_a_clear_error(call, fake_openai):
    fake_openai.arguments = '{"rows": ["Region.Region"'
    body = await call("""{ askPivot(cube: "Sales", question: "sales by region") { explanation } }""")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "LLM_INVALID_ANSWER"
