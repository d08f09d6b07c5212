"""Deleting a cube: its views, its row, its refresh runs and glossary links (cascade), and its cached pivots."""

from __future__ import annotations

from subgraphs.vision.store.cache import PivotCache
from subgraphs.vision.store.cubes import CubeStore, StoredCube
from subgraphs.vision.store.views import ViewStore


async def delete_cube(cube: StoredCube, *, cubes: CubeStore, views: ViewStore, cache: PivotCache | None) -> None:
    """Drop the cube's views and delete it in one transaction, then forget its cached pivots."""
    async with cubes.engine.begin() as conn:
        await views.drop(conn, cube)
        await cubes.delete(conn, cube)
    if cache is not None:
        await cache.invalidate_cube(cube.tenant_id, cube.id)
