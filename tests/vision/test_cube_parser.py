"""The cube XML parser: the demo cube's model, and invalid files reported with element and line."""

from __future__ import annotations

import pytest

from subgraphs.vision.cube import (
    Aggregator,
    CubeXmlError,
    Join,
    TableRef,
    parse_cube_document,
    parse_cube_file,
    parse_cube_xml,
)
from subgraphs.vision.cube.formula import BinaryOp, FormulaError, MemberRef, Number, parse_formula
from subgraphs.vision.cube.layout import CubeLayout
from subgraphs.vision.service.loading import CUBES_FOLDER


def cube_xml(body: str, *, measures: str | None = None) -> str:
    measures = measures if measures is not None else '<Measure name="Amount" column="amount" aggregator="sum"/>'
    return f"""<Cube name="C">
  <Table schema="s" name="facts"/>
{body}
  {measures}
</Cube>"""


SIMPLE_DIMENSION = """  <Dimension name="Product" foreignKey="product_id">
    <Hierarchy hasAll="true" primaryKey="product_id">
      <Table schema="s" name="products"/>
      <Level name="Category" column="category"/>
    </Hierarchy>
  </Dimension>"""


def problems_of(xml: str) -> list:
    with pytest.raises(CubeXmlError) as caught:
        parse_cube_xml(xml, source="test.xml")
    return caught.value.problems


def test_demo_cube_parses_into_dimensions_levels_measures_and_a_calculated_member():
    [cube] = parse_cube_file(CUBES_FOLDER / "sales.xml")
    assert (cube.name, cube.fact_schema, cube.fact_table) == ("Sales", "sales", "order_lines")
    assert [d.name for d in cube.dimensions] == ["Region", "Customer", "Product", "Time"]
    assert list(cube.levels_by_ref) == [
        "Region.Region",
        "Customer.Segment",
        "Product.Category",
        "Time.Year",
        "Time.Quarter",
        "Time.Month",
    ]
    time = cube.dimension("Time")
    assert time.shared and time.type == "TimeDimension" and time.foreign_key == "order_id"
    assert cube.level("Time.Month").name_column == "month_name"
    assert cube.level("Time.Year").data_type == "Integer"
    assert [(m.name, m.aggregator) for m in cube.measures] == [
        ("Amount", Aggregator.SUM),
        ("Quantity", Aggregator.SUM),
        ("Order Count", Aggregator.DISTINCT_COUNT),
        ("Avg Amount", Aggregator.AVG),
    ]
    [member] = cube.calculated_members
    assert member.expression == BinaryOp("/", MemberRef("Amount"), MemberRef("Order Count"))


def test_snowflake_join_keeps_keys_and_defaults_aliases_to_the_leftmost_table():
    [cube] = parse_cube_file(CUBES_FOLDER / "sales.xml")
    [region] = cube.dimension("Region").hierarchies
    assert region.primary_key == "order_id" and region.primary_key_alias == "orders"
    join = region.relation
    assert isinstance(join, Join) and join.left == TableRef("sales", "orders", "orders")
    assert (join.left_key, join.right_key, join.right_alias, join.line) == (
        "customer_id",
        "customer_id",
        "customers",
        21,
    )
    assert join.right.right_alias == "regions"


def test_lone_cube_root_and_formula_child_element_are_accepted():
    xml = cube_xml(
        SIMPLE_DIMENSION,
        measures="""<Measure name="Amount" column="amount" aggregator="sum"/>
  <Measure name="Lines" column="line_no" aggregator="count"/>
  <CalculatedMember name="Per Line" dimension="Measures"><Formula>[Amount] / ([Lines] + 0)</Formula></CalculatedMember>""",
    )
    [cube] = parse_cube_xml(xml)
    assert cube.calculated_member("Per Line").formula == "[Amount] / ([Lines] + 0)"
    assert cube.member_names == ["Amount", "Lines", "Per Line"]


def test_unknown_aggregator_is_reported_with_its_line():
    xml = cube_xml(SIMPLE_DIMENSION, measures='<Measure name="Amount" column="amount" aggregator="median"/>')
    [problem] = problems_of(xml)
    assert (problem.element, problem.line) == ("Measure", 9)
    assert "aggregator must be one of" in problem.message and "median" in problem.message
    assert str(problem).startswith("test.xml:9: cube 'C': <Measure>")
    assert problem.describe().startswith("cube 'C': <Measure> aggregator")  # no file:line prefix repeated


def test_identifier_that_is_not_plain_sql_is_refused():
    xml = cube_xml(
        SIMPLE_DIMENSION, measures='<Measure name="Amount" column="amount); DROP TABLE x; --" aggregator="sum"/>'
    )
    [problem] = problems_of(xml)
    assert problem.element == "Measure" and "not a plain SQL identifier" in problem.message


def test_every_problem_of_a_file_is_reported_together():
    xml = """<Cube name="C">
  <Table name="facts"/>
  <Dimension name="D" foreignKey="d_id">
    <Hierarchy primaryKey="id">
      <Table name="dims"/>
      <Level name="L"/>
    </Hierarchy>
  </Dimension>
  <Measure name="M" column="m" aggregator="sum"/>
  <CalculatedMember name="X" formula="[Measures].[Nope] * 2"/>
</Cube>"""
    problems = problems_of(xml)
    assert [(p.element, p.line) for p in problems] == [("Level", 6), ("Hierarchy", 4), ("CalculatedMember", 10)]
    assert "needs 'column'" in problems[0].message
    assert "unknown measures ['Nope']" in problems[2].message


