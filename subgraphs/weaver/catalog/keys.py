"""Stable string keys of graph nodes, built from the datasource id and names.

Names are percent-encoded so that a `/` or `.` inside a schema, table or column name cannot make two
different objects share a key. These keys back the uniqueness constraints of the graph and are the `id`s the
API shows for tables and columns.
"""

from __future__ import annotations

from urllib.parse import quote, unquote


def _part(name: str) -> str:
    return quote(name, safe="")


def schema_key(datasource_id: str, schema: str) -> str:
    return f"{datasource_id}/{_part(schema)}"


def table_key(datasource_id: str, schema: str, table: str) -> str:
    return f"{schema_key(datasource_id, schema)}/{_part(table)}"


def column_key(datasource_id: str, schema: str, table: str, column: str) -> str:
    return f"{table_key(datasource_id, schema, table)}/{_part(column)}"


def split_key(key: str) -> tuple[str, ...]:
    """The datasource id followed by the decoded names (inverse of the builders above)."""
    head, *names = key.split("/")
    return (head, *(unquote(n) for n in names))
