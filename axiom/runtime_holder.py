"""Where a subgraph app keeps its runtime: made by the lifespan, read by readiness probes and request contexts."""

from __future__ import annotations

from typing import Generic, TypeVar

RuntimeT = TypeVar("RuntimeT")


class RuntimeHolder(Generic[RuntimeT]):
    """The runtime exists between lifespan start and stop; `get()` outside that window is a programming error."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.runtime: RuntimeT | None = None

    def get(self) -> RuntimeT:
        if self.runtime is None:
            raise RuntimeError(f"{self.service} is not started (lifespan has not run)")
        return self.runtime
