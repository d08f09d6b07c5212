"""A FoodMart-shaped Mondrian schema: what loads per cube, the exact warnings, and pivots over the supported
features (second hierarchy, level properties, named set, key and measure expressions, virtual cube) checked
against hand-written SQL on real PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from subgraphs.vision.cube import CubeXmlError, parse_cube_document
from subgraphs.vision.service.loading import load_cube_documents
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore
from tests.vision.test_pivot import PIVOT, assert_series

FOODMART = (Path(__file__).parent / "fixtures" / "foodmart.xml").read_text()

TABLES = """
CREATE TABLE {s}.store (store_id int PRIMARY KEY, store_country text, store_state text, store_name text,
                        store_type text, store_sqft int);
INSERT INTO {s}.store VALUES (1, 'USA', 'CA', 'Store 1', 'Supermarket', 23000), (2, 'USA', 'CA', 'Store 2',
  'Small Grocery', 5000), (3, 'USA', 'WA', 'Store 3', 'Deluxe', 30000), (4, 'USA', 'OR', 'Store 4', 'Gourmet', 12000),
  (5, 'Mexico', 'DF', 'Store 5', 'Supermarket', 21000);
CREATE TABLE {s}.time_by_day (time_id int PRIMARY KEY, the_year int, quarter text, week_of_year int);
INSERT INTO {s}.time_by_day SELECT d, 1997 + d / 200, 'Q' || (1 + (d % 200) / 50), 1 + (d % 200) / 4
  FROM generate_series(0, 399) AS d;
CREATE TABLE {s}.product_class (product_class_id int PRIMARY KEY, product_family text);
INSERT INTO {s}.product_class VALUES (1, 'Food'), (2, 'Drink');
CREATE TABLE {s}.product (product_id int PRIMARY KEY, product_class_id int, brand_name text);
INSERT INTO {s}.product SELECT p, 1 + p % 2, 'Brand ' || (p % 5) FROM generate_series(1, 20) AS p;
CREATE TABLE {s}.customer (customer_id int PRIMARY KEY, fname text, lname text, gender text);
INSERT INTO {s}.customer SELECT c, 'F' || c, 'l' || (c % 7), CASE WHEN c % 3 = 0 THEN 'F' ELSE 'M' END
  FROM generate_series(1, 30) AS c;
CREATE TABLE {s}.sales_fact (product_id int, time_id int, customer_id int, store_id int, store_sales numeric,
                             store_cost numeric, unit_sales int, promotion_id int);
INSERT INTO {s}.sales_fact SELECT 1 + i % 20, i % 400, 1 + i % 30, 1 + i % 5, (i % 97) + 0.25, (i % 41) + 0.5,
  1 + i % 9, i % 4 FROM generate_series(1, 3000) AS i;
CREATE TABLE {s}.inventory_fact (product_id int, time_id int, store_id int, warehouse_sales numeric,
                                 units_shipped int);
INSERT INTO {s}.inventory_fact SELECT 1 + i % 20, (i * 7) % 400, 1 + i % 4, (i % 53) + 0.75, i % 11
  FROM generate_series(1, 900) AS i;
CREATE TABLE {s}.employee (employee_id int PRIMARY KEY, full_name text, supervisor_id int);
INSERT INTO {s}.employee VALUES (1, 'Ceo', 0), (2, 'Cfo', 1), (3, 'Cto', 1), (4, 'Accountant', 2),
  (5, 'Clerk', 4), (6, 'Engineer', 3);
CREATE TABLE {s}.employee_closure (supervisor_id int, employee_id int, distance int);
INSERT INTO {s}.employee_closure WITH RECURSIVE up(supervisor_id, employee_id, distance) AS (
  SELECT employee_id, employee_id, 0 FROM {s}.employee
  UNION ALL SELECT e.supervisor_id, up.employee_id, up.distance + 1 FROM up
    JOIN {s}.employee e ON e.employee_id = up.supervisor_id WHERE e.supervisor_id <> 0)
  SELECT * FROM up;
