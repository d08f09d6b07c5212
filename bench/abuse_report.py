"""The pure parts of bench/abuse.py: leak detectors over responses, the figures with their goals, and the table.

Nothing here does I/O, so tests/bench/test_abuse_report.py runs it without a stack.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

# What a Python, Java or database stack trace looks like inside a response body.
_TRACE_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File \\?"[^"\\]+\.py\\?", line \d+'),  # also as JSON writes it: File \"x.py\"
    re.compile(r"\bat (?:java|javax|com|org|io|net|sun)\.[\w.$]+\([\w.]*(?::\d+)?\)"),
    re.compile(
        r"\b(?:asyncpg|sqlalchemy|neo4j|redis|aiohttp|httpx|starlette|strawberry|graphql)\.[\w.]*"
        r"(?:exceptions?|exc|errors?)\.\w+"
    ),
    re.compile(r"<(?:module|coroutine|function) [\w.<>]+ at 0x[0-9a-f]+>"),
]

# Statements of our own (SQL or Cypher) quoted in an error: schema names, joins, parameters an attacker should
# never see. Matched in `errors` only: `pivot { sql }` and runQuery rows are data the caller asked for.
_STATEMENT_PATTERNS = [
    re.compile(r"\bSELECT\b[^;]{1,400}?\bFROM\b", re.IGNORECASE | re.DOTALL),
    re.compile(r"\bINSERT\s+INTO\b", re.IGNORECASE),
    re.compile(r"\bUPDATE\s+[\w.\"]+\s+SET\b", re.IGNORECASE),
    re.compile(r"\bDELETE\s+FROM\b", re.IGNORECASE),
    re.compile(r"\b(?:CREATE|DROP|ALTER)\s+(?:TABLE|MATERIALIZED\s+VIEW|VIEW|ROLE|SCHEMA|INDEX)\b", re.IGNORECASE),
    re.compile(r"\bREFRESH\s+MATERIALIZED\s+VIEW\b", re.IGNORECASE),
    re.compile(r"\b(?:MATCH|MERGE)\s*\(\w*:\w+", re.IGNORECASE),
    re.compile(r"\$\d+::\w+|\$[a-z_]+\b.*\bRETURN\b", re.IGNORECASE),
]

MIN_SECRET_LENGTH = 8  # shorter "secrets" would match by chance


def stack_traces(text: str) -> list[str]:
    """The stack-trace fragments found in a response body."""
    return [match.group(0) for pattern in _TRACE_PATTERNS for match in pattern.finditer(text)]


def statements_in_errors(body: object, request_text: str) -> list[str]:
    """SQL or Cypher quoted in the `errors` of a GraphQL body, except text the request itself sent (a message
    may quote the caller's own input)."""
    if not isinstance(body, dict) or not body.get("errors"):
        return []
    text = json.dumps(body["errors"], ensure_ascii=False)
    request = request_text.lower()
    found = []
    for pattern in _STATEMENT_PATTERNS:
        for match in pattern.finditer(text):
            if match.group(0).lower() not in request:
                found.append(match.group(0))
    return found


def secrets_in(text: str, known: dict[str, str]) -> list[str]:
    """Names of the known secrets that appear in `text` (as they are, or JSON-escaped)."""
    return sorted(
        name
        for name, value in known.items()
        if len(value) >= MIN_SECRET_LENGTH and (value in text or json.dumps(value)[1:-1] in text)
    )


def error_codes(body: object) -> list[str | None]:
    """`extensions.code` of each error of a GraphQL body (None for an error without one)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [
        ((error.get("extensions") or {}).get("code") if isinstance(error, dict) else None) for error in body["errors"]
    ]


def unhandled(body: object, text: str) -> bool:
    """A fault the server did not handle: an INTERNAL_SERVER_ERROR code or a stack trace in the body."""
    return "INTERNAL_SERVER_ERROR" in error_codes(body) or bool(stack_traces(text))


def anonymized(body: object, ids: dict[str, str]) -> str:
    """The body as text with each id it was asked about replaced by a placeholder, so that answers for another
    tenant's ids and for ids that exist nowhere can be compared (messages may quote the caller's input)."""
    text = json.dumps(body, sort_keys=True)
    for key, value in sorted(ids.items(), key=lambda item: -len(item[1])):
        text = text.replace(value, f"<{key}>")
    return text


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Row:
    """One line of the report: a figure, the goal it is held to, and whether it meets it (None: no goal)."""

    section: str
    case: str
    figure: str
    goal: str = ""
    met: bool | None = None


def verdict(met: bool | None) -> str:
    return {True: "ok", False: "MISSED", None: ""}[met]


def format_table(rows: list[Row]) -> str:
    """A plain-text table, one row per figure, the section printed once per group."""
    header = ("section", "case", "figure", "goal", "")
    cells = []
    previous = None
    for row in rows:
        cells.append((row.section if row.section != previous else "", row.case, row.figure, row.goal, verdict(row.met)))
        previous = row.section
    widths = [max(len(header[i]), *(len(c[i]) for c in cells)) if cells else len(header[i]) for i in range(5)]
    line = "  ".join("-" * w for w in widths)

    def render(values) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()

    return "\n".join([render(header), line, *map(render, cells)])


def missed(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.met is False]


def summary(rows: list[Row]) -> str:
    misses = missed(rows)
    goals = sum(row.met is not None for row in rows)
    if not misses:
        return f"every goal met ({goals} of {goals})"
    return f"{len(misses)} of {goals} goals MISSED: " + "; ".join(f"{r.section} / {r.case}" for r in misses)
