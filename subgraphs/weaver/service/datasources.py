"""Datasource use cases: register, change, remove, test a connection, sync metadata into graph + snapshot."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from axiom.deadlines import CONNECT_TIMEOUT
from subgraphs.weaver.adapters import adapter_for
from subgraphs.weaver.adapters.base import ConnectionParams, DataSourceUnreachable, UnsupportedEngine
from subgraphs.weaver.catalog.model import DatabaseCatalog
from subgraphs.weaver.service.datasource_input import validate_datasource
from subgraphs.weaver.service.statistics import collect_statistics
from subgraphs.weaver.service.user_errors import (
    DUPLICATE,
    NOT_FOUND,
    UNREACHABLE,
    UNSUPPORTED,
    UserInputProblem,
    problem,
)
from subgraphs.weaver.store.datasources import DataSourceRecord, DataSourceStore, DuplicateDataSourceName
from subgraphs.weaver.store.schema_graph import SchemaGraphStore
from subgraphs.weaver.store.snapshots import SnapshotRecord, SnapshotStore
from subgraphs.weaver.store.statistics import StatisticsStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncOutcome:
    record: DataSourceRecord
    catalog: DatabaseCatalog
    snapshot: SnapshotRecord
    synced_at: dt.datetime


@dataclass(frozen=True)
class ConnectionReport:
    reachable: bool
    message: str
    server_version: str | None
    latency_ms: float


class CatalogSync:
    """Introspect a live datasource, make the graph match it and record a snapshot.

    Introspection happens before anything is written and the graph is replaced in one transaction, so a
    failed sync leaves the previous graph (and snapshot history) as it was.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        datasources: DataSourceStore,
        graph: SchemaGraphStore,
        snapshots: SnapshotStore,
        statistics_timeout: float = 30.0,
    ):
        self.engine = engine
        self.datasources = datasources
        self.graph = graph
        self.snapshots = snapshots
        self.statistics_timeout = statistics_timeout
        self.after_sync: list = []  # hooks called in the sync's transaction with (record, params, catalog, conn)

    async def sync(self, record: DataSourceRecord) -> SyncOutcome:
        params = await self.datasources.connection_params(record)
        catalog = await adapter_for(record.engine).introspect(params, record.schema_filter)
        return await self._record_sync(record, params, catalog)

    async def sync_if_changed(self, record: DataSourceRecord) -> SyncOutcome | None:
        """Sync unless the live catalog equals the latest snapshot's; then nothing is written (None)."""
        params = await self.datasources.connection_params(record)
        catalog = await adapter_for(record.engine).introspect(params, record.schema_filter)
        latest = await self.snapshots.latest_catalog(record.tenant_id, record.id)
        if latest is not None and latest.to_dict() == catalog.to_dict():
            return None
        return await self._record_sync(record, params, catalog)

    async def _record_sync(
        self, record: DataSourceRecord, params: ConnectionParams, catalog: DatabaseCatalog
    ) -> SyncOutcome:
        await self.graph.replace_catalog(record.tenant_id, record.id, record.name, catalog)
        statistics = await collect_statistics(params, catalog, self.statistics_timeout)
        synced_at = dt.datetime.now(dt.UTC)
        async with self.engine.begin() as conn:
            snapshot = await self.snapshots.add(conn, record.tenant_id, record.id, catalog, synced_at)
            await self.datasources.mark_synced(record.tenant_id, record.id, synced_at, conn=conn)
            await StatisticsStore.add(conn, record.tenant_id, record.id, snapshot.id, synced_at, statistics)
            for hook in self.after_sync:
                await hook(record, params, catalog, conn)
        log.info(
            "synced datasource %s: version %d, %d tables, %d columns",
            record.id,
            snapshot.version,
            catalog.table_count,
            catalog.column_count,
        )
        return SyncOutcome(record=record, catalog=catalog, snapshot=snapshot, synced_at=synced_at)


