"""The materialized view answers every aggregator exactly like the raw fact join (same builder, two sources)."""

from __future__ import annotations

import math

import pytest

from axiom.db_roles import CUBE_BUILDER_ROLE, PIVOT_ROLE
from subgraphs.vision.pivot.query import LevelFilter, MeasureFilter, PivotQuery, SortKey, validate_pivot
from subgraphs.vision.pivot.sql import PivotSqlBuilder
from subgraphs.vision.service.loading import load_cube_documents
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.pivots import PivotRunner
from subgraphs.vision.store.views import ViewStore

ALL_AGGREGATORS = """<Cube name="Lines">
  <Table schema="sales" name="order_lines"/>
  <Dimension name="Product" foreignKey="product_id">
    <Hierarchy hasAll="true" primaryKey="product_id">
      <Table schema="sales" name="products"/>
      <Level name="Category" column="category"/>
      <Level name="Product" column="product_id" nameColumn="product_name" type="Integer"/>
    </Hierarchy>
  </Dimension>
  <Dimension name="Order" foreignKey="order_id">
    <Hierarchy hasAll="true" primaryKey="order_id">
      <Table schema="sales" name="orders"/>
      <Level name="Status" column="status"/>
    </Hierarchy>
  </Dimension>
  <Dimension name="Line">
    <Hierarchy hasAll="true">
      <Level name="Number" column="line_no" type="Integer"/>
    </Hierarchy>
  </Dimension>
  <Measure name="Amount" column="amount" aggregator="sum"/>
  <Measure name="Discounted Lines" column="discount" aggregator="count"/>
  <Measure name="Smallest" column="amount" aggregator="min"/>
  <Measure name="Largest" column="quantity" aggregator="max"/>
  <Measure name="Mean Quantity" column="quantity" aggregator="avg"/>
  <Measure name="Orders" column="order_id" aggregator="distinct-count"/>
  <Measure name="Products" column="product_id" aggregator="distinct-count"/>
  <CalculatedMember name="Spread" formula="([Largest] - [Smallest]) * 2 / -[Orders]"/>
</Cube>"""

ALL = ("Amount", "Discounted Lines", "Smallest", "Largest", "Mean Quantity", "Orders", "Products", "Spread")
QUERIES = [
    PivotQuery(measures=ALL),
    PivotQuery(rows=("Product.Category",), columns=("Order.Status",), measures=ALL, totals=True),
    PivotQuery(rows=("Line.Number",), measures=("Amount", "Mean Quantity", "Discounted Lines"), totals=True),
    PivotQuery(
        rows=("Product.Product",),
        measures=("Orders", "Largest"),
        filters=(LevelFilter("Product.Product", from_="5", to="25"), LevelFilter("Order.Status", eq="completed")),
        having=(MeasureFilter("Orders", "GTE", 40),),
        sort=(SortKey("Orders", True),),
        limit=7,
    ),
    PivotQuery(
        rows=("Product.Category", "Line.Number"),
        measures=("Products", "Amount"),
        filters=(LevelFilter("Product.Product", contains="product 1"),),
        totals=True,
    ),
    # distinct keys spread over cells that a filter on an ungrouped level keeps only partly
    PivotQuery(
        rows=("Order.Status",),
        columns=("Line.Number",),
        measures=("Orders", "Products", "Spread"),
        filters=(LevelFilter("Product.Category", in_=("Hardware", "Software")),),
        totals=True,
    ),
    PivotQuery(measures=("Orders", "Amount"), filters=(LevelFilter("Product.Category", eq="Hardware"),)),
    PivotQuery(
        columns=("Product.Product",),
        measures=("Orders",),
        filters=(LevelFilter("Line.Number", to="2"),),
        sort=(SortKey("Orders", False),),
        offset=3,
        limit=5,
        totals=True,
    ),
]


def same(a, b) -> bool:
    if isinstance(a, (int, float)) or isinstance(b, (int, float)) or hasattr(a, "as_tuple") or hasattr(b, "as_tuple"):
        return (a is None) == (b is None) and (a is None or math.isclose(float(a), float(b), rel_tol=1e-9))
    return a == b


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
async def test_view_and_fact_join_agree(query, read_catalog, demo_data, engine, tenant_id, datasource_id):
    report = await load_cube_documents(
        [("lines.xml", ALL_AGGREGATORS)],
        tenant_id=tenant_id,
        datasource_id=datasource_id,
        read_catalog=read_catalog,
        cubes=CubeStore(engine),
        views=ViewStore(engine),
    )
    assert not report.problems, report.problems
    [cube] = report.cubes
    validate_pivot(cube.model, query, max_rows=1000)
    results = {}
    for source, role in (("view", PIVOT_ROLE), ("fact", CUBE_BUILDER_ROLE)):
        builder = PivotSqlBuilder(cube.layout, source=source)
        results[source] = await PivotRunner(engine, 30, role=role).run(
            builder.cells(query, row_cap=1000), builder.totals(query, row_cap=1000)
        )
    for view_rows, fact_rows in zip(results["view"], results["fact"], strict=True):
        if view_rows is None:
            assert fact_rows is None
            continue
        assert len(view_rows) == len(fact_rows) > 0
        for view_row, fact_row in zip(view_rows, fact_rows, strict=True):
            assert view_row.keys() == fact_row.keys()
            assert all(same(view_row[k], fact_row[k]) for k in view_row), (dict(view_row), dict(fact_row))
