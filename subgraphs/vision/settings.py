"""The settings Vision's runtime, resolvers and workers read: its part of `axiom.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass

from axiom.settings import Settings


@dataclass(frozen=True)
class VisionSettings:
    weaver_url: str  # Weaver's GraphQL API: the catalog checked when cubes load, glossary terms for NL→pivot
    query_timeout: float  # seconds per pivot statement and per OpenAI call
    max_rows: int
    redis_cache_ttl: int
    rate_limit_per_minute: int
    etl_sync_interval: int
    scenario_solver_timeout: float
    causal_min_confidence: float
    openai_api_key: str | None
    openai_model: str
    openai_base_url: str | None
    airflow_base_url: str | None
    worker_metrics_port: int

    @classmethod
    def of(cls, settings: Settings) -> VisionSettings:
        return cls(
            weaver_url=settings.subgraph_url("weaver"),
            query_timeout=settings.query_timeout,
            max_rows=settings.max_rows,
            redis_cache_ttl=settings.redis_cache_ttl,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            etl_sync_interval=settings.etl_sync_interval,
            scenario_solver_timeout=settings.scenario_solver_timeout,
            causal_min_confidence=settings.causal_min_confidence,
            openai_api_key=settings.openai_api_key,
            openai_model=settings.openai_model,
            openai_base_url=settings.openai_base_url,
            airflow_base_url=settings.airflow_base_url,
            worker_metrics_port=settings.vision_worker_metrics_port,
        )
