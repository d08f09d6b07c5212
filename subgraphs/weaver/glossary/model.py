"""A glossary term as plain data, and the rules every term obeys."""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("DRAFT", "APPROVED", "DEPRECATED")
MAX_NAME = 200


@dataclass(frozen=True)
class TermData:
    """A term as the CSV and the import plan see it: relations by name."""

    name: str
    definition: str = ""
    synonyms: tuple[str, ...] = ()
    parent: str | None = None
    owner: str | None = None
    status: str = "DRAFT"
    related: tuple[str, ...] = ()


def name_problem(name: str) -> str | None:
    if not name.strip():
        return "name must not be empty"
    if len(name) > MAX_NAME:
        return f"name must be at most {MAX_NAME} characters"
    return None


def status_problem(status: str) -> str | None:
    return None if status in STATUSES else f"status must be one of {', '.join(STATUSES)}"


def creates_cycle(parents: dict[str, str | None], term: str, parent: str | None) -> bool:
    """Would making `parent` the parent of `term` close a loop in the hierarchy `parents` (name → parent)?"""
    seen = {term}
    current = parent
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False
