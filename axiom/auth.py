"""JWT verification shared by the gateway and the subgraphs.

Every request carries `Authorization: Bearer <jwt>`; the tenant comes from the `tenant_id` claim, the user
from `sub`, roles from `roles`. The gateway checks the token and forwards it; each subgraph checks it again so
that a subgraph reached directly is no weaker than the gateway.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import jwt
from jwt.types import Options

from axiom.settings import Settings


class AuthenticationError(Exception):
    """The request carries no valid token. The message is safe to show to clients."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant scopes every read and write."""

    tenant_id: str
    subject: str
    roles: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(frozen=True)
class JwtSettings:
    """What signs and checks tokens (JWT_SECRET, JWT_ALGORITHM, JWT_ISSUER, JWT_AUDIENCE): the part of
    `axiom.settings.Settings` that `TokenVerifier` and `issue_token` read."""

    secret: str
    algorithm: str
    issuer: str | None
    audience: str | None

    @classmethod
    def of(cls, settings: Settings) -> JwtSettings:
        return cls(
            secret=settings.jwt_secret,
            algorithm=settings.jwt_algorithm,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )


class TokenVerifier:
    """Verifies bearer tokens against the configured secret, algorithm, issuer and audience."""

    # Verified tokens kept (until they expire) so that a client's every request does
    # not pay the signature check again; bounded, least recently used out first.
    CACHE_SIZE = 10_000

    def __init__(self, jwt_settings: JwtSettings) -> None:
        self._secret = jwt_settings.secret
        self._algorithm = jwt_settings.algorithm
        self._issuer = jwt_settings.issuer
        self._audience = jwt_settings.audience
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        """The token's principal; raises AuthenticationError (safe to show) when invalid."""
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal, expires = self._verify_signed(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self.CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    def _verify_signed(self, token: str) -> tuple[Principal, float]:
        options: Options = {"require": ["exp", "sub"], "verify_aud": self._audience is not None}
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
                options=options,
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("token expired") from exc
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid token") from exc
        tenant_id = claims.get("tenant_id")
        if not isinstance(tenant_id, str) or not tenant_id:
            raise AuthenticationError("token has no tenant_id claim")
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = [roles]
        principal = Principal(tenant_id=tenant_id, subject=str(claims["sub"]), roles=frozenset(map(str, roles)))
        return principal, float(claims["exp"])

    def verify_header(self, authorization: str | None) -> Principal:
        """Verify an `Authorization` header value (`Bearer <token>`)."""
        if not authorization:
            raise AuthenticationError("missing bearer token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("authorization header must be 'Bearer <token>'")
        return self.verify(token.strip())

    def verify_headers(self, headers: Mapping[str, str]) -> Principal:
        return self.verify_header(headers.get("authorization"))


def issue_token(
    settings: JwtSettings | Settings,
    *,
    tenant_id: str,
    subject: str,
    roles: Iterable[str] = (),
    ttl_seconds: int = 3600,
) -> str:
    """Mint a token signed with the configured secret (development, tests and the `axiom token` command).

    `settings`: the JWT section, or whole settings (tests and commands hold those)."""
    keys = JwtSettings.of(settings) if isinstance(settings, Settings) else settings
    now = int(time.time())
    claims = {"sub": subject, "tenant_id": tenant_id, "roles": list(roles), "iat": now, "exp": now + ttl_seconds}
    if keys.issuer:
        claims["iss"] = keys.issuer
    if keys.audience:
        claims["aud"] = keys.audience
    return jwt.encode(claims, keys.secret, algorithm=keys.algorithm)
