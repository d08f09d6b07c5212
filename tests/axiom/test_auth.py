import time

import jwt
import pytest

from axiom.auth import AuthenticationError, JwtSettings, TokenVerifier, issue_token
from axiom.settings import Settings

SETTINGS = Settings(jwt_secret="test-secret-of-a-sensible-length-32b")


def test_a_valid_token_yields_tenant_subject_and_roles():
    token = issue_token(SETTINGS, tenant_id="acme", subject="ann", roles=["admin"])
    principal = TokenVerifier(JwtSettings.of(SETTINGS)).verify_header(f"Bearer {token}")
    assert (principal.tenant_id, principal.subject, principal.is_admin) == ("acme", "ann", True)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer not-a-jwt"])
def test_missing_or_malformed_headers_are_rejected(header):
    with pytest.raises(AuthenticationError):
        TokenVerifier(JwtSettings.of(SETTINGS)).verify_header(header)


def test_a_token_signed_with_another_secret_is_rejected():
    token = issue_token(Settings(jwt_secret="another-secret-of-a-sensible-length"), tenant_id="acme", subject="ann")
    with pytest.raises(AuthenticationError, match="invalid token"):
        TokenVerifier(JwtSettings.of(SETTINGS)).verify(token)


def test_an_expired_token_is_rejected():
    token = jwt.encode(
        {"sub": "ann", "tenant_id": "acme", "exp": int(time.time()) - 10}, "test-secret-of-a-sensible-length-32b"
    )
    with pytest.raises(AuthenticationError, match="expired"):
        TokenVerifier(JwtSettings.of(SETTINGS)).verify(token)


def test_a_token_without_tenant_is_rejected():
    token = jwt.encode({"sub": "ann", "exp": int(time.time()) + 60}, "test-secret-of-a-sensible-length-32b")
    with pytest.raises(AuthenticationError, match="tenant_id"):
        TokenVerifier(JwtSettings.of(SETTINGS)).verify(token)


def test_issuer_and_audience_are_enforced_when_configured():
    strict = SETTINGS.replace(jwt_issuer="axiom", jwt_audience="api")
    good = issue_token(strict, tenant_id="acme", subject="ann")
    assert TokenVerifier(JwtSettings.of(strict)).verify(good).tenant_id == "acme"
    foreign = issue_token(SETTINGS.replace(jwt_issuer="elsewhere", jwt_audience="api"), tenant_id="acme", subject="a")
    with pytest.raises(AuthenticationError):
        TokenVerifier(JwtSettings.of(strict)).verify(foreign)


def test_a_verified_token_stops_being_accepted_when_it_expires():
    verifier = TokenVerifier(JwtSettings.of(SETTINGS))
    token = issue_token(SETTINGS, tenant_id="acme", subject="ann", ttl_seconds=1)
    assert verifier.verify(token).tenant_id == "acme"
    assert verifier.verify(token).tenant_id == "acme"  # from the cache of verified tokens
    time.sleep(2.1)  # `exp` has whole seconds: past it for sure
    with pytest.raises(AuthenticationError, match="token expired"):
        verifier.verify(token)
