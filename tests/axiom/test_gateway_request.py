"""Signed gateway request ids: only our gateway's recent ids, for the same Authorization, verify."""

from axiom.gateway_request import MAX_AGE_SECONDS, GatewayRequestSigner
from axiom.settings import Settings

TOKEN = {"authorization": "Bearer user-token"}


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_fresh_id_verifies_and_each_is_new():
    signer = GatewayRequestSigner("s" * 32)
    first, second = signer.new(TOKEN), signer.new(TOKEN)
    assert first != second
    assert signer.verify(first, TOKEN["authorization"]) == first.split(".")[0]


def test_tampered_foreign_and_malformed_values_do_not_verify():
    signer = GatewayRequestSigner("s" * 32)
    request_id, issued, mac = signer.new(TOKEN).split(".")
    auth = TOKEN["authorization"]
    assert signer.verify(f"{request_id}0.{issued}.{mac}", auth) is None
    assert signer.verify(f"{request_id}.{int(issued) + 1}.{mac}", auth) is None
    assert GatewayRequestSigner("t" * 32).verify(f"{request_id}.{issued}.{mac}", auth) is None
    for value in (
        None,
        "",
        request_id,
        f"{request_id}.{mac}",
        f"{request_id}.{issued}.{mac}.x",
        f".{issued}.{mac}",
        "x" * 65 + f".{issued}.{mac}",
        f"{request_id}.-1.{mac}",
    ):
        assert signer.verify(value, auth) is None


def test_a_signature_works_only_with_the_token_it_was_made_for():
    signer = GatewayRequestSigner("s" * 32)
    value = signer.new(TOKEN)
    assert signer.verify(value, "Bearer another-users-token") is None
    assert signer.verify(value, None) is None


def test_a_captured_signature_expires():
    clock = Clock()
    signer = GatewayRequestSigner("s" * 32, clock=clock)
    value = signer.new(TOKEN)
    clock.now += MAX_AGE_SECONDS
    assert signer.verify(value, TOKEN["authorization"]) is not None
    clock.now += 1
    assert signer.verify(value, TOKEN["authorization"]) is None


def test_the_dedicated_secret_signs_and_else_only_a_shared_jwt_secret():
    assert GatewayRequestSigner.from_settings(Settings.from_env({})) is not None
    assert GatewayRequestSigner.from_settings(Settings.from_env({"JWT_ALGORITHM": "RS256"})) is None
    dedicated = Settings.from_env({"JWT_ALGORITHM": "RS256", "GATEWAY_SHARED_SECRET": "g" * 32})
    value = GatewayRequestSigner.from_settings(dedicated).new(TOKEN)
    assert GatewayRequestSigner("g" * 32).verify(value, TOKEN["authorization"]) is not None
