"""Load what a page of tables will be asked for, in one go, before graphql-core walks the page.

The loaders batch either way (same round trips); starting their batches from the page resolver means every
column-level field then finds its value already loaded and completes synchronously, instead of each of the
page's columns scheduling a coroutine per field. That holds one level further too: the tables at the other end
of foreign keys and the columns along reference paths (outside the page) are loaded here, in a second step,
because a single field still pending makes graphql-core gather every list above it through tasks (measured: a
task per pending table, column and reference, the largest share of a deep page's CPU). Only fields the operation
selects are loaded (through fragments too; a field under `@skip` is loaded needlessly, which costs time, never
correctness).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

if TYPE_CHECKING:
    from subgraphs.weaver.loaders import Loaders
    from subgraphs.weaver.types.catalog import Table


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:  # a fragment spread or inline fragment: its fields count as the parent's
            yield from _fields(selection.selections)


def _under(fields: list[SelectedField], name: str) -> list[SelectedField]:
    return [child for field in fields if field.name == name for child in _fields(field.selections)]


async def prefetch_page(info: Info, loaders: Loaders, tables: list[Table]) -> None:
    """Start and await the batches the selected fields of `tables` and their columns need, then those of the
    tables and columns these lead to (foreign keys' other tables, reference paths' columns)."""
    node = _under(_under(_under(list(_fields(info.selected_fields)), "tables"), "edges"), "node")
    columns = _under(node, "columns")
    on_table, on_column = {f.name for f in node}, {f.name for f in columns}
    table_keys = [t.id for t in tables]
    loads: list = []
    links_wanted = "relatedTables" in on_table or bool(on_column & {"references", "referencedBy"})
    if links_wanted:
        loads.append(loaders.table_links.load_many(table_keys))
    term_keys = (table_keys if "glossaryTerms" in on_table else []) + (
        [c.id for t in tables for c in t.loaded_columns or ()] if "glossaryTerms" in on_column else []
    )
    if term_keys:
        loads.append(loaders.terms_of_target.load_many(term_keys))
    selected = {_depth(f.arguments.get("maxDepth", 3)) for f in columns if f.name == "referencePaths"}
    depths = sorted(depth for depth in (1, 2, 3) if depth in selected)
    for depth in depths:  # other depths are refused by the field itself
        loads.append(loaders.reference_paths.load_many([(key, depth) for key in table_keys]))
    found = await asyncio.gather(*loads)
    links = found[0] if links_wanted else []
    paths = found[len(found) - len(depths) :] if depths else []
    await _prefetch_ends(loaders, node, columns, links, paths)


def _depth(argument: object) -> int | None:
    """`maxDepth` as selected: an int from a variable, the literal's text (e.g. "3") when written inline."""
    try:
        return int(argument)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


async def _prefetch_ends(
    loaders: Loaders, node: list[SelectedField], columns: list[SelectedField], links: list, paths: list
) -> None:
    """Load the tables at the far end of the page's foreign keys and the columns along its reference paths, when
    the operation selects them (`relatedTables { table }`, `references { table }`, `referencePaths { columns }`)."""
    far_tables: set[str] = set()
    if "table" in {f.name for f in _under(node, "relatedTables")}:
        far_tables.update(relation.table_key for table_links in links for relation in table_links.relations)
    for side, attribute in (("references", "references"), ("referencedBy", "referenced_by")):
        if "table" in {f.name for f in _under(columns, side)}:
            far_tables.update(
                reference.column.table_key
                for table_links in links
                for found in getattr(table_links, attribute).values()
                for reference in found
            )
    path_columns = {
        key
        for per_depth in paths  # one list per depth asked for, of {column key: [ColumnPath]} per table
        for by_column in per_depth
        for chains in by_column.values()
        for chain in chains
        for key in chain.keys
    }
    loads = []
    if far_tables:
        loads.append(loaders.table.load_many(sorted(far_tables)))
    if path_columns:
        loads.append(loaders.column.load_many(sorted(path_columns)))
    await asyncio.gather(*loads)
