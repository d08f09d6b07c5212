"""The one statement behind a page of tables (pure: Cypher text and row decoding, no driver).

A deep page used to take four sequential round trips: the page with its columns, then each table's foreign keys
(one statement per direction) and its columns' FK chains, then the tables and columns at their far ends. Here
they are `CALL (t) { … collect(…) }` subqueries of the page statement itself, each answering one row per table
(an empty list when nothing matches), and the far ends come back as full rows along the way: the whole page is
one round trip, and the server walks from tables it has already found instead of seeking them again by key.
Only what the operation selects is asked for (`TablePageRequest.with_links`, `path_depths`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Positional values (decoding lists instead of dicts is most of the client-side cost of a large page).
TABLE_VALUES = "t.key, t.dataSourceId, t.schemaName, t.name, t.kind, t.comment"
# A column listed under its table: what the table row does not already say.
_OWN_COLUMN_VALUES = "c.key, c.name, c.dataType, c.nullable, c.defaultValue, c.isPrimaryKey, c.ordinal, c.comment"


def column_values(node: str) -> str:
    """The values of column `node`, in ColumnRow field order."""
    return (
        f"{node}.key, {node}.tableKey, {node}.dataSourceId, {node}.schemaName, {node}.tableName, {node}.name, "
        f"{node}.dataType, {node}.nullable, {node}.defaultValue, {node}.isPrimaryKey, {node}.ordinal, {node}.comment"
    )


_PAGE = (
    "UNWIND $pages AS p CALL (p) { "
    "MATCH (s:Schema {key: p.schema})-[:HAS_TABLE]->(t:Table) WHERE s.tenantId = $tenant "
    "AND (t.name > p.afterName OR (t.name = p.afterName AND t.key > p.afterKey)) "
    "RETURN t ORDER BY t.name, t.key LIMIT $limit } "
    f"CALL (t) {{ MATCH (t)-[:HAS_COLUMN]->(c:Column) RETURN collect([{_OWN_COLUMN_VALUES}]) AS columns }} "
)
# An FK edge from a column of `t`: the column, the constraint, the column at the other end and its table's
# kind and comment (the rest of that table's row is on the column), so the far end needs no lookup of its own.
# The far table is matched in a clause of its own: within one pattern a relationship is used once, which would
# drop a column referencing itself (its table's HAS_COLUMN on both sides).
_EDGES = (
    "CALL (t) {{ MATCH (t)-[:HAS_COLUMN]->(c:Column){arrow}(o:Column) MATCH (ot:Table)-[:HAS_COLUMN]->(o) "
    f"RETURN collect([c.key, c.name, c.ordinal, r.name, {column_values('o')}, ot.kind, ot.comment]) "
    "AS {name} }} "
)
_LINKS = _EDGES.format(arrow="-[r:FK]->", name="outgoing") + _EDGES.format(arrow="<-[r:FK]-", name="incoming")
_PATHS = (
    "CALL (t) { MATCH (t)-[:HAS_COLUMN]->(c:Column) MATCH q = (c)-[:FK*1..DEPTH]->(:Column) "
    f"RETURN collect([c.key, [n IN tail(nodes(q)) | [{column_values('n')}]]]) AS paths }} "
)


@dataclass(frozen=True)
class TablePageRequest:
    """Which page of a schema's tables, and what to bring along: `after` is the (name, key) of the last table
    of the previous page; `with_links` each table's foreign keys both ways with the tables at their far ends;
    `path_depths` the `maxDepth`s of FK chains from its columns (the longest one is followed)."""

    schema_key: str
    first: int
    after: tuple[str, str] | None = None
    with_links: bool = False
    path_depths: tuple[int, ...] = ()


# Rows are named tuples: a page builds hundreds of them, and a tuple is built several times faster than a frozen
# dataclass.
class TableRow(NamedTuple):
    key: str
    data_source_id: str
    schema_name: str
    name: str
    kind: str
    comment: str | None


class ColumnRow(NamedTuple):
    key: str
    table_key: str
    data_source_id: str
    schema_name: str
    table_name: str
    name: str
    data_type: str
    nullable: bool
    default_value: str | None
    is_primary_key: bool
    ordinal: int
    comment: str | None


class ForeignKeyEdge(NamedTuple):
    """One column-to-column FK edge seen from a column of the table asked for; `outgoing` when that column holds
    the foreign key, `other` the column at the other end."""

    column_key: str
    column_name: str
    ordinal: int
    constraint_name: str
    outgoing: bool
    other: ColumnRow


@dataclass(frozen=True)
class PagedTable:
    """A table of a page with its columns by ordinal and, when asked for, its FK edges (ordered as
    `order_edges` does), the tables at their far ends, and its columns' FK chains (column key -> chains of the
    columns after the start, shortest first)."""

    row: TableRow
    columns: tuple[ColumnRow, ...]
    edges: tuple[ForeignKeyEdge, ...] = ()
    far_tables: tuple[TableRow, ...] = ()
    paths: dict[str, list[tuple[ColumnRow, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class TablePage:
    tables: tuple[PagedTable, ...]
    has_next: bool


def order_edges(edges: list[ForeignKeyEdge]) -> list[ForeignKeyEdge]:
    """Outgoing first, then by constraint name, column ordinal and the other column's key."""
    return sorted(edges, key=lambda e: (not e.outgoing, e.constraint_name, e.ordinal, e.other.key))


