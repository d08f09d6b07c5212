import pytest

from axiom.secrets import SecretBox, SecretDecryptionError

KEY = "k" * 32


def test_round_trip_and_ciphertext_hides_the_secret():
    box = SecretBox(KEY)
    sealed = box.encrypt("hunter2", context="ds-1")
    assert "hunter2" not in sealed
    assert box.decrypt(sealed, context="ds-1") == "hunter2"
    assert box.encrypt("hunter2", context="ds-1") != sealed  # fresh nonce each time


def test_wrong_key_wrong_context_and_tampering_fail_loudly():
    sealed = SecretBox(KEY).encrypt("hunter2", context="ds-1")
    with pytest.raises(SecretDecryptionError):
        SecretBox("x" * 32).decrypt(sealed, context="ds-1")
    with pytest.raises(SecretDecryptionError):
        SecretBox(KEY).decrypt(sealed, context="ds-2")
    tampered = sealed[:-4] + ("AAAA" if sealed[-4:] != "AAAA" else "BBBB")
    with pytest.raises(SecretDecryptionError):
        SecretBox(KEY).decrypt(tampered, context="ds-1")
