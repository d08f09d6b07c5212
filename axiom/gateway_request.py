"""A gateway request id, signed, sent to subgraphs with every call made for one client operation.

A client operation often reaches a subgraph several times (a root fetch, then `_entities` fetches). A subgraph
that counts per tenant (Weaver's rate limit) counts an operation once by its id. The id is signed with the JWT
secret the gateway and subgraphs already share, so a client calling a subgraph directly cannot forge one and
has each call counted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from axiom.settings import Settings

GATEWAY_REQUEST_HEADER = "x-axiom-gateway-request"
_CONTEXT = b"axiom-gateway-request\x00"


class GatewayRequestSigner:
    header = GATEWAY_REQUEST_HEADER

    def __init__(self, secret: str):
        self._key = secret.encode()

    @classmethod
    def from_settings(cls, settings: Settings) -> "GatewayRequestSigner | None":
        """None unless tokens are signed with a shared secret (HS*): a public key is no secret."""
        return cls(settings.jwt_secret) if settings.jwt_algorithm.upper().startswith("HS") else None

    def _mac(self, request_id: str) -> str:
        return hmac.new(self._key, _CONTEXT + request_id.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> str:
        """A fresh header value: `<id>.<mac>`."""
        request_id = secrets.token_hex(12)
        return f"{request_id}.{self._mac(request_id)}"

    def verify(self, value: str | None) -> str | None:
        """The request id when `value` was signed with our secret, else None."""
        if not value or value.count(".") != 1:
            return None
        request_id, mac = value.split(".")
        if not request_id or len(request_id) > 64:
            return None
        return request_id if hmac.compare_digest(mac, self._mac(request_id)) else None
