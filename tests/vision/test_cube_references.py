"""A cube may name only tables and columns of its datasource's catalog, inside its schema filter (no I/O)."""

from __future__ import annotations

from subgraphs.vision.cube import parse_cube_file, parse_cube_xml
from subgraphs.vision.cube.references import SourceCatalog, check_references, referenced_tables
from subgraphs.vision.service.loading import CUBES_FOLDER

[SALES] = parse_cube_file(CUBES_FOLDER / "sales.xml")
SALES_TABLES = {
    ("sales", "order_lines"): frozenset({"order_id", "line_no", "product_id", "quantity", "amount"}),
    ("sales", "orders"): frozenset({"order_id", "customer_id", "date_id", "status"}),
    ("sales", "customers"): frozenset({"customer_id", "customer_name", "segment", "region_id"}),
    ("sales", "regions"): frozenset({"region_id", "region_name", "country"}),
    ("sales", "products"): frozenset({"product_id", "product_name", "category", "unit_price"}),
    ("sales", "dates"): frozenset({"date_id", "calendar_date", "year", "quarter", "month", "month_name"}),
}
CATALOG = SourceCatalog("ds-1", ("sales",), SALES_TABLES)

OVER_BOOKKEEPING = """<Cube name="Leak">
  <Table schema="weaver" name="datasources"/>
  <Dimension name="Host">
    <Hierarchy hasAll="true">
      <Level name="Host" column="host"/>
    </Hierarchy>
  </Dimension>
  <Measure name="Count" column="id" aggregator="count"/>
</Cube>"""


def test_the_demo_cube_names_only_tables_and_columns_of_its_catalog():
    assert check_references(SALES, CATALOG) == []
    assert set(referenced_tables(SALES)) == set(SALES_TABLES)


def test_a_table_outside_the_catalog_is_one_problem_naming_cube_element_and_line():
    [leak] = parse_cube_xml(OVER_BOOKKEEPING)
    [problem] = check_references(leak, CATALOG)
    assert (problem.cube, problem.element, problem.line) == ("Leak", "Cube", 1)
    assert "fact table weaver.datasources is not a table of datasource ds-1" in str(problem)


def test_a_table_of_the_catalog_outside_the_schema_filter_is_refused():
    tables = {**SALES_TABLES, ("weaver", "datasources"): frozenset({"id", "host"})}
    [leak] = parse_cube_xml(OVER_BOOKKEEPING)
    assert len(check_references(leak, SourceCatalog("ds-1", ("sales",), tables))) == 1
    assert check_references(leak, SourceCatalog("ds-1", None, tables)) == []


def test_missing_columns_are_named_with_their_element_and_line():
    xml = (CUBES_FOLDER / "sales.xml").read_text()
    xml = xml.replace('column="amount" aggregator="sum"', 'column="amount_typo" aggregator="sum"')
    xml = xml.replace('column="segment"', 'column="segmnt"')
    xml = xml.replace('rightKey="region_id"', 'rightKey="region"')
    [cube] = parse_cube_xml(xml)
    problems = {(p.element, p.line): str(p) for p in check_references(cube, CATALOG)}
    lines = xml.splitlines()
    measure_line = next(i for i, line in enumerate(lines, 1) if "amount_typo" in line)
    level_line = next(i for i, line in enumerate(lines, 1) if "segmnt" in line)
    assert "'amount_typo' is not a column of sales.order_lines" in problems[("Measure", measure_line)]
    assert "level 'Segment': column 'segmnt' is not a column of sales.customers" in problems[("Level", level_line)]
    assert any(
        element == "Join" and "rightKey 'region' is not a column of sales.regions" in text
        for (element, _), text in problems.items()
    )
    assert len(problems) == 3


def test_a_missing_dimension_table_is_reported_once_not_once_per_column():
    tables = {k: v for k, v in SALES_TABLES.items() if k != ("sales", "products")}
    problems = check_references(SALES, SourceCatalog("ds-1", ("sales",), tables))
    assert [(p.element, "sales.products" in p.message) for p in problems] == [("Hierarchy", True)]
