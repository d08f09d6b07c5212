"""Prints plain-data selections back to compact GraphQL text."""

from __future__ import annotations

from gateway.operation.model import Field, InlineFragment, Selection


def print_selections(selections: tuple[Selection, ...] | list[Selection]) -> str:
    """Return `{...}` for a selection set (empty string when there is none)."""
    if not selections:
        return ""
    return "{" + " ".join(print_selection(s) for s in selections) + "}"


def print_selection(selection: Selection) -> str:
    """Print one field or inline fragment."""
    conditions = "".join(c.print() for c in selection.conditions)
    if isinstance(selection, InlineFragment):
        on = f" on {selection.type_condition}" if selection.type_condition else ""
        return f"...{on}{conditions}{print_selections(selection.selections)}"
    return _print_field(selection, conditions)


def _print_field(selection: Field, conditions: str) -> str:
    alias = f"{selection.alias}:" if selection.alias else ""
    args = ""
    if selection.arguments:
        args = "(" + ",".join(f"{n}:{v}" for n, v in selection.arguments) + ")"
    return f"{alias}{selection.name}{args}{conditions}{print_selections(selection.selections)}"
