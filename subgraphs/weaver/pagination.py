"""Relay cursors and page-size rules (pure): cursors are opaque base64 of a small JSON list."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from axiom.errors import BadUserInput

MAX_PAGE = 100
DEFAULT_PAGE = 20


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE}", field="first")
    return first


def encode_cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts), separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The parts of a cursor made by `encode_cursor`; anything else is BAD_USER_INPUT."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadUserInput("invalid cursor", field="after") from exc
    if not isinstance(parts, list) or len(parts) != arity:
        raise BadUserInput("invalid cursor", field="after")
    return parts
