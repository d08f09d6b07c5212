"""Datasource mutations: input problems come back as `userErrors`, never as a half-done change."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.unset import UNSET

from axiom.graphql_types import UserErrorCode
from subgraphs.weaver.adapters import DEFAULT_PORTS
from subgraphs.weaver.adapters.base import ConnectionParams
from subgraphs.weaver.resolvers.access import runtime, tenant
from subgraphs.weaver.resolvers.guard import guarded_create
from subgraphs.weaver.service.datasource_input import validate_datasource
from subgraphs.weaver.service.user_errors import UserInputProblem
from subgraphs.weaver.types.arguments import IdArg
from subgraphs.weaver.types.catalog import DataSource
from subgraphs.weaver.types.payloads import (
    ConnectionInput,
    CreateDataSourceInput,
    DataSourcePayload,
    DeleteDataSourcePayload,
    SyncMetadataPayload,
    TestConnectionPayload,
    UpdateDataSourceInput,
    UserError,
    given,
)
from subgraphs.weaver.types.snapshots import MetadataSnapshot


@strawberry.type
class DataSourceMutations:
    @strawberry.mutation(description="Register a datasource (honours an `Idempotency-Key` header).")
    async def create_data_source(
        self,
        info: Info,
        input: Annotated[CreateDataSourceInput, strawberry.argument(description="The new datasource.")],
    ) -> DataSourcePayload:
        values = given(input)

        async def create() -> DataSourcePayload:
            try:
                record = await runtime(info).datasource_service.create(tenant(info), values)
            except UserInputProblem as exc:
                return DataSourcePayload(data_source=None, user_errors=UserError.of(exc.errors))
            return DataSourcePayload(data_source=DataSource.from_record(record), user_errors=[])

        async def replay(datasource_id: str) -> DataSourcePayload:
            record = await runtime(info).datasources.get(tenant(info), datasource_id)
            return DataSourcePayload(data_source=DataSource.from_record(record) if record else None, user_errors=[])

        return await guarded_create(
            info, "createDataSource", values, create, lambda p: str(p.data_source.id) if p.data_source else None, replay
        )

    @strawberry.mutation(description="Change a datasource; omitted fields keep their value.")
    async def update_data_source(
        self,
        info: Info,
        input: Annotated[UpdateDataSourceInput, strawberry.argument(description="Id and changed fields.")],
    ) -> DataSourcePayload:
        values = given(input)
        datasource_id = str(values.pop("id"))
        try:
            record = await runtime(info).datasource_service.update(tenant(info), datasource_id, values)
        except UserInputProblem as exc:
            return DataSourcePayload(data_source=None, user_errors=UserError.of(exc.errors))
        return DataSourcePayload(data_source=DataSource.from_record(record), user_errors=[])

    @strawberry.mutation(description="Delete a datasource with its graph, snapshots, statistics and glossary links.")
    async def delete_data_source(self, info: Info, id: IdArg) -> DeleteDataSourcePayload:
        try:
            deleted = await runtime(info).datasource_service.delete(tenant(info), str(id))
        except UserInputProblem as exc:
            return DeleteDataSourcePayload(deleted_id=None, user_errors=UserError.of(exc.errors))
        return DeleteDataSourcePayload(deleted_id=strawberry.ID(deleted), user_errors=[])

    @strawberry.mutation(
        description="Try to connect to a registered datasource (`id`) or to unsaved details "
        "(`input`); reports the driver's reason when it fails. Answers within "
        "10 s (CONNECT_TIMEOUT) even when the host never speaks or speaks another "
        "protocol (reachable: false)."
    )
    async def test_connection(
        self,
        info: Info,
        id: Annotated[strawberry.ID | None, strawberry.argument(description="A registered datasource.")] = None,
        input: Annotated[
            ConnectionInput | None, strawberry.argument(description="Details of a datasource not registered yet.")
        ] = None,
    ) -> TestConnectionPayload:
        service = runtime(info).datasource_service
        try:
            if id is not None:
                report = await service.test_registered(tenant(info), str(id))
            elif input is not None:
                report = await service.test_connection(_params(input))
            else:
                return _test_failed(
                    [UserError(field="id", message="give either id or input", code=UserErrorCode.REQUIRED)]
                )
        except UserInputProblem as exc:
            return _test_failed(UserError.of(exc.errors))
        return TestConnectionPayload(
            reachable=report.reachable,
            message=report.message,
            server_version=report.server_version,
            latency_ms=round(report.latency_ms, 1),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Introspect the datasource now: update the schema graph and record a "
        "snapshot. On failure the previous graph stays as it was."
    )
    async def sync_metadata(self, info: Info, id: IdArg) -> SyncMetadataPayload:
        try:
            outcome = await runtime(info).datasource_service.sync(tenant(info), str(id))
        except UserInputProblem as exc:
            return SyncMetadataPayload(data_source=None, snapshot=None, user_errors=UserError.of(exc.errors))
        return SyncMetadataPayload(
            data_source=DataSource.from_record(outcome.record),
            snapshot=MetadataSnapshot.from_record(outcome.snapshot),
            user_errors=[],
        )


def _test_failed(errors: list[UserError]) -> TestConnectionPayload:
    return TestConnectionPayload(
        reachable=False, message=None, server_version=None, latency_ms=None, user_errors=errors
    )


def _params(input: ConnectionInput) -> ConnectionParams:
    values = given(input)
    spec = validate_datasource({**values, "name": "test"}, creating=True)
    if spec.errors:
        raise UserInputProblem(*spec.errors)
    v = spec.values
    port = v.get("port") or DEFAULT_PORTS[v["engine"]]
    password = values.get("password")
    return ConnectionParams(
        engine=v["engine"],
        host=v["host"],
        port=port,
        database=v["database"],
        username=v["username"],
        password="" if password in (None, UNSET) else password,
    )
