"""Causal links per cube version in PostgreSQL: discovered statistics and users' verdicts, one row per pair."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ASSERTED, REJECTED = "asserted", "rejected"
_COLUMNS = (
    "driver, outcome, cube_version, lag, coefficient, p_value, confidence, outcome_base, discovered_at, "
    "verdict, verdict_confidence, verdict_coefficient, decided_by, decided_at"
)


@dataclass(frozen=True)
class StoredLink:
    driver: str
    outcome: str
    cube_version: int
    lag: int | None
    coefficient: float | None
    p_value: float | None
    confidence: float | None
    outcome_base: float | None
    discovered_at: datetime | None
    verdict: str | None
    verdict_confidence: float | None
    verdict_coefficient: float | None
    decided_by: str | None
    decided_at: datetime | None

    @property
    def effective_confidence(self) -> float:
        """The user's confidence for an asserted link, 0 for a rejected one, else the discovered one."""
        if self.verdict == REJECTED:
            return 0.0
        if self.verdict == ASSERTED and self.verdict_confidence is not None:
            return self.verdict_confidence
        return self.confidence or 0.0

    @property
    def effective_coefficient(self) -> float | None:
        if self.verdict == ASSERTED and self.verdict_coefficient is not None:
            return self.verdict_coefficient
        return self.coefficient

    def usable(self, min_confidence: float) -> bool:
        """Whether scenarios may use it: confident enough, not rejected, with a coefficient and a base level."""
        return (
            self.effective_confidence >= min_confidence
            and self.effective_coefficient is not None
            and self.outcome_base is not None
        )


class CausalLinkStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def replace_discovered(self, tenant_id: str, cube_id: str, version: int, links) -> None:
        """Store a discovery's links (`DiscoveredLink`s) for the cube version; verdicts are kept."""
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE vision.causal_links SET lag = NULL, coefficient = NULL, p_value = NULL, "
                    "confidence = NULL, discovered_at = NULL WHERE cube_id = CAST(:c AS uuid) "
                    "AND cube_version = :v"
                ),
                {"c": cube_id, "v": version},
            )
            await conn.execute(
                text(
                    "DELETE FROM vision.causal_links WHERE cube_id = CAST(:c AS uuid) "
                    "AND cube_version = :v AND verdict IS NULL"
                ),
                {"c": cube_id, "v": version},
            )
            for link in links:
                await conn.execute(
                    text(
                        "INSERT INTO vision.causal_links (id, tenant_id, cube_id, cube_version, driver, outcome, lag, "
                        "coefficient, p_value, confidence, outcome_base, discovered_at) VALUES (:id, :t, :c, :v, :d, :o, "
                        ":lag, :coef, :p, :conf, :base, now()) ON CONFLICT (cube_id, cube_version, driver, outcome) DO "
                        "UPDATE SET lag = EXCLUDED.lag, coefficient = EXCLUDED.coefficient, p_value = EXCLUDED.p_value, "
                        "confidence = EXCLUDED.confidence, outcome_base = EXCLUDED.outcome_base, discovered_at = now()"
                    ),
                    {
                        "id": str(uuid.uuid4()),
                        "t": tenant_id,
                        "c": cube_id,
                        "v": version,
                        "d": link.driver,
                        "o": link.outcome,
                        "lag": link.lag,
                        "coef": link.coefficient,
                        "p": link.p_value,
                        "conf": link.confidence,
                        "base": link.outcome_base,
                    },
                )

    async def links(self, tenant_id: str, cube_id: str, version: int) -> list[StoredLink]:
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(
                    f"SELECT {_COLUMNS} FROM vision.causal_links WHERE tenant_id = :t AND "
                    f"cube_id = CAST(:c AS uuid) AND cube_version = :v ORDER BY outcome, "
                    f"driver"
                ),
                {"t": tenant_id, "c": cube_id, "v": version},
            )
            return [StoredLink(**row._mapping) for row in result]

    async def decide(
        self,
        tenant_id: str,
        cube_id: str,
        version: int,
        driver: str,
        outcome: str,
        *,
        verdict: str,
        confidence: float | None,
        coefficient: float | None,
        outcome_base: float | None,
        decided_by: str | None,
    ) -> StoredLink:
        """Record a user's verdict on a link (creating the pair if discovery never tested it)."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"INSERT INTO vision.causal_links (id, tenant_id, cube_id, cube_version, driver, outcome, verdict, "
                        f"verdict_confidence, verdict_coefficient, outcome_base, decided_by, decided_at) VALUES (:id, :t, :c, "
                        f":v, :d, :o, :verdict, :conf, :coef, :base, :by, now()) ON CONFLICT (cube_id, cube_version, driver, "
                        f"outcome) DO UPDATE SET verdict = EXCLUDED.verdict, verdict_confidence = EXCLUDED.verdict_confidence, "
                        f"verdict_coefficient = EXCLUDED.verdict_coefficient, outcome_base = COALESCE(EXCLUDED.outcome_base, "
                        f"vision.causal_links.outcome_base), decided_by = EXCLUDED.decided_by, decided_at = now() "
                        f"RETURNING {_COLUMNS}"
                    ),
                    {
                        "id": str(uuid.uuid4()),
                        "t": tenant_id,
                        "c": cube_id,
                        "v": version,
                        "d": driver,
                        "o": outcome,
                        "verdict": verdict,
                        "conf": confidence,
                        "coef": coefficient,
                        "base": outcome_base,
                        "by": decided_by,
                    },
                )
            ).one()
        return StoredLink(**row._mapping)
