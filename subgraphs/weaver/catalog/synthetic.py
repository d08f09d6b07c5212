"""A generated catalog of any size (pure), for the loader benchmark and round-trip tests: table i has an id,
a name, a value and a foreign key to table i-1, so every level of a deep query has something to load."""

from __future__ import annotations

from subgraphs.weaver.catalog.model import ColumnMeta, DatabaseCatalog, ForeignKeyMeta, SchemaMeta, TableMeta


def synthetic_catalog(tables: int, schema: str = "bench") -> DatabaseCatalog:
    made = []
    for i in range(tables):
        columns = (
            ColumnMeta("id", "integer", False, 1, is_primary_key=True),
            ColumnMeta("name", "text", True, 2, comment=f"name of t{i}"),
            ColumnMeta("parent_id", "integer", True, 3),
        )
        fks = (ForeignKeyMeta(f"t{i}_parent_fk", ("parent_id",), schema, f"t{i - 1:05d}", ("id",)),) if i else ()
        made.append(TableMeta(f"t{i:05d}", comment=f"table {i}", columns=columns, foreign_keys=fks))
    return DatabaseCatalog(schemas=(SchemaMeta(schema, tables=tuple(made)),))
