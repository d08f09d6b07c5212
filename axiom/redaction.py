"""Redaction of secrets from text that leaves the process (log lines, error reports).

The first line of defence is not to put secrets into messages at all (engines run with `hide_parameters`);
this is the second: whatever text reaches a log handler or an error report passes through `redact`.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"

# Field names whose values are secrets wherever they appear (log `extra`, error-report data, headers).
SECRET_FIELD = re.compile(
    r"pass(word|wd)?|secret|token|authorization|cookie|api[_-]?key|encryption[_-]?key|ciphertext|"
    r"_encrypted$|credential|dsn$",
    re.IGNORECASE,
)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # SQLAlchemy appends the statement parameters to its error text (a sealed password among them).
    (re.compile(r"\[parameters: .*?\]\n?(?=\(Background|\Z|\n)", re.DOTALL), f"[parameters: {REDACTED}]\n"),
    # PostgreSQL's constraint errors quote the whole row.
    (re.compile(r"(Failing row contains|Key) \(.*?\)(=\(.*?\))?", re.DOTALL), rf"\1 ({REDACTED})"),
    # A value sealed by axiom.secrets.SecretBox: urlsafe base64 of version byte 0x01 + nonce + ciphertext
    # (0x01 then any 4 bits encode as "A" then one of Q…Z, a…f).
    (re.compile(r"\bA[Q-Za-f][A-Za-z0-9_-]{38,}={0,2}"), REDACTED),
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), rf"\1 {REDACTED}"),
    # Passwords inside connection URLs: scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE), rf"\1{REDACTED}@"),
    (
        re.compile(
            r"\b(password|passwd|secret|token|api_key|apikey)(['\"]?\s*[=:]\s*['\"]?)[^\s'\",;)}]+", re.IGNORECASE
        ),
        rf"\1\2{REDACTED}",
    ),
)


def redact(text: str) -> str:
    """`text` with statement parameters, sealed values, bearer tokens and `password=…` pairs replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    """A value stored under `key`: hidden entirely when the key names a secret, text redacted otherwise."""
    if SECRET_FIELD.search(key):
        return REDACTED
    return redact(value) if isinstance(value, str) else value
