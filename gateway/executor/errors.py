"""Subgraph errors as the client sees them."""

from __future__ import annotations

from typing import Any


def subgraph_error(error: dict[str, Any], subgraph: str, path: list[Any] | None) -> dict[str, Any]:
    """Keep message and extensions, re-path to the client path, name the subgraph."""
    result: dict[str, Any] = {"message": error.get("message", "Subgraph error")}
    if path is not None:
        result["path"] = path
    extensions = dict(error.get("extensions") or {})
    extensions.setdefault("code", "DOWNSTREAM_SERVICE_ERROR")
    extensions["serviceName"] = subgraph
    # Subgraph internals (stack traces, exceptions) never reach clients.
    extensions.pop("exception", None)
    extensions.pop("stacktrace", None)
    result["extensions"] = extensions
    return result


def fetch_failed(subgraph: str, reason: str, path: list[Any] | None = None) -> dict[str, Any]:
    """The error reported when a subgraph could not be reached or answered garbage."""
    error: dict[str, Any] = {
        "message": f"HTTP fetch failed from '{subgraph}': {reason}",
        "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": subgraph},
    }
    if path is not None:
        error["path"] = path
    return error


def fetch_fault(subgraph: str) -> dict[str, Any]:
    """The error reported when one fetch failed inside the gateway (a bug or an answer it
    could not merge): the fetch's fields are null, the rest of the response stands."""
    return {
        "message": f"Fetch from '{subgraph}' failed in the gateway.",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "serviceName": subgraph},
    }
