"""Plain-data selections shared by normalization, the planner and the executor.

Arguments are kept as printed GraphQL text: the gateway never interprets them, it
forwards them to subgraphs, and text makes selections hashable and comparable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Condition:
    """A `@skip`/`@include` whose `if:` is a variable; kept until execution time."""

    variable: str
    passing_value: bool  # True for @include, False for @skip

    def print(self) -> str:
        name = "include" if self.passing_value else "skip"
        return f"@{name}(if:${self.variable})"

    def holds(self, variables: dict[str, Any]) -> bool:
        """True when the guarded selection must be executed."""
        return bool(variables.get(self.variable)) == self.passing_value


@dataclass(frozen=True, slots=True)
class Field:
    """A field selection; `arguments` holds (name, printed value) pairs."""

    name: str
    alias: str | None = None
    arguments: tuple[tuple[str, str], ...] = ()
    selections: tuple[Selection, ...] = ()
    conditions: tuple[Condition, ...] = ()
    variables: frozenset[str] = field(default_factory=frozenset)

    @property
    def response_key(self) -> str:
        return self.alias or self.name

    def same_field(self, other: Field) -> bool:
        """True when both select the same field with the same arguments."""
        return self.name == other.name and self.arguments == other.arguments


@dataclass(frozen=True, slots=True)
class InlineFragment:
    """An inline fragment (named fragment spreads are inlined during normalization)."""

    type_condition: str | None
    selections: tuple[Selection, ...] = ()
    conditions: tuple[Condition, ...] = ()


Selection = Field | InlineFragment


@dataclass(frozen=True, slots=True)
class VariableDefinition:
    """A client variable: `text` is its printed definition, e.g. `$first:Int=10`."""

    name: str
    type: str
    text: str


@dataclass(frozen=True)
class NormalizedOperation:
    """An executable operation after every normalization pass."""

    kind: str  # "query" | "mutation" | "subscription"
    name: str | None
    root_type: str
    variable_definitions: tuple[VariableDefinition, ...]
    selections: tuple[Selection, ...]

    def derived(self, name: str, compute: Callable[[], _T]) -> _T:
        """A value that depends only on this operation, computed on first use and kept
        (prepared operations are cached, so every request after the first reuses it)."""
        value = self.__dict__.get(name)
        if value is None:
            value = compute()
            object.__setattr__(self, name, value)
        return value

    def has_conditions(self) -> bool:
        """Does any selection carry `@skip`/`@include` on a variable?"""
        return self.derived("_has_conditions", lambda: _any_condition(self.selections))

    def signature(self) -> str:
        """A canonical text of the operation, used as the plan cache key (computed once:
        prepared operations are cached, so each request reuses it)."""
        cached = self.__dict__.get("_signature")
        if cached is None:
            from gateway.operation.printer import print_selections

            variables = ",".join(v.text for v in self.variable_definitions)
            cached = f"{self.kind} {self.name or ''}({variables}){print_selections(self.selections)}"
            object.__setattr__(self, "_signature", cached)
        return cached


def _any_condition(selections: Sequence[Selection]) -> bool:
    return any(s.conditions or _any_condition(s.selections) for s in selections)
