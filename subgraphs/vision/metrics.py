"""Vision's Prometheus metrics (names from the Vision deployment guide), on the shared registry."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from axiom.metrics import REGISTRY

PIVOT_QUERY_DURATION = Histogram(
    "vision_pivot_query_duration_seconds",
    "Pivot query duration, cache hits included",
    ["source"],
    registry=REGISTRY,
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ETL_SYNC_DURATION = Histogram(
    "vision_etl_sync_duration_seconds",
    "Duration of a cube refresh or of a full ETL sync",
    ["trigger", "status"],
    registry=REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
)
LLM_CALL_DURATION = Histogram(
    "vision_llm_call_duration_seconds",
    "Duration of NL→pivot calls to the language model",
    ["outcome"],
    registry=REGISTRY,
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CACHE_LOOKUPS = Counter("vision_pivot_cache_lookups_total", "Pivot cache lookups", ["result"], registry=REGISTRY)
CACHE_HIT_RATIO = Gauge(
    "vision_cache_hit_ratio", "Share of pivot cache lookups that hit, since start", registry=REGISTRY
)

_lookups = {"hit": 0, "miss": 0}


def record_cache_lookup(hit: bool) -> None:
    result = "hit" if hit else "miss"
    _lookups[result] += 1
    CACHE_LOOKUPS.labels(result).inc()
    CACHE_HIT_RATIO.set(_lookups["hit"] / (_lookups["hit"] + _lookups["miss"]))


SCENARIO_COMPUTE_DURATION = Histogram(
    "vision_scenario_compute_duration_seconds",
    "Duration of a scenario solve (SLSQP), by final status",
    ["status"],
    registry=REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
ACTIVE_COMPUTATIONS = Gauge("vision_active_computations", "Scenario solves running in this process", registry=REGISTRY)