class DataSourceService:
    def __init__(
        self,
        datasources: DataSourceStore,
        graph: SchemaGraphStore,
        sync: CatalogSync,
        connect_timeout: float = CONNECT_TIMEOUT,
    ):
        self.datasources = datasources
        self.graph = graph
        self.catalog_sync = sync
        self.connect_timeout = connect_timeout  # testConnection's documented limit
        self.on_delete: list = []  # hooks (e.g. MindsDB mirror) called with the deleted record

    async def _require(self, tenant_id: str, datasource_id: str) -> DataSourceRecord:
        record = await self.datasources.get(tenant_id, datasource_id)
        if record is None:
            raise problem("id", "datasource not found", NOT_FOUND)
        return record

    async def create(self, tenant_id: str, values: dict[str, Any]) -> DataSourceRecord:
        spec = validate_datasource(values, creating=True)
        if spec.errors:
            raise UserInputProblem(*spec.errors)
        try:
            return await self.datasources.create(tenant_id, **spec.values)
        except DuplicateDataSourceName:
            raise problem("name", f"a datasource named '{spec.values['name']}' already exists", DUPLICATE) from None

    async def update(self, tenant_id: str, datasource_id: str, values: dict[str, Any]) -> DataSourceRecord:
        await self._require(tenant_id, datasource_id)
        spec = validate_datasource(values, creating=False)
        if spec.errors:
            raise UserInputProblem(*spec.errors)
        try:
            record = await self.datasources.update(tenant_id, datasource_id, spec.values)
        except DuplicateDataSourceName:
            raise problem("name", f"a datasource named '{spec.values['name']}' already exists", DUPLICATE) from None
        if record is None:  # deleted concurrently
            raise problem("id", "datasource not found", NOT_FOUND)
        if "name" in spec.values:
            await self.graph.rename_datasource(tenant_id, record.id, record.name)
        return record

    async def delete(self, tenant_id: str, datasource_id: str) -> str:
        """Remove the graph first, then the row (snapshots, statistics and glossary links cascade)."""
        record = await self._require(tenant_id, datasource_id)
        await self.graph.delete_datasource(tenant_id, record.id)
        for hook in self.on_delete:
            await hook(record)
        await self.datasources.delete(tenant_id, record.id)
        return record.id

    async def test_connection(self, params: ConnectionParams) -> ConnectionReport:
        """Connect and ask the server's version; answers within `connect_timeout` whatever the host does."""
        started = time.perf_counter()
        try:
            # The drivers' own timeouts cover opening the socket, not every way a handshake can stall (a host
            # that accepts and never speaks, or speaks another protocol): this bound covers the whole attempt.
            version = await asyncio.wait_for(
                adapter_for(params.engine).test_connection(params, self.connect_timeout), self.connect_timeout
            )
        except TimeoutError:
            return ConnectionReport(
                False,
                f"no answer within {self.connect_timeout:g} s (is it a {params.engine} server?)",
                None,
                (time.perf_counter() - started) * 1000,
            )
        except DataSourceUnreachable as exc:
            return ConnectionReport(False, str(exc), None, (time.perf_counter() - started) * 1000)
        except UnsupportedEngine as exc:
            raise problem("engine", str(exc), UNSUPPORTED) from None
        return ConnectionReport(True, "connected", version, (time.perf_counter() - started) * 1000)

    async def test_registered(self, tenant_id: str, datasource_id: str) -> ConnectionReport:
        record = await self._require(tenant_id, datasource_id)
        return await self.test_connection(await self.datasources.connection_params(record))

    async def sync(self, tenant_id: str, datasource_id: str) -> SyncOutcome:
        """Sync the datasource; the outcome's record is read again after the sync (its new `lastSyncedAt`)."""
        record = await self._require(tenant_id, datasource_id)
        try:
            outcome = await self.catalog_sync.sync(record)
        except DataSourceUnreachable as exc:
            raise problem("id", f"datasource unreachable: {exc}", UNREACHABLE) from None
        except UnsupportedEngine as exc:
            raise problem("engine", str(exc), UNSUPPORTED) from None
        # A delete that committed after the sync leaves nothing to answer with: NOT_FOUND, as for any other id.
        return dataclasses.replace(outcome, record=await self._require(tenant_id, record.id))
