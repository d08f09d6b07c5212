"""Authenticated encryption of secrets at rest (datasource passwords) with ENCRYPTION_KEY.

AES-256-GCM: the 32-character key is the AES key; each value gets a fresh 96-bit nonce, stored in front of
the ciphertext. Tampering or a wrong key fails loudly instead of returning garbage.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"


class SecretDecryptionError(Exception):
    """The stored secret cannot be decrypted with this key (wrong key or tampered value)."""


class SecretBox:
    def __init__(self, key: str) -> None:
        raw = key.encode()
        if len(raw) != 32:
            raise ValueError("ENCRYPTION_KEY must be 32 bytes")
        self._aead = AESGCM(raw)

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Encrypt; `context` (e.g. the owning row's id) is bound as associated data."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str = "") -> str:
        try:
            blob = base64.urlsafe_b64decode(token.encode())
            if blob[:1] != _VERSION:
                raise SecretDecryptionError("unknown secret format")
            return self._aead.decrypt(blob[1:13], blob[13:], context.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise SecretDecryptionError("secret cannot be decrypted with this ENCRYPTION_KEY") from exc