def test_xml_syntax_error_names_the_line():
    [problem] = problems_of('<Cube name="C">\n  <Table name="facts">\n</Cube>')
    assert problem.element == "xml" and problem.line == 3


def test_join_level_without_table_attribute_is_ambiguous():
    xml = cube_xml("""  <Dimension name="Region" foreignKey="order_id">
    <Hierarchy primaryKey="order_id">
      <Join leftKey="customer_id" rightKey="customer_id">
        <Table name="orders"/>
        <Table name="customers"/>
      </Join>
      <Level name="Segment" column="segment"/>
    </Hierarchy>
  </Dimension>""")
    [problem] = problems_of(xml)
    assert (problem.element, problem.line) == ("Level", 9) and "needs 'table'" in problem.message


def test_dimension_usage_of_an_unknown_shared_dimension_is_reported():
    xml = """<Schema name="S">
  <Cube name="C">
    <Table name="facts"/>
    <DimensionUsage name="Time" source="Calendar" foreignKey="date_id"/>
    <Measure name="M" column="m" aggregator="sum"/>
  </Cube>
</Schema>"""
    [problem] = problems_of(xml)
    assert (problem.element, problem.line) == ("DimensionUsage", 4) and "'Calendar'" in problem.message


def test_calculated_members_may_not_refer_to_themselves():
    xml = cube_xml(
        SIMPLE_DIMENSION,
        measures="""<Measure name="Amount" column="amount" aggregator="sum"/>
  <CalculatedMember name="A" formula="[B] + 1"/>
  <CalculatedMember name="B" formula="[A] * [Amount]"/>""",
    )
    problems = problems_of(xml)
    assert [p.line for p in problems] == [10, 11] and all("refers to itself" in p.message for p in problems)


def test_formula_with_a_function_call_is_rejected_without_evaluating_anything():
    with pytest.raises(FormulaError):
        parse_formula("__import__('os').system('true')")
    xml = cube_xml(
        SIMPLE_DIMENSION,
        measures="""<Measure name="Amount" column="amount" aggregator="sum"/>
  <CalculatedMember name="Bad" formula="Sum([Amount])"/>""",
    )
    document = parse_cube_document(xml, source="test.xml")
    [cube] = document.cubes
    assert cube.member_names == ["Amount"]
    [warning] = document.warnings
    assert (warning.element, warning.line, warning.cube) == ("CalculatedMember", 10, "C")
    assert warning.message.startswith("'Bad' is left out: formula 'Sum([Amount])': unexpected 'Sum([Amount])'")


def test_formula_precedence_and_unary_minus():
    assert parse_formula("1 + [A] * 2") == BinaryOp("+", Number(1.0), BinaryOp("*", MemberRef("A"), Number(2.0)))
    assert parse_formula("-([A] - [B])").operand == BinaryOp("-", MemberRef("A"), MemberRef("B"))
    for bad in ("", "[A] +", "([A]", "[A] [B]"):
        with pytest.raises(FormulaError):
            parse_formula(bad)


def test_root_must_be_schema_or_cube():
    [problem] = problems_of("<Mondrian/>")
    assert problem.element == "Mondrian" and problem.line == 1


@pytest.mark.parametrize(
    "sql, reason",
    [
        ("pg_read_file('/etc/passwd')", "uses the function 'pg_read_file', which is not allowed"),
        ("(SELECT password FROM weaver.datasources)", "not SUBQUERY"),
        ("amount; DROP TABLE facts", "not BLOCK"),
        ("other.amount", "uses table 'other'; a measure expression uses the fact table's columns"),
        # sqlglot's tokenizer refuses these with its own error, not a parse error
        ("amount || 'unterminated", "is not a SQL expression"),
        ('"amount', "is not a SQL expression"),
        ("amount /* open comment", "is not a SQL expression"),
        ("amount $$ x", "is not a SQL expression"),
    ],
)
def test_measure_expressions_allow_only_columns_operators_and_whitelisted_functions(sql, reason):
    xml = cube_xml(
        SIMPLE_DIMENSION,
        measures=f"""<Measure name="Amount" aggregator="sum">
    <MeasureExpression><SQL dialect="generic">{sql}</SQL></MeasureExpression></Measure>""",
    )
    [problem] = problems_of(xml)
    assert (problem.element, problem.cube, problem.line) == ("SQL", "C", 10)
    assert reason in problem.message


def test_expressions_are_rendered_from_the_parse_tree_with_our_aliases():
    xml = cube_xml(
        SIMPLE_DIMENSION.replace(
            '<Level name="Category" column="category"/>',
            '<Level name="Category"><KeyExpression><SQL dialect="postgres">'
            "lower(products.category) || '-' || code</SQL><SQL dialect=\"oracle\">"
            "x</SQL></KeyExpression></Level>",
        )
    )
    [cube] = parse_cube_xml(xml)
    layout = CubeLayout(cube, "00000000-0000-0000-0000-000000000000")
    assert (
        layout.raw_level_expr(cube.level("Product.Category"))
        == '(LOWER("d0_products"."category") || \'-\' || "d0_products"."code")'
    )
