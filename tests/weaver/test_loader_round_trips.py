"""A deep query over N tables × columns × FK targets × glossary terms costs the same number of round trips
whatever N is: every level is one batched loader call."""

from axiom.auth import Principal
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
    assert trips_large.graph <= 6 and trips_large.sql <= 2


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
    # a page's first table references the last table of the page before: one lookup outside the page
    assert len(page_trips) == 3 and max(page_trips) <= 8
