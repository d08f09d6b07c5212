"""Is this SQL one read-only statement? Decided on sqlglot's syntax tree, before any connection.

Two strengths, because the protection around the check differs:

- Direct mode (`strict=False`): the datasource runs the statement in a READ ONLY transaction with a timeout, so
  this check is there to answer a clear BAD_USER_INPUT instead of a driver error and to refuse several
  statements at once. One statement whose root is a query (SELECT, WITH … SELECT, set operations, VALUES) or
  SHOW / EXPLAIN / DESCRIBE, with no data-modifying, locking or `INTO` part anywhere in its tree. The user's
  text is run as written.
- MindsDB mode (`strict=True`): MindsDB runs the statement on its own connection, without a read-only
  transaction, so this check is the only protection. Besides the above: the root must be a SELECT (or a set
  operation of SELECTs); every function must be one sqlglot models (its typed functions are the standard,
  side-effect-free library) or in `PURE_FUNCTIONS`, so user-defined functions and `nextval`, `set_config`,
  `pg_sleep`, `lo_import`, `dblink_exec`, `query_to_xml` … are refused; string literals may not contain a
  backslash; and what is sent is sqlglot's rendering of the checked tree (no comments, no dollar quoting), so
  that MindsDB's parser, which wraps the statement in `SELECT * FROM mirror (…)`, sees exactly the brackets and
  literals that were checked.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

# sqlglot warns when it falls back to an unparsed Command (SHOW, DO, CALL …); a client's SQL is not our fault.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}

_QUERY_ROOTS: tuple[type[exp.Expression], ...] = (exp.Select, exp.SetOperation, exp.Subquery)
_DIRECT_ROOTS: tuple[type[exp.Expression], ...] = (*_QUERY_ROOTS, exp.Values, exp.Describe)
# Statements sqlglot leaves unparsed that only read (the database refuses a write under EXPLAIN ANALYZE too).
_READING_COMMANDS = frozenset({"SHOW", "EXPLAIN", "DESCRIBE", "DESC"})
# Any of these anywhere in the tree makes the statement a write, a lock, or something other than one query.
_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name)
    for name in (
        "Insert",
        "Update",
        "Delete",
        "Merge",
        "Create",
        "Drop",
        "Alter",
        "Copy",
        "Command",
        "Set",
        "Into",
        "Lock",
        "Grant",
        "Transaction",
        "Commit",
        "Rollback",
        "Use",
        "Kill",
        "LoadData",
        "Pragma",
        "Execute",
        "ExecuteSql",
        "Declare",
        "NextValueFor",
        "MultitableInserts",
        "ConditionalInsert",
    )
    if hasattr(exp, name)
)
# Common read-only functions sqlglot parses as anonymous calls (PostgreSQL and MySQL names, lower case).
PURE_FUNCTIONS = frozenset(
    {
        "age",
        "date_part",
        "to_json",
        "to_jsonb",
        "json_build_object",
        "jsonb_build_object",
        "json_build_array",
        "jsonb_build_array",
        "json_array_elements",
        "jsonb_array_elements",
        "json_each",
        "jsonb_each",
        "jsonb_pretty",
        "json_typeof",
        "jsonb_typeof",
        "jsonb_object_keys",
        "json_object_keys",
        "btrim",
        "ltrim",
        "rtrim",
        "lpad",
        "rpad",
        "translate",
        "chr",
        "ascii",
        "quote_ident",
        "quote_literal",
        "width_bucket",
        "date_format",
        "datediff",
        "ifnull",
        "isnull",
        "curdate",
        "curtime",
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "dayofweek",
        "weekday",
    }
)


class UnsafeQuery(ValueError):
    """The message says why, for the client."""


def check_read_only(sql: str, dialect: str = "postgres", *, strict: bool = False) -> str:
    """The statement to run, or UnsafeQuery when `sql` is not one read-only statement (module docstring).

    Direct mode returns the user's text without a trailing `;`; strict mode returns sqlglot's rendering."""
    tree = _one_statement(sql, dialect)
    if strict:
        _check_strict(tree)
        rendered = tree.sql(dialect=dialect, comments=False)
        # What is sent must be what was checked: the rendering parses back to itself.
        if _one_statement(rendered, dialect).sql(dialect=dialect, comments=False) != rendered:
            raise UnsafeQuery("the query cannot be passed on unchanged; simplify it")
        return rendered
    _check_direct(tree)
    return sql.strip().rstrip(";").strip()


def _one_statement(sql: str, dialect: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as error:
        raise UnsafeQuery(f"the query cannot be parsed: {_first_line(error)}") from None
    if not statements:
        raise UnsafeQuery("the query is empty")
    if len(statements) > 1:
        raise UnsafeQuery("only one statement is allowed")
    [statement] = statements
    if not isinstance(statement, exp.Expression):  # every statement node is one; refused rather than assumed
        raise UnsafeQuery("the query is not a statement")
    return statement


def _check_direct(tree: exp.Expression) -> None:
    if isinstance(tree, exp.Command) and str(tree.this).upper() in _READING_COMMANDS:
        return
    if not isinstance(tree, _DIRECT_ROOTS):
        raise UnsafeQuery(f"only read-only statements are allowed (SELECT, WITH …), not {_kind(tree)}")
    _refuse_forbidden_nodes(tree)


def _check_strict(tree: exp.Expression) -> None:
    if not isinstance(tree, _QUERY_ROOTS):
        raise UnsafeQuery(f"in MindsDB mode only a SELECT (or WITH … SELECT) is allowed, not {_kind(tree)}")
    _refuse_forbidden_nodes(tree)
    for node in tree.walk():
        if isinstance(node, exp.Anonymous) and node.name.lower() not in PURE_FUNCTIONS:
            raise UnsafeQuery(f"in MindsDB mode the function {node.name}() is not allowed")
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
            raise UnsafeQuery("in MindsDB mode schema-qualified functions are not allowed")
        if isinstance(node, exp.Literal) and node.is_string and "\\" in node.this:
            raise UnsafeQuery("in MindsDB mode string literals may not contain a backslash")
        if isinstance(node, exp.Identifier) and any(q in node.name for q in "'\"`\\"):
            raise UnsafeQuery("in MindsDB mode identifiers may not contain quotes or backslashes")


def _refuse_forbidden_nodes(tree: exp.Expression) -> None:
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeQuery(f"only read-only statements are allowed; found {_kind(node)}")


def _kind(node: exp.Expression) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    if isinstance(node, exp.Into):
        return "SELECT … INTO"
    if isinstance(node, exp.Lock):
        return "a locking clause (FOR UPDATE / FOR SHARE)"
    return node.key.upper()


def _first_line(error: SqlglotError) -> str:
    # sqlglot's messages underline the token with ANSI codes on following lines; the first line says it.
    return str(error).splitlines()[0]
