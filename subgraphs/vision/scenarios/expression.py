"""Scenario expressions: a tokenizer and a recursive-descent parser to a small AST, and its evaluation.

Never `eval`: the grammar has numbers, names, `+ - * / ^`, parentheses and a few functions.

    comparison := sum ('<=' | '>=' | '=') sum
    sum        := product (('+' | '-') product)*
    product    := unary (('*' | '/') unary)*
    unary      := '-' unary | '+' unary | power
    power      := atom ('^' unary)?
    atom       := NUMBER | NAME | NAME '(' sum (',' sum)* ')' | '(' sum ')'

A NAME is an identifier (`price`, `ad_spend`) or any text in brackets (`[Unit Price]`). Errors carry the
0-based position of the offending token.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_LENGTH = 10_000
MAX_DEPTH = 50

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*|\[[^\[\]]+\])
  | (?P<op><=|>=|[-+*/^(),=<>])
""",
    re.VERBOSE,
)

FUNCTIONS = {"abs": 1, "exp": 1, "log": 1, "sqrt": 1, "min": None, "max": None}


class ExpressionError(ValueError):
    """A syntax or name error, at `position` (0-based) of the expression text."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at position {position})")
        self.position = position
        self.reason = message


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number | name | op | end
    text: str
    position: int


@dataclass(frozen=True, slots=True)
class Number:
    value: float


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Number | Name | Unary | Binary | Call


@dataclass(frozen=True, slots=True)
class Comparison:
    op: str  # <= | >= | =
    left: Node
    right: Node


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected character {text[position]!r}", position)
        kind = match.lastgroup or ""  # every alternative of the pattern is a named group
        if kind != "space":
            value = match.group()
            if kind == "op" and value in ("<", ">"):
                raise ExpressionError(f"use {value}= (strict comparisons are not supported)", position)
            if kind == "name" and value.startswith("["):
                value = value[1:-1].strip()
            tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def expect(self, text: str) -> Token:
        if self.token.text != text or self.token.kind != "op":
            raise ExpressionError(f"expected {text!r}, found {self._found()}", self.token.position)
        return self.take()

    def _found(self) -> str:
        return "the end" if self.token.kind == "end" else repr(self.token.text)

    def end(self) -> None:
        if self.token.kind != "end":
            raise ExpressionError(f"unexpected {self._found()}", self.token.position)

    def sum(self) -> Node:
        node = self.product()
        while self.token.kind == "op" and self.token.text in "+-":
            node = Binary(self.take().text, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.token.kind == "op" and self.token.text in ("*", "/"):
            node = Binary(self.take().text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text in ("-", "+"):
            op = self.take().text
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError("expression nested too deeply", self.token.position)
            operand = self.unary()
            self.depth -= 1
            return Unary("-", operand) if op == "-" else operand
        node = self.atom()
        if self.token.kind == "op" and self.token.text == "^":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError("expression nested too deeply", self.token.position)
            node = Binary("^", node, self.unary())
            self.depth -= 1
        return node

    def atom(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.take()
            return Number(float(token.text))
        if token.kind == "name":
            self.take()
            if self.token.kind == "op" and self.token.text == "(":
                return self.call(token)
            return Name(token.text, token.position)
        if token.kind == "op" and token.text == "(":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError("expression nested too deeply", token.position)
            node = self.sum()
            self.depth -= 1
            self.expect(")")
            return node
        raise ExpressionError(f"expected a number, a name or '(', found {self._found()}", token.position)

    def call(self, name: Token) -> Node:
        arity = FUNCTIONS.get(name.text, -1)
        if arity == -1:
            raise ExpressionError(
                f"unknown function {name.text!r} (known: {', '.join(sorted(FUNCTIONS))})", name.position
            )
        self.expect("(")
        args = [self.sum()]
        while self.token.kind == "op" and self.token.text == ",":
            self.take()
            args.append(self.sum())
        closing = self.expect(")")
        if arity is not None and len(args) != arity:
            raise ExpressionError(f"{name.text}() takes {arity} argument(s), got {len(args)}", closing.position)
        return Call(name.text, tuple(args))


def parse_expression(text: str) -> Node:
    """Parse an arithmetic expression; raises ExpressionError at the offending token."""
    parser = _Parser(text)
    node = parser.sum()
    parser.end()
    return node


def parse_comparison(text: str) -> Comparison:
    """Parse `left <= right`, `left >= right` or `left = right`; raises ExpressionError."""
    parser = _Parser(text)
    left = parser.sum()
    token = parser.token
    if not (token.kind == "op" and token.text in ("<=", ">=", "=")):
        raise ExpressionError(f"expected '<=', '>=' or '=', found {parser._found()}", token.position)
    parser.take()
    right = parser.sum()
    parser.end()
    return Comparison(token.text, left, right)


def names_in(node: Node) -> list[Name]:
    """Every name the expression uses, in order."""
    if isinstance(node, Name):
        return [node]
    if isinstance(node, Unary):
        return names_in(node.operand)
    if isinstance(node, Binary):
        return names_in(node.left) + names_in(node.right)
    if isinstance(node, Call):
        return [name for arg in node.args for name in names_in(arg)]
    return []


def evaluate(node: Node, env: dict):
    """The value of `node` with names bound in `env` (floats, or `Dual`s to get gradients too)."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return env[node.name]
    if isinstance(node, Unary):
        return -evaluate(node.operand, env)
    if isinstance(node, Binary):
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            return left / right
        return left**right
    args = [evaluate(arg, env) for arg in node.args]
    if node.function in ("min", "max"):
        pick = min if node.function == "min" else max
        return pick(args, key=lambda v: getattr(v, "value", v))
    value = args[0]
    if hasattr(value, node.function):  # a Dual carries its own derivative rules
        return getattr(value, node.function)()
    functions: dict[str, Callable[[float], float]] = {"abs": abs, "exp": math.exp, "log": math.log, "sqrt": math.sqrt}
    return functions[node.function](value)
