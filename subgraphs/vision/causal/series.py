"""A cube's measures as time series: one pivot over the levels of its time dimension, in time order."""

from __future__ import annotations

import numpy as np

from subgraphs.vision.cube.model import CubeModel
from subgraphs.vision.pivot.query import PivotQuery, SortKey
from subgraphs.vision.service.pivots import PivotService
from subgraphs.vision.store.cubes import StoredCube

TIME_DIMENSION = "TimeDimension"


def time_levels(model: CubeModel) -> list[str]:
    """The refs of the first time dimension's levels (coarse to fine), or [] when the cube has none."""
    dimension = next((d for d in model.dimensions if d.type == TIME_DIMENSION), None)
    return [level.ref for level in dimension.levels] if dimension is not None else []


async def measure_series(pivots: PivotService, cube: StoredCube) -> dict[str, np.ndarray]:
    """Each measure (and calculated member) per period of the finest time level; {} without a time dimension.
    Periods where a measure is empty count as 0."""
    levels = time_levels(cube.model)
    if not levels:
        return {}
    members = cube.model.member_names[:20]
    query = PivotQuery(
        rows=tuple(levels),
        measures=tuple(members),
        sort=tuple(SortKey(level) for level in levels),
        limit=pivots.max_rows,
    )
    data = (await pivots.run(cube, query)).data
    return {
        series.measure: np.array([v if v is not None else 0.0 for v in series.values], dtype=float)
        for series in data.values
    }
