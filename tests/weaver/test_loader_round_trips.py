"""A deep query over N tables × columns × FK targets × glossary terms costs the same number of round trips
whatever N is: every level is one batched loader call."""

from axiom.auth import Principal
from subgraphs.weaver.catalog.model import ColumnMeta, DatabaseCatalog, ForeignKeyMeta, SchemaMeta, TableMeta
from subgraphs.weaver.catalog.synthetic import synthetic_catalog
from subgraphs.weaver.context import WeaverContext
from subgraphs.weaver.diagnostics import count_round_trips
from subgraphs.weaver.loaders import Loaders
from subgraphs.weaver.schema import schema

DEEP = """query($id: ID!, $after: String) { dataSource(id: $id) { name schemas { name
    tables(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node {
    name glossaryTerms { name } relatedTables { direction table { name } }
    columns { name glossaryTerms { name } references { constraintName column { name } table { name } }
              referencedBy { column { name } } referencePaths(maxDepth: 3) { length columns { name } } } } } } } } }"""


async def run_deep(runtime, tenant, datasource_id, after=None):
    context = WeaverContext(principal=Principal(tenant, "bench"), runtime=runtime, loaders=Loaders(runtime, tenant))
    with count_round_trips(runtime) as trips:
        result = await schema.execute(
            DEEP, variable_values={"id": datasource_id, "after": after}, context_value=context
        )
    assert result.errors is None, result.errors
    return result.data, trips


async def prepare(runtime, tenant, n):
    record = await runtime.datasources.create(
        tenant, name=f"bench-{n}", engine="postgresql", host="h", port=1, database="d", username="u"
    )
    await runtime.graph.replace_catalog(tenant, record.id, record.name, synthetic_catalog(n))
    term = await runtime.glossary.create(tenant, {"name": f"Identifier {n}"})
    await runtime.glossary.link(tenant, term.id, record.id, "COLUMN", f"{record.id}/bench/t00001/id")
    return record.id


async def test_round_trips_do_not_grow_with_the_number_of_tables(runtime, tenant_id):
    small = await prepare(runtime, tenant_id, 10)
    large = await prepare(runtime, tenant_id, 100)
    data_small, trips_small = await run_deep(runtime, tenant_id, small)
    data_large, trips_large = await run_deep(runtime, tenant_id, large)
    tables = [e["node"] for e in data_large["dataSource"]["schemas"][0]["tables"]["edges"]]
    assert len(tables) == 100 and len(data_small["dataSource"]["schemas"][0]["tables"]["edges"]) == 10
    assert tables[2]["columns"][2]["references"][0]["table"]["name"] == "t00001"
    assert tables[1]["columns"][0]["glossaryTerms"] == [{"name": "Identifier 100"}]
    assert tables[1]["relatedTables"] == [
        {"direction": "OUTGOING", "table": {"name": "t00000"}},
        {"direction": "INCOMING", "table": {"name": "t00002"}},
    ]
    assert tables[3]["columns"][2]["referencePaths"] == [{"length": 1, "columns": [{"name": "id"}]}]
    assert (trips_small.graph, trips_small.sql) == (trips_large.graph, trips_large.sql)
    # the datasource's schemas, then the page with everything it selects from the graph; the datasource and the
    # glossary terms from PostgreSQL
    assert (trips_large.graph, trips_large.sql) == (2, 2)


async def test_every_page_of_a_large_schema_costs_the_same_few_round_trips(runtime, tenant_id):
    datasource_id = await prepare(runtime, tenant_id, 250)
    names, after, page_trips = [], None, []
    while True:
        data, trips = await run_deep(runtime, tenant_id, datasource_id, after)
        page = data["dataSource"]["schemas"][0]["tables"]
        names += [e["node"]["name"] for e in page["edges"]]
        page_trips.append(trips.graph)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert names == [f"t{i:05d}" for i in range(250)]
    # a page's first table references the last table of the page before: it comes with the page statement too
    assert page_trips == [2, 2, 2]


SELECTION = """name kind comment
    relatedTables { direction constraintName columns otherColumns table { name kind comment } }
    columns { name dataType
              references { constraintName column { name ordinal } table { name } }
              referencedBy { constraintName column { name } table { name } }
              near: referencePaths(maxDepth: 1) { length columns { name table { name } } }
              far: referencePaths(maxDepth: 3) { length columns { name table { name } } } }"""
PAGE = f"""query($id: ID!) {{ dataSource(id: $id) {{ schemas {{ tables(first: 100) {{ edges {{ node {{ {SELECTION}
    }} }} }} }} }} }}"""
ONE_TABLE = f"""query($id: ID!, $name: String!) {{ dataSource(id: $id) {{ table(schemaName: "s", name: $name) {{
    {SELECTION} }} }} }}"""
