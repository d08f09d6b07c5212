"""Error masking for production: messages that may describe internals are replaced, codes are kept.

Errors written for clients (their codes say what the client did: BAD_USER_INPUT, NOT_FOUND, the limit codes …)
keep their message; faults (a subgraph unreachable, a bug, a subgraph's own masked error) do not, since their
messages may name hosts, ports or exceptions.
"""

from __future__ import annotations

from typing import Any

MASKED_MESSAGE = "Internal server error."
FAULT_CODES = frozenset(
    {
        "INTERNAL_SERVER_ERROR",
        "DOWNSTREAM_SERVICE_ERROR",
        "SUBREQUEST_HTTP_ERROR",
        "QUERY_PLANNING_FAILED",
        "SUBSCRIPTION_UPSTREAM_ERROR",
    }
)


def mask_fault_messages(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with the message of every fault error replaced (in place; returned for chaining)."""
    for error in body.get("errors") or ():
        extensions = error.get("extensions") or {}
        if extensions.get("code") in FAULT_CODES or "code" not in extensions:
            error["message"] = MASKED_MESSAGE
            extensions.pop("serviceName", None)
    return body
