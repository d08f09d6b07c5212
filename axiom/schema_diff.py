"""What changed between two versions of a GraphQL schema, as a client sees it: breaking (a client's operation may
stop working), dangerous (it still validates but may behave differently) or safe (only additions and docs).

Breaking and dangerous come from graphql-core's `find_breaking_changes` / `find_dangerous_changes`; safe changes
are the added types and fields and the changed descriptions, which graphql-core does not list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graphql import (
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    is_interface_type,
    is_object_type,
    is_specified_scalar_type,
)

Severity = Literal["breaking", "dangerous", "safe"]
SEVERITIES: tuple[Severity, ...] = ("breaking", "dangerous", "safe")


@dataclass(frozen=True)
class SchemaChange:
    severity: Severity
    kind: str
    description: str


def diff_schemas(old_sdl: str, new_sdl: str) -> list[SchemaChange]:
    """Every change from `old_sdl` to `new_sdl`, breaking ones first."""
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    changes = [SchemaChange("breaking", c.type.name, c.description) for c in find_breaking_changes(old, new)]
    changes += [SchemaChange("dangerous", c.type.name, c.description) for c in find_dangerous_changes(old, new)]
    return changes + _safe_changes(old, new)


def _safe_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    changes = []
    for name, new_type in sorted(new.type_map.items()):
        if name.startswith("__") or is_specified_scalar_type(new_type):
            continue
        old_type = old.type_map.get(name)
        if old_type is None:
            changes.append(SchemaChange("safe", "TYPE_ADDED", f"{name} was added."))
            continue
        if (old_type.description or "") != (new_type.description or ""):
            changes.append(SchemaChange("safe", "DESCRIPTION_CHANGED", f"{name}'s description changed."))
        if not (is_object_type(new_type) or is_interface_type(new_type)) or type(old_type) is not type(new_type):
            continue
        for field_name, field in new_type.fields.items():
            old_field = old_type.fields.get(field_name)
            if old_field is None:
                changes.append(SchemaChange("safe", "FIELD_ADDED", f"{name}.{field_name} was added."))
            elif (old_field.description or "") != (field.description or ""):
                changes.append(
                    SchemaChange("safe", "DESCRIPTION_CHANGED", f"{name}.{field_name}'s description changed.")
                )
    return changes


def report(changes: list[SchemaChange]) -> str:
    """Changes grouped by severity, one per line, with a summary line."""
    lines = [f"{c.severity.upper():9} {c.kind:32} {c.description}" for c in changes]
    counts = ", ".join(f"{sum(c.severity == s for c in changes)} {s}" for s in SEVERITIES)
    return "\n".join([*lines, counts]) + "\n"
