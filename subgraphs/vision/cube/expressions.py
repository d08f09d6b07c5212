"""SQL expressions of cube files (`KeyExpression`, `NameExpression`, `MeasureExpression`), parsed, never pasted.

The text is parsed by sqlglot into a tree; only column references, literals, operators and a whitelist of
functions may appear in it. Statements are built from the parsed tree, re-rendered with every column qualified by
an alias the SQL builder chose, so nothing of the file's text reaches a statement as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

# Scalar functions a level key, label or measure may use (all deterministic, none reads a table).
FUNCTIONS: dict[type, str] = {
    exp.Upper: "upper",
    exp.Lower: "lower",
    exp.Trim: "trim",
    exp.Substring: "substring",
    exp.Coalesce: "coalesce",
    exp.Concat: "concat",
    exp.Round: "round",
    exp.Abs: "abs",
    exp.Length: "length",
    exp.Extract: "extract",
    exp.Cast: "cast",
    exp.Nullif: "nullif",
    exp.Greatest: "greatest",
    exp.Least: "least",
    exp.Floor: "floor",
    exp.Ceil: "ceil",
}
_STRUCTURE = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Null,
    exp.Boolean,
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.DPipe,
    exp.Case,
    exp.If,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Is,
    exp.DataType,
    exp.DataTypeParam,
    exp.Var,
)
_ALLOWED = tuple(FUNCTIONS) + _STRUCTURE
MAX_LENGTH = 2000


class ExpressionError(ValueError):
    """The expression is not SQL limited to columns, literals, operators and the whitelisted functions."""


@dataclass(frozen=True)
class SqlExpression:
    """A parsed expression, kept as its canonical rendering; columns are qualified by table alias (None: the
    fact table) and are the only names it uses."""

    sql: str
    columns: tuple[tuple[str | None, str], ...]


Qualify = Callable[[str | None], str | None]


def parse_sql_expression(text: str, qualify: Qualify) -> SqlExpression:
    """Parse `text`; `qualify` maps a column's written table (or None) to its table alias, raising
    ExpressionError for a table the expression may not use."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"is longer than {MAX_LENGTH} characters")
    try:
        tree = sqlglot.parse_one(text, read="postgres")
    except ParseError as exc:
        raise ExpressionError(
            f"is not a SQL expression: {exc.errors[0]['description'] if exc.errors else exc}"
        ) from exc
    except TokenError as exc:  # an unterminated quote or comment: refused by the tokenizer, before the parser
        raise ExpressionError(f"is not a SQL expression: {exc}") from exc
    for node in tree.walk():
        if isinstance(node, exp.Anonymous):
            raise ExpressionError(
                f"uses the function {node.name!r}, which is not allowed; allowed: "
                f"{', '.join(sorted(set(FUNCTIONS.values())))}"
            )
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(
                f"may hold only columns, literals, operators and allowed functions, not "
                f"{node.key.upper()} ({node.sql(dialect='postgres')[:40]!r})"
            )
        if isinstance(node, exp.Column) and (node.args.get("db") or node.args.get("catalog")):
            raise ExpressionError(f"column {node.sql()!r}: name a column as `column` or `table.column`")
    columns = []
    for column in tree.find_all(exp.Column):
        alias = qualify(column.table or None)
        column.set("table", exp.to_identifier(alias, quoted=True) if alias else None)
        column.set("this", exp.to_identifier(column.name, quoted=True))
        columns.append((alias, column.name))
    if not columns:
        raise ExpressionError("uses no column")
    return SqlExpression(tree.sql(dialect="postgres"), tuple(dict.fromkeys(columns)))


@lru_cache(maxsize=1024)
def _tree(sql: str) -> exp.Expression:
    tree = sqlglot.parse_one(sql, read="postgres")
    assert isinstance(tree, exp.Expression)  # `sql` is a validated SqlExpression's: an expression node
    return tree


def render(expression: SqlExpression, alias_of: Callable[[str | None], str]) -> str:
    """The expression as SQL with each column qualified by `alias_of(its table alias)` (quoted)."""
    tree = _tree(expression.sql).copy()
    for column in tree.find_all(exp.Column):
        column.set("table", exp.to_identifier(alias_of(column.table or None), quoted=True))
    return "(" + tree.sql(dialect="postgres") + ")"
