"""Liveness and readiness: `/health/live` is 200 while the process runs; `/health/ready` checks each
enabled dependency (`up`/`down`), lists disabled ones, and answers 503 `{"status":"degraded"}` if any is down.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse

Probe = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Dependency:
    name: str
    probe: Probe | None  # None: not configured → reported as "disabled"
    note: str | None = None


class Readiness:
    def __init__(self, dependencies: list[Dependency], timeout: float = 2.0):
        self.dependencies = dependencies
        self.timeout = timeout

    async def _check(self, dep: Dependency) -> dict:
        if dep.probe is None:
            return {"status": "disabled", **({"note": dep.note} if dep.note else {})}
        try:
            await asyncio.wait_for(dep.probe(), self.timeout)
            return {"status": "up", **({"note": dep.note} if dep.note else {})}
        except Exception as exc:  # any failure of a probe means the dependency is not usable
            return {"status": "down", "error": type(exc).__name__}

    async def report(self) -> tuple[int, dict]:
        results = await asyncio.gather(*(self._check(d) for d in self.dependencies))
        checks = {d.name: r for d, r in zip(self.dependencies, results)}
        degraded = any(r["status"] == "down" for r in results)
        body = {"status": "degraded" if degraded else "ok", "checks": checks}
        return (503 if degraded else 200), body


async def live_endpoint(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def ready_endpoint(readiness: Readiness):
    async def endpoint(_: Request) -> JSONResponse:
        status, body = await readiness.report()
        return JSONResponse(body, status_code=status)

    return endpoint
