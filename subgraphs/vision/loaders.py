"""Per-request dataloaders: lookups made once per object of a list are batched into one query per request."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Sequence

from aiodataloader import DataLoader

from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.terms import MemberTermStore

TableKey = tuple[str, str, str]  # (datasource id, schema, table), as in Weaver's Table key


def _loader(fetch: Callable[[list], Awaitable[dict]], default: Callable[[], object], cache: bool) -> DataLoader:
    async def batch(keys: Sequence):
        found = await fetch(list(keys))
        return [found.get(key, default()) for key in keys]

    return DataLoader(batch_load_fn=batch, cache=cache)


def table_key(datasource_id: str, schema: str, table: str) -> TableKey:
    """The key as stored (canonical UUID text), so `ABC…` and `abc…` load the same cubes."""
    with contextlib.suppress(ValueError):  # not a datasource id: loads no cubes
        datasource_id = str(uuid.UUID(datasource_id))
    return (datasource_id, schema, table)


class VisionLoaders:
    """All loaders of one request, scoped to its tenant.

    `cache=False` still batches the lookups made together, but answers none from memory: for a WebSocket
    connection, whose one context serves every event of its subscriptions, each event must see fresh data.
    """

    def __init__(self, cubes: CubeStore, terms: MemberTermStore, tenant_id: str, *, cache: bool = True):
        self.cubes_of_table: DataLoader = _loader(lambda keys: cubes.by_fact_tables(tenant_id, keys), list, cache)
        self.member_terms: DataLoader = _loader(lambda ids: terms.of_cubes(tenant_id, ids), dict, cache)
