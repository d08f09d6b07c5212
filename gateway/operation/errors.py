"""Request errors raised before any subgraph is called (answered with HTTP 400)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class OperationError(Exception):
    """A document that cannot be executed; carries GraphQL error dicts."""

    def __init__(self, code: str, messages: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(messages[0]["message"] if messages else code)
        self.code = code
        self.errors = [{**m, "extensions": {**m.get("extensions", {}), "code": code}} for m in messages]