CREATE TABLE {s}.salary (employee_id int, time_id int, salary_paid numeric);
INSERT INTO {s}.salary SELECT 1 + i % 6, (i * 7) % 400, 1000 + i FROM generate_series(1, 60) AS i;
"""


def test_each_cube_loads_what_is_supported_and_the_rest_is_named_with_its_line():
    document = parse_cube_document(FOODMART, source="foodmart.xml")
    cubes = {cube.name: cube for cube in document.cubes}
    assert list(cubes) == ["Sales", "Warehouse", "HR", "Warehouse and Sales"]
    sales = cubes["Sales"]
    assert [d.name for d in sales.dimensions] == ["Store", "Time", "Product", "Customers"]
    assert [h.name for h in sales.dimension("Time").hierarchies] == [None, "Weekly"]
    assert sales.level("Time.Weekly.Week").data_type == "Integer"
    assert [p.name for p in sales.level("Store.Store Name").properties] == ["Store Type", "Store Sqft"]
    assert (
        sales.level("Customers.Name").key_expression.sql == 'UPPER("customer"."lname") || \', \' || "customer"."fname"'
    )
    assert (
        sales.measure("Promotion Sales").expression.sql
        == '(CASE WHEN "promotion_id" = 0 THEN 0 ELSE "store_sales" END)'
    )
    assert sales.member_names == ["Unit Sales", "Store Sales", "Store Cost", "Promotion Sales", "Profit"]
    assert [(s.name, s.level, s.keys) for s in sales.named_sets] == [
        ("Western States", "Store.Store State", ("CA", "WA"))
    ]
    assert [d.name for d in cubes["HR"].dimensions] == ["Time", "Employees"]
    assert cubes["HR"].level("Employees.Employee Id").closure.table.name == "employee_closure"
    virtual = cubes["Warehouse and Sales"]
    assert [p.cube.name for p in virtual.parts] == ["Sales", "Warehouse"]
    assert [(p.measures, p.dimensions) for p in virtual.parts] == [
        (("Store Sales", "Store Cost"), ("Store", "Time", "Customers")),
        (("Warehouse Sales",), ("Store", "Time")),
    ]
    assert virtual.member_names == [
        "Store Sales",
        "Store Cost",
        "Warehouse Sales",
        "Profit",
        "Sales Per Warehouse Sale",
    ]
    assert [(w.cube, w.element, w.line, w.message.split(":")[0]) for w in document.warnings] == [
        ("Sales", "CalculatedMember", 72, "'Profit Growth' is left out"),
        ("Sales", "NamedSet", 75, "'Top Brands' is left out"),
        (None, "Role", 38, "is left out"),
        (None, "UserDefinedFunction", 41, "is left out"),
        ("Sales", "AggName", 46, "is left out"),
    ]
    assert all(not w.message.startswith("foodmart.xml") for w in document.warnings)


def test_unknown_elements_are_errors_naming_their_cube_and_knock_on_errors_are_not_repeated():
    broken = FOODMART.replace(
        '<Measure name="Store Cost" column="store_cost" aggregator="sum"/>',
        '<Measure name="Store Cost" column="store_cost" aggregator="median"/>',
    )
    broken = broken.replace(
        '<Table schema="SCHEMA" name="inventory_fact"/>', '<Table schema="SCHEMA" name="inventory_fact"/><Frobnicate/>'
    )
    with pytest.raises(CubeXmlError) as caught:
        parse_cube_document(broken, source="foodmart.xml")
    assert [p.describe() for p in caught.value.problems] == [
        "cube 'Sales': <Measure> aggregator must be one of ['sum', 'count', 'min', 'max', 'avg', 'distinct-count'], "
        "not 'median'",
        "cube 'Warehouse': <Frobnicate> is not an element of the supported Mondrian schema",
    ]


def test_a_virtual_cube_measure_without_a_name_says_so():
    broken = FOODMART.replace(
        '<VirtualCubeMeasure cubeName="Sales" name="[Measures].[Profit]"/>', '<VirtualCubeMeasure cubeName="Sales"/>'
    )
    with pytest.raises(CubeXmlError) as caught:
        parse_cube_document(broken, source="foodmart.xml")
    assert [p.describe() for p in caught.value.problems] == [
        "cube 'Warehouse and Sales': <VirtualCubeMeasure> names no measure; write name=\"[Measures].[Unit Sales]\"",
    ]


@pytest.fixture
async def foodmart(engine, tenant_id, source_schema):
    schema = f"fm_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
        for statement in TABLES.format(s=schema).split(";"):
            if statement.strip():
                await conn.execute(text(statement))
    datasource_id, read_catalog = await source_schema(schema)
    report = await load_cube_documents(
        [("foodmart.xml", FOODMART.replace("SCHEMA", schema))],
        tenant_id=tenant_id,
        datasource_id=datasource_id,
        read_catalog=read_catalog,
        cubes=CubeStore(engine),
        views=ViewStore(engine),
    )
    assert report.problems == [] and len(report.warnings) == 5
    yield schema
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await conn.execute(text("DELETE FROM vision.cubes WHERE fact_schema = :schema"), {"schema": schema})


async def pivot(graphql, tenant_id, query: dict) -> dict:
    body = await graphql(PIVOT, {"input": query}, tenant=tenant_id)
    assert "errors" not in body, body
    return body["data"]["pivot"]


async def rows(engine, sql: str) -> list:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).all()


async def test_second_hierarchy_named_set_and_expressions_match_hand_written_sql(graphql, engine, foodmart, tenant_id):
    s = foodmart
    result = await pivot(
        graphql,
        tenant_id,
        {
            "cube": "Sales",
            "rows": ["Time.Weekly.Week"],
            "measures": ["Unit Sales", "Promotion Sales"],
            "filters": [{"level": "Time.Weekly.Year", "eq": "1998"}],
            "namedSets": ["Western States"],
        },
    )
    expected = await rows(
        engine,
        f"""SELECT t.week_of_year, sum(f.unit_sales),
        sum(CASE WHEN f.promotion_id = 0 THEN 0 ELSE f.store_sales END) FROM {s}.sales_fact f
        JOIN {s}.time_by_day t USING (time_id) JOIN {s}.store st USING (store_id)
        WHERE t.the_year = 1998 AND st.store_state IN ('CA', 'WA') GROUP BY 1 ORDER BY 1""",
    )
    assert result["rowHeaders"] == [[str(r[0]) for r in expected]] and len(expected) == 50
    assert_series(result["values"], expected, 1)
    result = await pivot(
        graphql,
        tenant_id,
        {
            "cube": "Sales",
            "rows": ["Customers.Name"],
            "measures": ["Profit"],
            "filters": [{"level": "Customers.Gender", "eq": "F"}],
        },
    )
    expected = await rows(
        engine,
        f"""SELECT upper(c.lname) || ', ' || c.fname, sum(store_sales) - sum(store_cost)
        FROM {s}.sales_fact f JOIN {s}.customer c USING (customer_id) WHERE c.gender = 'F' GROUP BY 1 ORDER BY 1""",
    )
    assert result["rowHeaders"] == [[r[0] for r in expected]] and len(expected) == 10
    assert_series(result["values"], expected, 1)


async def test_virtual_cube_stacks_its_cubes_over_shared_dimensions(graphql, engine, foodmart, tenant_id):
    s = foodmart
    result = await pivot(
        graphql,
        tenant_id,
        {
            "cube": "Warehouse and Sales",
            "rows": ["Store.Store State"],
            "columns": ["Time.Year"],
            "totals": True,
            "measures": ["Store Sales", "Warehouse Sales", "Profit"],
        },
    )
    expected = await rows(
        engine,
        f"""WITH sales AS (SELECT st.store_state, t.the_year, sum(store_sales) AS ss,
          sum(store_sales) - sum(store_cost) AS profit FROM {s}.sales_fact f JOIN {s}.store st USING (store_id)
          JOIN {s}.time_by_day t USING (time_id) GROUP BY 1, 2),
        wh AS (SELECT st.store_state, t.the_year, sum(warehouse_sales) AS ws FROM {s}.inventory_fact f
          JOIN {s}.store st USING (store_id) JOIN {s}.time_by_day t USING (time_id) GROUP BY 1, 2)
        SELECT store_state, the_year, ss, ws, profit FROM sales FULL JOIN wh USING (store_state, the_year)
        ORDER BY 1, 2""",
    )
    assert result["rowHeaders"] == [[r[0] for r in expected]]
    assert result["columnHeaders"] == [[str(r[1]) for r in expected]]
    assert_series(result["values"], expected, 2)
    grand = await rows(
        engine,
        f"""SELECT (SELECT sum(store_sales) FROM {s}.sales_fact),
        (SELECT sum(warehouse_sales) FROM {s}.inventory_fact),
        (SELECT sum(store_sales) - sum(store_cost) FROM {s}.sales_fact)""",
    )
    assert_series(result["totals"]["grand"], grand, 0)
    # a dimension only Sales has: Warehouse Sales shows no value under its members
    result = await pivot(
        graphql,
        tenant_id,
        {"cube": "Warehouse and Sales", "rows": ["Customers.Gender"], "measures": ["Store Sales", "Warehouse Sales"]},
    )
    assert result["rowHeaders"] == [["F", "M", None]]
    assert result["values"][1]["values"][:2] == [None, None]


MEMBERS = """query($name: String!) { cube(name: $name) { namedSets { name level keys }
  dimensions { name hierarchies { name levels { ref properties { name dataType }
  members(first: 3) { key name properties { name value } } } } } } }"""


async def test_level_properties_are_on_the_members(graphql, foodmart, tenant_id):
    body = await graphql(MEMBERS, {"name": "Sales"}, tenant=tenant_id)
    cube = body["data"]["cube"]
    assert cube["namedSets"] == [{"name": "Western States", "level": "Store.Store State", "keys": ["CA", "WA"]}]
    [store] = [d for d in cube["dimensions"] if d["name"] == "Store"]
    level = store["hierarchies"][0]["levels"][2]
    assert level["ref"] == "Store.Store Name"
    assert level["properties"] == [
        {"name": "Store Type", "dataType": "STRING"},
        {"name": "Store Sqft", "dataType": "NUMERIC"},
    ]
    assert level["members"] == [
        {
            "key": f"Store {i}",
            "name": f"Store {i}",
            "properties": [{"name": "Store Type", "value": kind}, {"name": "Store Sqft", "value": sqft}],
        }
        for i, kind, sqft in [(1, "Supermarket", "23000"), (2, "Small Grocery", "5000"), (3, "Deluxe", "30000")]
    ]
    time = next(d for d in cube["dimensions"] if d["name"] == "Time")
    assert [h["name"] for h in time["hierarchies"]] == [None, "Weekly"]


async def test_parent_child_members_roll_up_their_subtree_through_the_closure_table(
    graphql, engine, foodmart, tenant_id
):
    s = foodmart
    result = await pivot(
        graphql,
        tenant_id,
        {
            "cube": "HR",
            "rows": ["Employees.Employee Id"],
            "columns": ["Time.Year"],
            "measures": ["Org Salary"],
            "totals": True,
        },
    )
    expected = await rows(
        engine,
        f"""SELECT c.supervisor_id, e.full_name, t.the_year, sum(s.salary_paid)
        FROM {s}.salary s JOIN {s}.employee_closure c ON c.employee_id = s.employee_id
        JOIN {s}.employee e ON e.employee_id = c.supervisor_id JOIN {s}.time_by_day t USING (time_id)
        GROUP BY 1, 2, 3 ORDER BY 1, 3""",
    )
    assert result["rowHeaders"] == [[r[1] for r in expected]] and result["rowHeaders"][0][:2] == ["Ceo", "Ceo"]
    assert result["columnHeaders"] == [[str(r[2]) for r in expected]]
    assert_series(result["values"], expected, 3)
    grand = await rows(engine, f"SELECT sum(salary_paid) FROM {s}.salary")
    assert_series(result["totals"]["grand"], grand, 0)  # each salary once, not once per ancestor
    by_year = await rows(
        engine,
        f"""SELECT t.the_year, sum(salary_paid) FROM {s}.salary
        JOIN {s}.time_by_day t USING (time_id) GROUP BY 1 ORDER BY 1""",
    )
    assert_series(result["totals"]["columnSubtotals"]["values"], by_year, 1)
    # a filter keeps the members' subtrees: the CFO's people are the CFO, the accountant and the clerk
    result = await pivot(
        graphql,
        tenant_id,
        {"cube": "HR", "measures": ["Org Salary"], "filters": [{"level": "Employees.Employee Id", "eq": "2"}]},
    )
    subtree = await rows(engine, f"SELECT sum(salary_paid) FROM {s}.salary WHERE employee_id IN (2, 4, 5)")
    assert_series(result["values"], subtree, 0)
