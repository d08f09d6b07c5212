"""Load what a page of tables will be asked for, in one go, before graphql-core walks the page.

The loaders batch either way (same round trips); starting their batches from the page resolver means every
column-level field then finds its value already loaded and completes synchronously, instead of each of the
page's columns scheduling a coroutine per field. Only fields the operation selects are loaded (through fragments
too; a field under `@skip` is loaded needlessly, which costs time, never correctness).
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
    """Start and await the batches the selected fields of `tables` and their columns need."""
    node = _under(_under(_under(list(_fields(info.selected_fields)), "tables"), "edges"), "node")
    columns = _under(node, "columns")
    on_table, on_column = {f.name for f in node}, {f.name for f in columns}
    table_keys = [t.id for t in tables]
    loads = []
    if "relatedTables" in on_table or on_column & {"references", "referencedBy"}:
        loads.append(loaders.table_links.load_many(table_keys))
    term_keys = (table_keys if "glossaryTerms" in on_table else []) + (
        [c.id for t in tables for c in t.loaded_columns or ()] if "glossaryTerms" in on_column else []
    )
    if term_keys:
        loads.append(loaders.terms_of_target.load_many(term_keys))
    depths = {f.arguments.get("maxDepth", 3) for f in columns if f.name == "referencePaths"}
    for depth in depths & {1, 2, 3}:  # other depths are refused by the field itself
        loads.append(loaders.reference_paths.load_many([(key, depth) for key in table_keys]))
    await asyncio.gather(*loads)
