"""Described argument types, reused by resolvers (every argument of the API carries a description)."""

from __future__ import annotations

from typing import Annotated

import strawberry

First = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
After = Annotated[str | None, strawberry.argument(description="Cursor of the item after which the page starts.")]
DataSourceIdArg = Annotated[strawberry.ID, strawberry.argument(description="Datasource id.")]
SchemaNameArg = Annotated[str, strawberry.argument(description="Schema name.")]
NameArg = Annotated[str, strawberry.argument(description="Object name.")]
IdArg = Annotated[strawberry.ID, strawberry.argument(description="Object id.")]
