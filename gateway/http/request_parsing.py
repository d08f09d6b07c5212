"""Reading GraphQL-over-HTTP requests (POST JSON body, GET query string)."""

from __future__ import annotations

import orjson

from gateway.engine import GraphQLRequest


class BadRequest(Exception):
    """The HTTP request does not carry a well-formed GraphQL request."""


def from_json_body(raw: bytes) -> GraphQLRequest:
    """`{"query", "variables", "operationName"}` → GraphQLRequest."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("Request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise BadRequest("Request body must be a JSON object.")
    return _request(payload.get("query"), payload.get("variables"), payload.get("operationName"))


def from_query_params(params) -> GraphQLRequest:
    """GET: `?query=…&variables=<json>&operationName=…`."""
    variables = params.get("variables")
    if variables:
        try:
            variables = orjson.loads(variables)
        except orjson.JSONDecodeError:
            raise BadRequest("'variables' is not valid JSON.") from None
    return _request(params.get("query"), variables or None, params.get("operationName"))


def _request(query, variables, operation_name) -> GraphQLRequest:
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("Missing 'query'.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("'variables' must be an object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("'operationName' must be a string.")
    return GraphQLRequest(query, variables, operation_name)
