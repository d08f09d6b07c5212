"""Formulas of calculated members: arithmetic over measures, parsed by a small recursive-descent parser.

Grammar (MDX subset): expr := term (('+'|'-') term)* ; term := factor (('*'|'/') factor)* ;
factor := NUMBER | MEMBER | '(' expr ')' | '-' factor ; MEMBER := `[Measures].[Name]` or `[Name]`.
Nothing is ever evaluated by Python; the SQL builder turns the tree into SQL over known measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class FormulaError(ValueError):
    """The formula is not arithmetic over measures; the message says where.

    `unsupported`: the text uses MDX beyond that arithmetic (functions, tuples, other dimensions' members), as
    opposed to arithmetic that is malformed.
    """

    def __init__(self, message: str, *, unsupported: bool = False):
        super().__init__(message)
        self.unsupported = unsupported


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class MemberRef:
    name: str


@dataclass(frozen=True)
class Negate:
    operand: Formula


@dataclass(frozen=True)
class BinaryOp:
    op: str  # one of + - * /
    left: Formula
    right: Formula


Formula = Number | MemberRef | Negate | BinaryOp

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<member>(?:\[Measures\]\.)?\[(?P<name>[^\[\]]+)\])|(?P<op>[-+*/()]))"
)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise FormulaError(
                f"unexpected {text[position:].strip()[:20]!r} at position {position + 1}: only "
                "+ - * / and parentheses over measures are supported",
                unsupported=True,
            )
        if match.group("number"):
            tokens.append(("number", match.group("number")))
        elif match.group("member"):
            tokens.append(("member", match.group("name").strip()))
        else:
            tokens.append(("op", match.group("op")))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError("formula ends too early")
        self.index += 1
        return token

    def expr(self) -> Formula:
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            node = BinaryOp(self.take()[1], node, self.term())
        return node

    def term(self) -> Formula:
        node = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            node = BinaryOp(self.take()[1], node, self.factor())
        return node

    def factor(self) -> Formula:
        kind, value = self.take()
        if kind == "number":
            return Number(float(value))
        if kind == "member":
            return MemberRef(value)
        if value == "-":
            return Negate(self.factor())
        if value == "(":
            node = self.expr()
            if self.take() != ("op", ")"):
                raise FormulaError("missing ')'")
            return node
        raise FormulaError(f"unexpected {value!r}")


def parse_formula(text: str) -> Formula:
    """Parse a calculated member's formula; raises FormulaError on anything but arithmetic over members."""
    tokens = _tokenize(text)
    if not tokens:
        raise FormulaError("formula is empty")
    parser = _Parser(tokens)
    node = parser.expr()
    extra = parser.peek()
    if extra is not None:
        raise FormulaError(f"unexpected {extra[1]!r} after the end of the expression")
    return node


def member_refs(node: Formula) -> list[str]:
    """Names of the members a formula uses, in order of appearance."""
    if isinstance(node, MemberRef):
        return [node.name]
    if isinstance(node, Negate):
        return member_refs(node.operand)
    if isinstance(node, BinaryOp):
        return member_refs(node.left) + member_refs(node.right)
    return []
