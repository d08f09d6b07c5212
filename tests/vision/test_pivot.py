"""Pivot queries over GraphQL on the demo data: answers match hand-written SQL; timeout, row cap, cache, SQL."""

from __future__ import annotations

import asyncio
import math

from sqlalchemy import text

from tests.vision.conftest import graphql_caller, vision_client, wait_until

PIVOT = """query($input: PivotInput!) { pivot(input: $input) {
  cubeId rowLevels columnLevels measures rowHeaders columnHeaders values { measure values }
  totals { grand { measure values } rowSubtotals { headers values { measure values } }
           columnSubtotals { headers values { measure values } } }
  totalRows truncated cached durationMs sql } }"""

FILTERED = {
    "cube": "Sales",
    "rows": ["Region.Region"],
    "columns": ["Time.Year"],
    "measures": ["Amount", "Order Count", "Avg Order Value", "Avg Amount"],
    "filters": [
        {"level": "Product.Category", "in": ["Hardware", "Software"]},
        {"level": "Time.Quarter", "range": {"from": "1", "to": "2"}},
        {"level": "Customer.Segment", "contains": "CORP"},
    ],
    "having": [{"measure": "Amount", "op": "GT", "value": 1000}],
    "sort": [{"by": "Amount", "direction": "DESC"}],
    "totals": True,
}

HAND_WRITTEN_BASE = """
    SELECT r.region_name, d.year, l.amount, l.order_id
    FROM sales.order_lines l
    JOIN sales.orders o ON o.order_id = l.order_id
    JOIN sales.customers c ON c.customer_id = o.customer_id
    JOIN sales.regions r ON r.region_id = c.region_id
    JOIN sales.products p ON p.product_id = l.product_id
    JOIN sales.dates d ON d.date_id = o.date_id
    WHERE p.category IN ('Hardware', 'Software') AND d.quarter BETWEEN 1 AND 2 AND c.segment ILIKE '%corp%'"""
AGGREGATES = "sum(amount), count(DISTINCT order_id), sum(amount) / count(DISTINCT order_id), avg(amount)"


def close(a, b) -> bool:
    return (a is None and b is None) or math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def assert_series(series: list[dict], expected_rows: list, first_measure_column: int) -> None:
    for m, s in enumerate(series):
        got = s["values"]
        want = [row[first_measure_column + m] for row in expected_rows]
        assert len(got) == len(want) and all(close(a, b) for a, b in zip(got, want, strict=True)), (
            s["measure"],
            got,
            want,
        )


async def test_filtered_sorted_pivot_with_totals_matches_hand_written_sql(graphql, demo_cubes, tenant_id, engine):
    body = await graphql(PIVOT, {"input": FILTERED}, tenant=tenant_id)
    assert "errors" not in body, body
    result = body["data"]["pivot"]
    async with engine.connect() as conn:
        cells = (
            await conn.execute(
                text(
                    f"WITH base AS ({HAND_WRITTEN_BASE}) SELECT region_name, year, {AGGREGATES} FROM base "
                    f"GROUP BY region_name, year HAVING sum(amount) > 1000 ORDER BY sum(amount) DESC, region_name, year"
                )
            )
        ).all()
        grand = (await conn.execute(text(f"WITH base AS ({HAND_WRITTEN_BASE}) SELECT {AGGREGATES} FROM base"))).all()
        by_region = (
            await conn.execute(
                text(
                    f"WITH base AS ({HAND_WRITTEN_BASE}) SELECT region_name, {AGGREGATES} FROM base "
                    f"GROUP BY region_name ORDER BY region_name"
                )
            )
        ).all()
        by_year = (
            await conn.execute(
                text(
                    f"WITH base AS ({HAND_WRITTEN_BASE}) SELECT year, {AGGREGATES} FROM base GROUP BY year ORDER BY year"
                )
            )
        ).all()
    assert len(cells) > 3  # the filters leave a real table, not a trivial one
    assert result["rowHeaders"] == [[row[0] for row in cells]]
    assert result["columnHeaders"] == [[str(row[1]) for row in cells]]
    assert_series(result["values"], cells, 2)
    assert result["totalRows"] == len(cells) and result["truncated"] is False and result["cached"] is False
    totals = result["totals"]
    assert_series(totals["grand"], grand, 0)
    assert totals["rowSubtotals"]["headers"] == [[row[0] for row in by_region]]
    assert_series(totals["rowSubtotals"]["values"], by_region, 1)
    assert totals["columnSubtotals"]["headers"] == [[str(row[0]) for row in by_year]]
    assert_series(totals["columnSubtotals"]["values"], by_year, 1)
    assert result["sql"] is None  # analysts do not see the generated SQL


async def test_month_labels_come_from_the_name_column_sorted_by_key(graphql, demo_cubes, tenant_id):
    body = await graphql(
        PIVOT,
        {
            "input": {
                "cube": "Sales",
                "rows": ["Time.Month"],
                "measures": ["Quantity"],
                "filters": [{"level": "Time.Year", "eq": "2024"}],
            }
        },
        tenant=tenant_id,
    )
    assert body["data"]["pivot"]["rowHeaders"] == [
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    ]


async def test_admins_see_the_generated_sql(graphql, demo_cubes, tenant_id):
    body = await graphql(
        PIVOT,
        {"input": {"cube": "Sales", "rows": ["Region.Region"], "measures": ["Amount"]}},
        tenant=tenant_id,
        roles=["admin"],
    )
    sql = body["data"]["pivot"]["sql"]
    assert sql.startswith("SELECT") and '"vision_mv"."mv_' in sql


