"""Registering datasources and syncing their metadata into the schema graph."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from subgraphs.weaver.adapters import adapter_for
from subgraphs.weaver.catalog.model import DatabaseCatalog
from subgraphs.weaver.store.datasources import DataSourceRecord, DataSourceStore
from subgraphs.weaver.store.schema_graph import SchemaGraphStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncOutcome:
    record: DataSourceRecord
    catalog: DatabaseCatalog
    synced_at: dt.datetime


class CatalogSync:
    """Introspect a live datasource and make the graph match it (the graph changes only if all of it works)."""

    def __init__(self, datasources: DataSourceStore, graph: SchemaGraphStore):
        self.datasources = datasources
        self.graph = graph

    async def sync(self, record: DataSourceRecord) -> SyncOutcome:
        params = await self.datasources.connection_params(record)
        catalog = await adapter_for(record.engine).introspect(params, record.schema_filter)
        await self.graph.replace_catalog(record.tenant_id, record.id, record.name, catalog)
        synced_at = dt.datetime.now(dt.timezone.utc)
        await self.datasources.mark_synced(record.tenant_id, record.id, synced_at)
        log.info("synced datasource %s: %d tables, %d columns", record.id, catalog.table_count,
                 catalog.column_count)
        return SyncOutcome(record=record, catalog=catalog, synced_at=synced_at)