def page_statement(with_links: bool, path_depth: int) -> str:
    """The page statement for what is asked for (`path_depth` 0: no chains; else 1 to 3)."""
    if not 0 <= path_depth <= 3:
        raise ValueError(f"path depth {path_depth} is not between 0 and 3")
    parts = [_PAGE]
    returned = ["p.id", TABLE_VALUES, "columns"]
    if with_links:
        parts.append(_LINKS)
        returned += ["outgoing", "incoming"]
    if path_depth:
        parts.append(_PATHS.replace("DEPTH", str(path_depth)))
        returned.append("paths")
    return "".join(parts) + "RETURN " + ", ".join(returned)


def page_parameters(requests: Sequence[TablePageRequest]) -> list[dict[str, Any]]:
    """The `$pages` rows of the statement; `id` is the request's position."""
    return [
        {
            "id": i,
            "schema": r.schema_key,
            "afterName": r.after[0] if r.after else "",
            "afterKey": r.after[1] if r.after else "",
        }
        for i, r in enumerate(requests)
    ]


def read_page_row(values: list[Any], with_links: bool, path_depth: int) -> tuple[int, PagedTable]:
    """One row of the statement (values in RETURN order) as (page id, table)."""
    page_id, key, data_source_id, schema_name, name, kind, comment, own_columns, *rest = values
    table = TableRow(key, data_source_id, schema_name, name, kind, comment)
    columns = tuple(
        sorted(
            (
                ColumnRow(c_key, key, data_source_id, schema_name, name, c_name, *described)
                for c_key, c_name, *described in own_columns
            ),
            key=lambda c: c.ordinal,
        )
    )
    edges: list[ForeignKeyEdge] = []
    far: dict[str, TableRow] = {}
    if with_links:
        outgoing, incoming, *rest = rest
        for is_outgoing, found in ((True, outgoing), (False, incoming)):
            for column, column_name, ordinal, constraint, *other_values, other_kind, other_comment in found:
                other = ColumnRow(*other_values)
                edges.append(ForeignKeyEdge(column, column_name, ordinal, constraint, is_outgoing, other))
                far[other.table_key] = TableRow(
                    other.table_key,
                    other.data_source_id,
                    other.schema_name,
                    other.table_name,
                    other_kind,
                    other_comment,
                )
    paths: dict[str, list[tuple[ColumnRow, ...]]] = defaultdict(list)
    if path_depth:
        [chains] = rest
        for column, chain in chains:
            paths[column].append(tuple(ColumnRow(*v) for v in chain))
        for found_chains in paths.values():
            found_chains.sort(key=lambda chain: (len(chain), [c.key for c in chain]))
    return page_id, PagedTable(table, columns, tuple(order_edges(edges)), tuple(far.values()), dict(paths))