async def test_second_identical_pivot_is_a_cache_hit_until_the_cube_is_refreshed(
    graphql, demo_cubes, tenant_id, worker, engine
):
    [cube] = demo_cubes
    variables = {"input": {"cube": cube.id, "rows": ["Product.Category"], "measures": ["Amount", "Order Count"]}}
    first = (await graphql(PIVOT, variables, tenant=tenant_id))["data"]["pivot"]
    second = (await graphql(PIVOT, variables, tenant=tenant_id))["data"]["pivot"]
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["values"] == first["values"] and second["rowHeaders"] == first["rowHeaders"]
    other_tenant = await graphql(PIVOT, variables, tenant=f"{tenant_id}-b")
    assert other_tenant["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refreshed = await graphql(
        "mutation($id: ID!) { refreshCube(id: $id) { run { id status trigger rows } userErrors { code } } }",
        {"id": cube.id},
        tenant=tenant_id,
    )
    payload = refreshed["data"]["refreshCube"]
    assert payload["userErrors"] == [] and (payload["run"]["status"], payload["run"]["trigger"]) == (
        "PENDING",
        "MANUAL",
    )

    async def finished():
        body = await graphql(
            "query($id: ID!) { cube(id: $id) { refreshStatus refreshRuns { id trigger status rows } } }",
            {"id": cube.id},
            tenant=tenant_id,
        )
        cube_now = body["data"]["cube"]
        return cube_now if cube_now["refreshRuns"][0]["status"] == "SUCCEEDED" else None

    cube_now = await wait_until(finished)
    assert cube_now["refreshStatus"] == "SUCCEEDED" and cube_now["refreshRuns"][0]["id"] == payload["run"]["id"]
    assert [r["trigger"] for r in cube_now["refreshRuns"]] == ["MANUAL", "CREATE"] and cube_now["refreshRuns"][0][
        "rows"
    ] > 0
    third = (await graphql(PIVOT, variables, tenant=tenant_id))["data"]["pivot"]
    assert third["cached"] is False and third["values"] == first["values"]


async def test_bad_pivot_input_is_a_clear_bad_user_input_error(graphql, demo_cubes, tenant_id):
    body = await graphql(
        PIVOT, {"input": {"cube": "Sales", "rows": ["Region.Nope"], "measures": ["Amount"]}}, tenant=tenant_id
    )
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "rows"}
    assert "unknown level 'Region.Nope'" in error["message"] and "Region.Region" in error["message"]
    body = await graphql(PIVOT, {"input": {"cube": "Nope", "measures": ["Amount"]}}, tenant=tenant_id)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_pivot_without_levels_is_one_cell_and_its_own_total(graphql, demo_cubes, tenant_id, engine):
    body = await graphql(
        PIVOT, {"input": {"cube": "Sales", "measures": ["Amount", "Order Count"], "totals": True}}, tenant=tenant_id
    )
    result = body["data"]["pivot"]
    async with engine.connect() as conn:
        amount, orders = (
            await conn.execute(text("SELECT sum(amount), count(DISTINCT order_id) FROM sales.order_lines"))
        ).one()
    assert [s["values"] for s in result["values"]] == [[float(amount)], [float(orders)]]
    assert [s["values"] for s in result["totals"]["grand"]] == [[float(amount)], [float(orders)]]


async def test_max_rows_truncates_and_an_explicit_smaller_limit_does_not(
    services_settings, make_token, demo_cubes, tenant_id
):
    async with vision_client(services_settings.replace(max_rows=5)) as client:
        graphql = graphql_caller(client, make_token)
        base = {"cube": "Sales", "rows": ["Region.Region"], "columns": ["Time.Month"], "measures": ["Amount"]}
        capped = (await graphql(PIVOT, {"input": base}, tenant=tenant_id))["data"]["pivot"]
        assert capped["truncated"] is True and capped["totalRows"] == 60 and len(capped["values"][0]["values"]) == 5
        limited = (await graphql(PIVOT, {"input": {**base, "limit": 3, "offset": 58}}, tenant=tenant_id))["data"][
            "pivot"
        ]
        assert limited["truncated"] is False and len(limited["values"][0]["values"]) == 2
        past_end = await graphql(PIVOT, {"input": {**base, "limit": 3, "offset": 100}}, tenant=tenant_id)
        assert past_end["data"]["pivot"]["totalRows"] == 60 and past_end["data"]["pivot"]["values"][0]["values"] == []


async def test_a_pivot_over_query_timeout_is_a_timeout_error(
    services_settings, make_token, demo_cubes, tenant_id, engine
):
    [cube] = demo_cubes
    async with vision_client(services_settings.replace(query_timeout=0.3, redis_url=None)) as client:
        graphql = graphql_caller(client, make_token)
        async with engine.connect() as conn, conn.begin():
            # A plain REFRESH holds the view's ACCESS EXCLUSIVE lock until commit: the pivot waits on it until
            # its statement timeout cancels it.
            for statement in cube.layout.refresh_view_sql(concurrently=False):
                await conn.execute(text(statement))
            body = await asyncio.wait_for(
                graphql(
                    PIVOT,
                    {"input": {"cube": "Sales", "rows": ["Region.Region"], "measures": ["Amount"]}},
                    tenant=tenant_id,
                ),
                10,
            )
    error = body["errors"][0]
    assert error["extensions"]["code"] == "TIMEOUT" and "QUERY_TIMEOUT" in error["message"]
