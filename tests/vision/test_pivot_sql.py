"""The pivot SQL builder and validation, without a database: identifiers from the cube, values as parameters."""

from __future__ import annotations

import pytest

from axiom.errors import BadUserInput
from subgraphs.vision.cube import parse_cube_file
from subgraphs.vision.cube.layout import CubeLayout
from subgraphs.vision.pivot.query import LevelFilter, MeasureFilter, PivotQuery, SortKey, validate_pivot
from subgraphs.vision.pivot.sql import PivotSqlBuilder
from subgraphs.vision.service.loading import CUBES_FOLDER

[CUBE] = parse_cube_file(CUBES_FOLDER / "sales.xml")
LAYOUT = CubeLayout(CUBE, "00000000-0000-0000-0000-000000000001")


def build(query: PivotQuery, source="view"):
    validate_pivot(CUBE, query, max_rows=1000)
    return PivotSqlBuilder(LAYOUT, source=source).cells(query, row_cap=1000)


def test_client_values_travel_only_as_parameters():
    hostile = "x' OR 1=1; DROP TABLE sales.orders; --"
    query = PivotQuery(
        rows=("Region.Region",),
        measures=("Amount",),
        filters=(LevelFilter("Region.Region", eq=hostile), LevelFilter("Product.Category", contains=hostile)),
        having=(MeasureFilter("Amount", "GT", 10.0),),
    )
    statement = build(query)
    assert hostile not in statement.sql and "DROP" not in statement.sql
    assert hostile in statement.params.values()
    assert "%x' OR 1=1; DROP TABLE sales.orders; --%" in statement.params.values()
    assert 10.0 in statement.params.values()


def test_contains_escapes_like_wildcards():
    statement = build(PivotQuery(measures=("Amount",), filters=(LevelFilter("Region.Region", contains="50%_a\\"),)))
    assert "%50\\%\\_a\\\\%" in statement.params.values()


@pytest.mark.parametrize(
    "query, field",
    [
        (PivotQuery(rows=('Region.Region"; DROP',), measures=("Amount",)), "rows"),
        (PivotQuery(rows=("Region.Region",), measures=("amount) FROM x --",)), "measures"),
        (PivotQuery(rows=("Region.Region",), measures=()), "measures"),
        (PivotQuery(rows=("Region.Region",), columns=("Region.Region",), measures=("Amount",)), "rows"),
        (PivotQuery(measures=("Amount",), filters=(LevelFilter("Time.Year", eq="twenty"),)), "filters"),
        (PivotQuery(measures=("Amount",), filters=(LevelFilter("Time.Year", eq="2024", contains="2"),)), "filters"),
        (PivotQuery(measures=("Amount",), filters=(LevelFilter("Time.Year"),)), "filters"),
        (PivotQuery(measures=("Amount",), having=(MeasureFilter("Nope", "GT", 1),)), "having"),
        (PivotQuery(measures=("Amount",), having=(MeasureFilter("Amount", "LIKE", 1),)), "having"),
        (PivotQuery(rows=("Region.Region",), measures=("Amount",), sort=(SortKey("Quantity"),)), "sort"),
        (PivotQuery(measures=("Amount",), limit=0), "limit"),
        (PivotQuery(measures=("Amount",), offset=-1), "offset"),
    ],
)
def test_invalid_pivots_are_refused_with_the_field_at_fault(query, field):
    with pytest.raises(BadUserInput) as caught:
        validate_pivot(CUBE, query, max_rows=1000)
    assert caught.value.extensions == {"code": "BAD_USER_INPUT", "field": field}


def test_typed_levels_take_typed_parameters_and_strings_compare_as_text():
    statement = build(
        PivotQuery(
            measures=("Amount",),
            filters=(
                LevelFilter("Time.Year", in_=("2024", "2025")),
                LevelFilter("Time.Quarter", from_="1", to="2"),
                LevelFilter("Customer.Segment", eq="Consumer"),
            ),
        )
    )
    assert [2024, 2025] in statement.params.values() and 1 in statement.params.values()
    assert 'CAST("v"."l1_customer_segment" AS text) = :p' in statement.sql


def test_distinct_count_comes_from_the_key_signature_view_joined_to_the_cells():
    statement = build(
        PivotQuery(
            rows=("Region.Region",),
            measures=("Amount", "Order Count", "Avg Order Value"),
            filters=(LevelFilter("Product.Category", eq="Hardware"),),
        )
    )
    view = '"vision_mv"."mv_00000000000000000000000000000001_k2" AS "s"'
    assert view in statement.sql and 'sum("s"."keys")' in statement.sql
    # only the levels grouped or filtered are unnested from the signature's cells, then filtered like the cells
    assert 'unnest("s"."l0_region_region", "s"."l2_product_category")' in statement.sql
    assert statement.sql.count('CAST("v"."l2_product_category" AS text) = :p') == 2
    assert "LEFT JOIN" in statement.sql and '"c"."a0" IS NOT DISTINCT FROM "d0"."a0"' in statement.sql
    assert 'sum("v"."m0_amount_sum") AS "x0"' in statement.sql
    without = build(PivotQuery(rows=("Region.Region",), measures=("Amount",)))
    assert "unnest" not in without.sql and "JOIN" not in without.sql


def test_the_same_query_builds_over_the_raw_fact_join():
    statement = build(PivotQuery(rows=("Region.Region",), measures=("Order Count",)), source="fact")
    assert 'count(DISTINCT "f"."order_id")' in statement.sql and '"sales"."order_lines" AS "f"' in statement.sql


def test_normalized_query_ignores_filter_order():
    a = PivotQuery(
        measures=("Amount",), filters=(LevelFilter("Time.Year", eq="2024"), LevelFilter("Region.Region", eq="North"))
    )
    b = PivotQuery(
        measures=("Amount",), filters=(LevelFilter("Region.Region", eq="North"), LevelFilter("Time.Year", eq="2024"))
    )
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != PivotQuery(measures=("Amount",)).fingerprint()
