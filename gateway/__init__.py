"""Axiom's Apollo Federation v2 gateway.

Rooms, in the order a request crosses them: `supergraph` (model of the composed
schema) → `api_schema` (what clients see) → `operation` (parse, validate, normalize)
→ `planner` (pure query planning) → `executor` (I/O through `transport`) → `http`.
"""

from gateway.engine import Gateway, GraphQLRequest, GraphQLResponse
from gateway.http import create_gateway_app

__all__ = ["Gateway", "GraphQLRequest", "GraphQLResponse", "create_gateway_app"]
