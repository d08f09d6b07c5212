"""The client API schema derived from the supergraph."""

from gateway.api_schema.build import build_api_schema

__all__ = ["build_api_schema"]
