"""Load what a page of tables will be asked for, in one go, before graphql-core walks the page.

The loaders batch either way (same round trips); starting their batches from the page resolver means every
column-level field then finds its value already loaded and completes synchronously, instead of each of the
page's columns scheduling a coroutine per field. That holds one level further too: the tables at the other end
of foreign keys and the columns along reference paths (outside the page) come loaded as well, because a single
field still pending makes graphql-core gather every list above it through tasks (measured: a task per pending
table, column and reference, the largest share of a deep page's CPU). The graph side of it all is the page
statement itself (`TablePageRequest.with_links`, `path_depths`: store/table_page_query.py); glossary terms, in
PostgreSQL, are loaded once the page's keys are known. Only fields the operation selects are loaded (through
fragments too; a field under `@skip` is loaded needlessly, which costs time, never correctness).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from subgraphs.weaver.store.table_page_query import TablePageRequest

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


def _depth(argument: object) -> int | None:
    """`maxDepth` as selected: an int from a variable, the literal's text (e.g. "3") when written inline."""
    try:
        return int(argument)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class PageSelection:
    """What the operation selects on a page's tables (`edges { node { … } }`) and on their columns."""

    on_table: frozenset[str]
    on_column: frozenset[str]
    path_depths: tuple[int, ...]  # the valid `maxDepth`s of `referencePaths` (others are refused by the field)

    @classmethod
    def of(cls, info: Info) -> PageSelection:
        """The selection under the `tables` field `info` resolves."""
        node = _under(_under(_under(list(_fields(info.selected_fields)), "tables"), "edges"), "node")
        columns = _under(node, "columns")
        selected = {_depth(f.arguments.get("maxDepth", 3)) for f in columns if f.name == "referencePaths"}
        return cls(
            frozenset(f.name for f in node),
            frozenset(f.name for f in columns),
            tuple(depth for depth in (1, 2, 3) if depth in selected),
        )

    def request(self, schema_key: str, first: int, after: tuple[str, str] | None) -> TablePageRequest:
        """The page, bringing along the foreign keys and reference paths the operation selects."""
        with_links = "relatedTables" in self.on_table or bool(self.on_column & {"references", "referencedBy"})
        return TablePageRequest(schema_key, first, after, with_links, self.path_depths)


async def prefetch_page(loaders: Loaders, selection: PageSelection, tables: list[Table]) -> None:
    """Load the glossary terms of the page's tables and columns, when selected."""
    term_keys = [t.id for t in tables] if "glossaryTerms" in selection.on_table else []
    if "glossaryTerms" in selection.on_column:
        term_keys += [c.id for t in tables for c in t.loaded_columns or ()]
    if term_keys:
        await loaders.terms_of_target.load_many(term_keys)
