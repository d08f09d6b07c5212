"""HTTP front of the gateway."""

from gateway.http.app import AuthenticationRejected, create_gateway_app

__all__ = ["AuthenticationRejected", "create_gateway_app"]
