"""The Cypher Weaver sends must run on Neo4j 5 (production) as well as on ArcadeDB (where the tests run it)."""

import pytest
from cypher_neo4j5 import lint

from subgraphs.weaver.catalog.synthetic import synthetic_catalog
from weaver.test_loader_round_trips import prepare, run_deep


def test_the_check_refuses_what_neo4j_5_would_refuse():
    problems = lint(
        {
            "MATCH (t:Table {key: $key}) RETURN t.name AS name": {"key"},  # fine
            "MATCH (t:Table) RETURN t.name ORDER BY": set(),  # does not parse
            "MATCH (t:Table {key: $key}) RETURN t": set(),  # parameter not sent
            "MATCH (t:Table) RETURN id(t)": set(),  # deprecated: ARCHITECTURE.md §6 says never rely on id()
            "MATCH (t:Table) RETURN apoc.text.join([t.name], ',')": set(),  # a plugin production lacks
        }
    )
    assert {p["cypher"].split(" RETURN ")[1] for p in problems} == {
        "apoc.text.join([t.name], ',')",
        "id(t)",
        "t",
        "t.name ORDER BY",
    }


@pytest.mark.run_last  # so that it checks what every other test sent as well
async def test_every_statement_weaver_sent_passes_neo4j5_parser_and_semantic_analysis(
    runtime, tenant_id, cypher_statements
):
    # Every graph operation once here, so that the check covers them even when this test runs alone.
    graph = runtime.graph
    await graph.ensure_constraints()
    datasource_id = await prepare(runtime, tenant_id, 5)
    await run_deep(runtime, tenant_id, datasource_id)
    await graph.replace_catalog(tenant_id, datasource_id, "smaller", synthetic_catalog(3))  # removes 2 tables
    [table] = (await graph.search_tables(tenant_id, "t00001", datasource_id, 10, None))[0]
    assert await graph.count_tables(tenant_id, "t0000", datasource_id) == 3
    assert table.key in await graph.tables_by_key(tenant_id, [table.key])
    assert len(await graph.columns_by_key(tenant_id, [f"{table.key}/id"])) == 1
    await graph.delete_datasource(tenant_id, datasource_id)

    assert len(cypher_statements) >= 15, sorted(cypher_statements)
    problems = lint(cypher_statements)
    assert problems == [], "\n".join(f"{p['cypher']}\n  -> {p['problems']}" for p in problems)
