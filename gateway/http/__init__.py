"""HTTP front of the gateway."""

from gateway.http.app import create_gateway_app

__all__ = ["create_gateway_app"]
