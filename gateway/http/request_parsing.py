"""Reading GraphQL-over-HTTP requests (POST JSON body, GET query string, WS payloads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, overload

import orjson

from gateway.engine import GraphQLRequest


class BadRequest(Exception):
    """The HTTP request does not carry a well-formed GraphQL request; `code` goes to `extensions.code`."""

    def __init__(self, message: str, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.code = code


@overload
def from_json_body(
    raw: bytes, *, batching: Literal[False] = False, max_batch_size: int | None = None
) -> GraphQLRequest: ...


@overload
def from_json_body(
    raw: bytes, *, batching: bool, max_batch_size: int | None = None
) -> GraphQLRequest | list[GraphQLRequest]: ...


def from_json_body(
    raw: bytes, *, batching: bool = False, max_batch_size: int | None = None
) -> GraphQLRequest | list[GraphQLRequest]:
    """`{"query", "variables", "operationName", "extensions"}` → GraphQLRequest; a JSON
    array of them → a batch, when batching is enabled (of at most `max_batch_size`)."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("Request body is not valid JSON.") from None
    if isinstance(payload, list):
        if not batching:
            raise BadRequest("Batched requests are not enabled.")
        if not payload:
            raise BadRequest("A batch needs at least one operation.")
        if max_batch_size is not None and len(payload) > max_batch_size:
            raise BadRequest(
                f"A batch may hold at most {max_batch_size} operations; this one has {len(payload)}.", "BATCH_TOO_LARGE"
            )
        return [from_payload(item) for item in payload]
    return from_payload(payload)


def from_payload(payload: Any) -> GraphQLRequest:
    """A decoded request object (POST body item, WebSocket `subscribe` payload)."""
    if not isinstance(payload, dict):
        raise BadRequest("Request body must be a JSON object.")
    return _request(
        payload.get("query"), payload.get("variables"), payload.get("operationName"), payload.get("extensions")
    )


def from_query_params(params: Mapping[str, str]) -> GraphQLRequest:
    """GET: `?query=…&variables=<json>&operationName=…&extensions=<json>`."""
    variables = _json_param(params, "variables")
    extensions = _json_param(params, "extensions")
    return _request(params.get("query"), variables or None, params.get("operationName"), extensions)


def _json_param(params: Mapping[str, str], name: str) -> Any:
    value = params.get(name)
    if not value:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise BadRequest(f"'{name}' is not valid JSON.") from None


def _request(query: Any, variables: Any, operation_name: Any, extensions: Any = None) -> GraphQLRequest:
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("'extensions' must be an object.")
    persisted = (extensions or {}).get("persistedQuery")
    # With a persisted-query hash the text may be omitted (looked up by hash later).
    if persisted is None and (not isinstance(query, str) or not query.strip()):
        raise BadRequest("Missing 'query'.")
    if query is not None and not isinstance(query, str):
        raise BadRequest("'query' must be a string.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("'variables' must be an object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("'operationName' must be a string.")
    return GraphQLRequest(query, variables, operation_name, extensions)
