"""Liveness and readiness: `/health/live` is 200 while the process runs; `/health/ready` checks each
enabled dependency and says precisely what is down.

Each check is `up`, `degraded` (working in a reduced way, e.g. a fallback), `down` or `disabled` (not
configured), and says whether the dependency is `required`. The answer is
- 200 `ok` when everything enabled is up,
- 200 `degraded` when only optional dependencies are down or degraded (requests are still served),
- 503 `unavailable` when a required dependency is down (or, for a group such as the gateway's subgraphs,
  when every member of it is down);
`down` lists the names of the dependencies that are down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


class Degraded:
    """A probe's answer when its dependency works, but in a reduced way (`reason` says how)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class ProbeFailed(Exception):
    """A probe failure whose message is safe to show (other exceptions are reported by type name only)."""


Probe = Callable[[], Awaitable["Degraded | None"]]


@dataclass(frozen=True)
class Dependency:
    name: str
    probe: Probe | None  # None: not configured → reported as "disabled"
    note: str | None = None
    required: bool = True  # False: the process still serves requests while it is down


class Readiness:
    def __init__(self, dependencies: list[Dependency], timeout: float = 2.0, any_of: tuple[str, ...] = ()) -> None:
        """`any_of`: optional dependencies of which at least one must be up (e.g. the gateway's subgraphs)."""
        self.dependencies = dependencies
        self.timeout = timeout
        self.any_of = any_of

    async def _check(self, dep: Dependency) -> dict[str, Any]:
        result: dict[str, Any] = {"required": dep.required, **({"note": dep.note} if dep.note else {})}
        if dep.probe is None:
            return {"status": "disabled", **result}
        try:
            answer = await asyncio.wait_for(dep.probe(), self.timeout)
        except ProbeFailed as exc:
            return {"status": "down", **result, "error": str(exc)}
        except Exception as exc:  # any failure of a probe means the dependency is not usable
            return {"status": "down", **result, "error": type(exc).__name__}
        if isinstance(answer, Degraded):
            return {"status": "degraded", **result, "note": answer.reason}
        return {"status": "up", **result}

    async def report(self) -> tuple[int, dict[str, Any]]:
        results = await asyncio.gather(*(self._check(d) for d in self.dependencies))
        checks = {d.name: r for d, r in zip(self.dependencies, results, strict=True)}
        down = [name for name, r in checks.items() if r["status"] == "down"]
        unavailable = any(checks[name]["required"] for name in down) or (
            bool(self.any_of) and all(checks[name]["status"] == "down" for name in self.any_of)
        )
        if unavailable:
            status = "unavailable"
        elif down or any(r["status"] == "degraded" for r in results):
            status = "degraded"
        else:
            status = "ok"
        body = {"status": status, "checks": checks, **({"down": down} if down else {})}
        return (503 if unavailable else 200), body


async def live_endpoint(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def ready_endpoint(readiness: Readiness) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(_: Request) -> JSONResponse:
        status, body = await readiness.report()
        return JSONResponse(body, status_code=status)

    return endpoint
