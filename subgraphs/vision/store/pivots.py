"""Running pivot statements with a statement timeout (QUERY_TIMEOUT → TIMEOUT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Result, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from axiom.db_roles import PIVOT_ROLE
from axiom.errors import QueryTimeout
from subgraphs.vision.cube.layout import CubeLayout, quote
from subgraphs.vision.pivot.sql import PivotStatement

_QUERY_CANCELED = "57014"


def _is_timeout(exc: DBAPIError) -> bool:
    cause = exc.orig
    codes = {
        getattr(cause, "sqlstate", None),
        getattr(cause, "pgcode", None),
        getattr(getattr(cause, "__cause__", None), "sqlstate", None),
    }
    return _QUERY_CANCELED in codes


def _mappings(result: Result[Any]) -> list[Mapping[str, Any]]:
    # The rows of a text() statement are keyed by column name (a RowMapping also takes Column objects).
    return cast("list[Mapping[str, Any]]", [row._mapping for row in result])


class PivotRunner:
    def __init__(self, engine: AsyncEngine, timeout_seconds: float, *, role: str = PIVOT_ROLE):
        """`role`: whom the statements run as; the pivot role reads the cube views only (statements over the raw
        source tables, as benchmarks and the view-equivalence tests run, need the cube builder role)."""
        self.engine = engine
        self.timeout_ms = max(1, int(timeout_seconds * 1000))
        self.role = role

    async def run(
        self, cells: PivotStatement, totals: PivotStatement | None = None
    ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]] | None]:
        """Run the cells statement (and the totals one, when given) in one read-only transaction, each under the
        statement timeout."""
        try:
            async with self.engine.connect() as conn, conn.begin():
                await conn.execute(text("SET TRANSACTION READ ONLY"))
                # The pivot role reads the cube views and nothing else (see axiom/db_roles.py).
                await conn.execute(text(f"SET LOCAL ROLE {self.role}"))
                # SET cannot take a bind parameter; the value is our own integer.
                await conn.execute(text(f"SET LOCAL statement_timeout = {self.timeout_ms}"))
                cell_rows = _mappings(await conn.execute(text(cells.sql), cells.params))
                total_rows = None
                if totals is not None:
                    total_rows = _mappings(await conn.execute(text(totals.sql), totals.params))
        except DBAPIError as exc:
            if _is_timeout(exc):
                raise QueryTimeout(f"pivot query exceeded QUERY_TIMEOUT ({self.timeout_ms / 1000:g}s)") from exc
            raise
        return cell_rows, total_rows

    async def level_values(self, layout: CubeLayout, *, limit: int = 30) -> dict[str, list[str]]:
        """Up to `limit` labels of each level (from the view), for prompts; larger levels are left out."""
        parts = []
        for i, (_ref, columns) in enumerate(layout.levels.items()):
            label = quote(columns.name or columns.key)
            parts.append(
                f"(SELECT {i} AS level, label FROM (SELECT DISTINCT CAST({label} AS text) AS label, "
                f"{quote(columns.key)} AS key FROM {layout.view} ORDER BY {quote(columns.key)} "
                f"LIMIT {limit + 1}) AS d{i})"
            )
        refs = list(layout.levels)
        values: dict[str, list[str]] = {}
        async with self.engine.connect() as conn, conn.begin():
            await conn.execute(text(f"SET LOCAL ROLE {self.role}"))
            for row in await conn.execute(text(" UNION ALL ".join(parts))):
                if row.label is not None:
                    values.setdefault(refs[row.level], []).append(row.label)
        return {ref: labels for ref, labels in values.items() if len(labels) <= limit}

    async def members(self, layout: CubeLayout, ref: str, *, limit: int) -> list[tuple[str | None, str | None, list]]:
        """Up to `limit` members of a level by key: (key, label, property values), all as text.

        Levels with properties read their members view (built from the hierarchy's tables); others the cell view.
        """
        level = layout.cube.known_level(ref)
        if ref in layout.member_views:
            key, name = quote("key"), quote("name") if level.has_label else quote("key")
            values = [f"CAST({quote(layout.property_column(i))} AS text)" for i in range(len(level.properties))]
            source = layout.member_view(ref)
        else:
            columns = layout.levels[ref]
            key, name, values = quote(columns.key), quote(columns.name or columns.key), []
            distinct = ", ".join(dict.fromkeys([key, name]))
            source = f"(SELECT DISTINCT {distinct} FROM {layout.view}) AS {quote('m')}"
        select = ", ".join([f"CAST({key} AS text)", f"CAST({name} AS text)", *values])
        async with self.engine.connect() as conn, conn.begin():
            await conn.execute(text(f"SET LOCAL ROLE {self.role}"))
            result = await conn.execute(
                text(f"SELECT {select} FROM {source} ORDER BY {key} LIMIT :limit"), {"limit": limit}
            )
            return [(row[0], row[1], list(row[2:])) for row in result]
