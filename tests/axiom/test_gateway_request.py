"""Signed gateway request ids: only our gateway's ids verify."""

from axiom.gateway_request import GatewayRequestSigner
from axiom.settings import Settings


def test_a_fresh_id_verifies_and_each_is_new():
    signer = GatewayRequestSigner("s" * 32)
    first, second = signer.new(), signer.new()
    assert first != second
    assert signer.verify(first) == first.split(".")[0]


def test_tampered_foreign_and_malformed_values_do_not_verify():
    signer = GatewayRequestSigner("s" * 32)
    request_id, mac = signer.new().split(".")
    assert signer.verify(f"{request_id}0.{mac}") is None
    assert GatewayRequestSigner("t" * 32).verify(f"{request_id}.{mac}") is None
    for value in (None, "", request_id, f"{request_id}.{mac}.x", f".{mac}", "x" * 65 + "." + mac):
        assert signer.verify(value) is None


def test_only_a_shared_jwt_secret_signs():
    assert GatewayRequestSigner.from_settings(Settings.from_env({})) is not None
    assert GatewayRequestSigner.from_settings(Settings.from_env({"JWT_ALGORITHM": "RS256"})) is None
