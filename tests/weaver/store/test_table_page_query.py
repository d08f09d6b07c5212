"""The page statement and its rows, without a server: what is asked for is what the statement walks, and rows
decode into tables with their columns, FK edges in their order, far-end tables once each and chains shortest first."""

import pytest

from subgraphs.weaver.store.table_page_query import (
    ColumnRow,
    TablePageRequest,
    TableRow,
    page_parameters,
    page_statement,
    read_page_row,
)


def test_the_statement_walks_only_what_is_asked_for():
    bare, links, paths = page_statement(False, 0), page_statement(True, 0), page_statement(False, 2)
    assert "FK" not in bare and bare.endswith(
        "RETURN p.id, t.key, t.dataSourceId, t.schemaName, t.name, t.kind, t.comment, columns"
    )
    assert "-[r:FK]->" in links and "<-[r:FK]-" in links and "FK*" not in links
    assert "[:FK*1..2]" in paths and "r:FK" not in paths and paths.endswith("columns, paths")
    with pytest.raises(ValueError):
        page_statement(True, 4)


def test_page_parameters_carry_each_request_position():
    first = TablePageRequest("ds/s", 100)
    later = TablePageRequest("ds/s", 100, ("t9", "ds/s/t9"), True, (1, 3))
    assert page_parameters([first, later]) == [
        {"id": 0, "schema": "ds/s", "afterName": "", "afterKey": ""},
        {"id": 1, "schema": "ds/s", "afterName": "t9", "afterKey": "ds/s/t9"},
    ]


def column(table: str, name: str, ordinal: int) -> list:
    return [
        f"ds/s/{table}/{name}",
        f"ds/s/{table}",
        "ds",
        "s",
        table,
        name,
        "integer",
        False,
        None,
        False,
        ordinal,
        None,
    ]


def test_a_row_decodes_into_the_table_its_columns_edges_far_tables_and_chains():
    own = [
        ["ds/s/a/v", "v", "text", True, None, False, 2, "value"],
        ["ds/s/a/k", "k", "integer", False, None, True, 1, None],
    ]
    outgoing = [
        ["ds/s/a/k", "k", 1, "z_fk", *column("c", "k", 1), "TABLE", None],
        ["ds/s/a/k", "k", 1, "a_fk", *column("b", "k", 1), "VIEW", "b's"],
    ]
    incoming = [["ds/s/a/k", "k", 1, "e_fk", *column("e", "ak", 1), "TABLE", None]]
    chains = [["ds/s/a/k", [column("b", "k", 1), column("c", "k", 1)]], ["ds/s/a/k", [column("b", "k", 1)]]]
    row = [7, "ds/s/a", "ds", "s", "a", "TABLE", "table a", own, outgoing, incoming, chains]

    page_id, table = read_page_row(row, with_links=True, path_depth=3)

    assert page_id == 7 and table.row == TableRow("ds/s/a", "ds", "s", "a", "TABLE", "table a")
    assert [c.name for c in table.columns] == ["k", "v"]
    assert table.columns[1] == ColumnRow(
        "ds/s/a/v", "ds/s/a", "ds", "s", "a", "v", "text", True, None, False, 2, "value"
    )
    assert [(e.outgoing, e.constraint_name) for e in table.edges] == [(True, "a_fk"), (True, "z_fk"), (False, "e_fk")]
    assert {t.key: (t.kind, t.comment) for t in table.far_tables} == {
        "ds/s/b": ("VIEW", "b's"),
        "ds/s/c": ("TABLE", None),
        "ds/s/e": ("TABLE", None),
    }
    assert [[c.table_name for c in chain] for chain in table.paths["ds/s/a/k"]] == [["b"], ["b", "c"]]


def test_a_row_without_links_or_chains_asked_for_has_none():
    _, table = read_page_row([0, "ds/s/x", "ds", "s", "x", "VIEW", None, []], with_links=False, path_depth=0)
    assert (table.columns, table.edges, table.far_tables, table.paths) == ((), (), (), {})
