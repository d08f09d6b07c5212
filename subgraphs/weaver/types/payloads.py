"""Mutation inputs and payloads: each payload carries `userErrors { field message code }`."""

from __future__ import annotations

from dataclasses import fields as dc_fields
from typing import Any

import strawberry
from strawberry.types.unset import UNSET

from axiom.graphql_types import UserError
from subgraphs.weaver.types.catalog import DataSource, DataSourceEngine
from subgraphs.weaver.types.snapshots import MetadataSnapshot


def given(input_obj: Any) -> dict[str, Any]:
    """The fields of an input object the client actually sent (UNSET ones left out); enums become values."""
    values = {}
    for f in dc_fields(input_obj):
        value = getattr(input_obj, f.name)
        if value is UNSET:
            continue
        values[f.name] = value.value if isinstance(value, DataSourceEngine) else value
    return values


@strawberry.input(description="A new datasource. The password is encrypted at rest and never returned.")
class CreateDataSourceInput:
    name: str = strawberry.field(description="Name, unique within the tenant.")
    engine: DataSourceEngine = strawberry.field(description="Database engine.")
    host: str = strawberry.field(description="Host name or address.")
    database: str = strawberry.field(description="Database name.")
    username: str = strawberry.field(description="User to connect as (read-only access is enough).")
    port: int | None = strawberry.field(default=UNSET, description="TCP port; the engine's default when omitted.")
    password: str | None = strawberry.field(default=UNSET, description="Password, if the server needs one.")
    schemas: list[str] | None = strawberry.field(
        default=UNSET, description="Schemas to introspect; all visible schemas when omitted."
    )


@strawberry.input(description="Changes to a datasource; omitted fields keep their value.")
class UpdateDataSourceInput:
    id: strawberry.ID = strawberry.field(description="Datasource to change.")
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    engine: DataSourceEngine | None = strawberry.field(default=UNSET, description="New engine.")
    host: str | None = strawberry.field(default=UNSET, description="New host.")
    port: int | None = strawberry.field(default=UNSET, description="New port.")
    database: str | None = strawberry.field(default=UNSET, description="New database name.")
    username: str | None = strawberry.field(default=UNSET, description="New user.")
    password: str | None = strawberry.field(default=UNSET, description="New password; null removes it.")
    schemas: list[str] | None = strawberry.field(default=UNSET, description="New schema filter; null: all.")


@strawberry.input(description="Connection details to test before registering a datasource.")
class ConnectionInput:
    engine: DataSourceEngine = strawberry.field(description="Database engine.")
    host: str = strawberry.field(description="Host name or address.")
    database: str = strawberry.field(description="Database name.")
    username: str = strawberry.field(description="User to connect as.")
    port: int | None = strawberry.field(default=UNSET, description="TCP port; the engine's default when omitted.")
    password: str | None = strawberry.field(default=UNSET, description="Password, if the server needs one.")


@strawberry.type(description="Result of creating or updating a datasource.")
class DataSourcePayload:
    data_source: DataSource | None = strawberry.field(description="The datasource, unless userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(description="Problems with the input; empty on success.")


@strawberry.type(description="Result of deleting a datasource.")
class DeleteDataSourcePayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="Id of the deleted datasource.")
    user_errors: list[UserError] = strawberry.field(description="Problems with the input; empty on success.")


@strawberry.type(description="Whether a datasource can be reached with its credentials.")
class TestConnectionPayload:
    reachable: bool = strawberry.field(description="True when a connection and login succeeded.")
    message: str | None = strawberry.field(description="The driver's reason when unreachable (never a secret).")
    server_version: str | None = strawberry.field(description="Server version reported on success.")
    latency_ms: float | None = strawberry.field(description="Time taken to connect, in milliseconds.")
    user_errors: list[UserError] = strawberry.field(description="Problems with the input; empty on success.")


@strawberry.type(description="Result of a metadata sync.")
class SyncMetadataPayload:
    data_source: DataSource | None = strawberry.field(description="The synced datasource.")
    snapshot: MetadataSnapshot | None = strawberry.field(description="The snapshot this sync recorded.")
    user_errors: list[UserError] = strawberry.field(description="Problems (e.g. unreachable); empty on success.")
