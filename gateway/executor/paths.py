"""Finding the objects a `Flatten` path designates in the merged response data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, assert_never

from gateway.planner.nodes import FieldSegment, KeyRenamer, ListSegment, ResponsePath

Located = tuple[dict[str, Any], list[Any]]  # (object, its client response path)


def objects_at(data: dict[str, Any] | None, path: ResponsePath) -> list[Located]:
    """Every object at `path`; list segments step into list items, nulls are skipped."""
    current: list[tuple[object, list[Any]]] = [(data, [])]
    for segment in path:
        following: list[tuple[object, list[Any]]] = []
        for value, where in current:
            match segment:
                case ListSegment.EACH:
                    if isinstance(value, list):
                        following.extend((item, [*where, i]) for i, item in enumerate(value))
                case FieldSegment(response_key=key):
                    child = value.get(key) if isinstance(value, dict) else None
                    if child is not None:
                        following.append((child, [*where, key]))
                case _:
                    assert_never(segment)
        current = following
    return _flatten_lists(current)


def _flatten_lists(found: list[tuple[object, list[Any]]]) -> list[Located]:
    """A path may end on a list field whose `@` was already applied; keep dicts only."""
    result: list[Located] = []
    for value, where in found:
        if isinstance(value, dict):
            result.append((value, where))
        elif isinstance(value, list):
            result.extend(_flatten_lists([(v, [*where, i]) for i, v in enumerate(value)]))
    return result


def rename_aliases(root: dict[str, Any], renames: Iterable[KeyRenamer]) -> None:
    """Rename internal aliases back to client keys; deepest paths first, so that the
    paths of deeper renames still name the (aliased) keys of their parents."""
    for rename in sorted(renames, key=lambda r: -len(r.path)):
        for obj in _objects_through_lists(root, rename.path):
            if rename.alias in obj:
                obj[rename.response_key] = obj.pop(rename.alias)


def _objects_through_lists(root: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Objects at `path`, stepping through lists (at any depth) transparently."""
    current = [root]
    for step in (*path, None):
        found: list[Any] = []
        while current:
            value = current.pop()
            if isinstance(value, list):
                current.extend(value)
            elif isinstance(value, dict):
                found.append(value if step is None else value.get(step))
        current = found
    return current
