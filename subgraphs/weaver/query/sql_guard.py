"""Is this SQL one read-only statement? A conservative, driver-free check done before any connection.

The database enforces read-only too (READ ONLY transaction); this check exists to refuse writes with a clear
BAD_USER_INPUT instead of a driver error, and to refuse several statements at once.
"""

from __future__ import annotations

import re

# REPLACE is left out of WRITE_WORDS: MySQL's REPLACE statement is refused by READ_STARTS already and
# replace() is a common function.
READ_STARTS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "DESCRIBE", "DESC"})
WRITE_WORDS = frozenset({
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME",
    "GRANT", "REVOKE", "COPY", "CALL", "DO", "LOCK", "VACUUM", "ANALYZE", "CLUSTER", "REINDEX", "COMMENT", "SET",
    "RESET", "INTO", "REFRESH", "LOAD", "HANDLER", "IMPORT", "EXECUTE", "PREPARE", "DEALLOCATE", "LISTEN", "NOTIFY",
})
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


class UnsafeQuery(ValueError):
    """The message says why, for the client."""


def _words_outside_literals(sql: str) -> tuple[list[str], bool]:
    """Upper-cased bare words outside strings, quoted identifiers and comments; and whether a `;` separates
    two statements. Parentheses outside literals must balance without ever closing more than were opened (a
    statement embedded in another one, as MindsDB native queries are, cannot break out of its brackets)."""
    words: list[str] = []
    i, n = 0, len(sql)
    separated = False
    seen_semicolon = False
    depth = 0
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i) or ch == "#":
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                raise UnsafeQuery("unterminated comment")
            i = end + 2
        elif ch in ("'", '"', "`"):
            j = i + 1
            while True:
                j = sql.find(ch, j)
                if j < 0:
                    raise UnsafeQuery("unterminated quoted text")
                if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside the literal
                    j += 2
                    continue
                if ch == "'" and sql[j - 1] == "\\" and sql[j - 2] != "\\":  # MySQL backslash escape
                    j += 1
                    continue
                break
            i = j + 1
        elif ch == "$" and (m := _DOLLAR_TAG.match(sql, i)):
            end = sql.find(m.group(0), m.end())
            if end < 0:
                raise UnsafeQuery("unterminated dollar-quoted text")
            i = end + len(m.group(0))
        elif ch == ";":
            seen_semicolon = True
            i += 1
        elif (m := _WORD.match(sql, i)):
            if seen_semicolon:
                separated = True
            words.append(m.group(0).upper())
            i = m.end()
        else:
            if seen_semicolon and not ch.isspace():
                separated = True
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                raise UnsafeQuery("unbalanced parentheses")
            i += 1
    if depth != 0:
        raise UnsafeQuery("unbalanced parentheses")
    return words, separated


def check_read_only(sql: str) -> str:
    """The statement without a trailing `;`, or UnsafeQuery when it is not one read-only statement."""
    words, several = _words_outside_literals(sql)
    if not words:
        raise UnsafeQuery("the query is empty")
    if several:
        raise UnsafeQuery("only one statement is allowed")
    if words[0] not in READ_STARTS:
        raise UnsafeQuery(f"only read-only statements are allowed (SELECT, WITH …), not {words[0]}")
    writes = sorted(set(words) & WRITE_WORDS)
    if writes:
        raise UnsafeQuery(f"only read-only statements are allowed; found {', '.join(writes)}")
    return sql.strip().rstrip(";").strip()