THROUGH_FRAGMENTS = """query($id: ID!) { dataSource(id: $id) { schemas { tables(first: 100) { edges { node {
    ...TableLinks columns { name dataType ... on Column { ...ColumnLinks } } } } } } } }
    fragment TableLinks on Table { name kind comment
        relatedTables { direction constraintName columns otherColumns table { name kind comment } } }
    fragment ColumnLinks on Column {
        references { constraintName column { name ordinal } table { name } }
        referencedBy { constraintName column { name } table { name } }
        near: referencePaths(maxDepth: 1) { length columns { name table { name } } }
        far: referencePaths(maxDepth: 3) { length columns { name table { name } } } }"""


def chains() -> DatabaseCatalog:
    """a.k -> b.k -> c.k -> d.k (chains of up to three hops), e referencing both a and d with a two-column
    foreign key to d, a table without columns and a column referencing itself: links both ways or none, over
    one and several hops."""
    names = ["a", "b", "c", "d"]
    tables = [
        TableMeta(
            name,
            comment=f"table {name}",
            columns=(ColumnMeta("k", "integer", False, 1, is_primary_key=True), ColumnMeta("v", "text", True, 2)),
            foreign_keys=(ForeignKeyMeta(f"{name}_k_fk", ("k",), "s", names[i + 1], ("k",)),) if i < 3 else (),
        )
        for i, name in enumerate(names)
    ]
    tables.append(
        TableMeta(
            "e",
            kind="VIEW",
            columns=(
                ColumnMeta("ak", "integer", True, 1),
                ColumnMeta("dk", "integer", True, 2),
                ColumnMeta("dv", "text", True, 3),
            ),
            foreign_keys=(
                ForeignKeyMeta("e_a_fk", ("ak",), "s", "a", ("k",)),
                ForeignKeyMeta("e_d_fk", ("dk", "dv"), "s", "d", ("k", "v")),
            ),
        )
    )
    tables.append(TableMeta("f_alone", columns=()))
    tables.append(  # a column referencing itself, as PostgreSQL allows
        TableMeta(
            "g_self",
            columns=(ColumnMeta("k", "integer", False, 1, is_primary_key=True),),
            foreign_keys=(ForeignKeyMeta("g_self_fk", ("k",), "s", "g_self", ("k",)),),
        )
    )
    return DatabaseCatalog(schemas=(SchemaMeta("s", tables=tuple(tables)),))


async def execute(runtime, tenant, query, variables):
    context = WeaverContext(principal=Principal(tenant, "test"), runtime=runtime, loaders=Loaders(runtime, tenant))
    with count_round_trips(runtime) as trips:
        result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data, trips


async def test_a_page_answers_like_its_tables_read_one_by_one_in_two_round_trips(runtime, tenant_id):
    record = await runtime.datasources.create(
        tenant_id, name="chains", engine="postgresql", host="h", port=1, database="d", username="u"
    )
    await runtime.graph.replace_catalog(tenant_id, record.id, "chains", chains())

    data, trips = await execute(runtime, tenant_id, PAGE, {"id": record.id})
    page = [edge["node"] for edge in data["dataSource"]["schemas"][0]["tables"]["edges"]]
    one_by_one = [
        (await execute(runtime, tenant_id, ONE_TABLE, {"id": record.id, "name": name}))[0]["dataSource"]["table"]
        for name in ("a", "b", "c", "d", "e", "f_alone", "g_self")
    ]
    assert page == one_by_one
    assert (trips.graph, trips.sql) == (2, 1)  # no glossary terms selected
    a, e, g = page[0], page[4], page[6]
    assert [[c["table"]["name"] for c in p["columns"]] for p in a["columns"][0]["far"]] == [
        ["b"],
        ["b", "c"],
        ["b", "c", "d"],
    ]
    assert a["columns"][0]["near"] == a["columns"][0]["far"][:1]
    assert [(r["direction"], r["table"]["name"]) for r in a["relatedTables"]] == [("OUTGOING", "b"), ("INCOMING", "e")]
    assert e["relatedTables"][1] == {
        "direction": "OUTGOING",
        "constraintName": "e_d_fk",
        "columns": ["dk", "dv"],
        "otherColumns": ["k", "v"],
        "table": {"name": "d", "kind": "TABLE", "comment": "table d"},
    }
    assert page[5] == {"name": "f_alone", "kind": "TABLE", "comment": None, "relatedTables": [], "columns": []}
    assert [(r["direction"], r["table"]["name"]) for r in g["relatedTables"]] == [
        ("OUTGOING", "g_self"),
        ("INCOMING", "g_self"),
    ]

    # The same fields selected through fragments come with the page statement as well.
    through_fragments, fragment_trips = await execute(runtime, tenant_id, THROUGH_FRAGMENTS, {"id": record.id})
    assert [edge["node"] for edge in through_fragments["dataSource"]["schemas"][0]["tables"]["edges"]] == page
    assert (fragment_trips.graph, fragment_trips.sql) == (2, 1)
