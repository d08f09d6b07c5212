"""Finding the objects a `Flatten` path designates in the merged response data."""

from __future__ import annotations

Located = tuple[dict, list]  # (object, its client response path)


def objects_at(data: dict | None, path: tuple[str, ...]) -> list[Located]:
    """Every object at `path`; `@` steps into list items, nulls are skipped."""
    current: list[tuple[object, list]] = [(data, [])]
    for step in path:
        following: list[tuple[object, list]] = []
        for value, where in current:
            if step == "@":
                if isinstance(value, list):
                    following.extend((item, where + [i]) for i, item in enumerate(value))
            elif isinstance(value, dict):
                child = value.get(step)
                if child is not None:
                    following.append((child, where + [step]))
        current = following
    return _flatten_lists(current)


def _flatten_lists(found: list[tuple[object, list]]) -> list[Located]:
    """A path may end on a list field whose `@` was already applied; keep dicts only."""
    result: list[Located] = []
    for value, where in found:
        if isinstance(value, dict):
            result.append((value, where))
        elif isinstance(value, list):
            result.extend(_flatten_lists([(v, where + [i]) for i, v in enumerate(value)]))
    return result


def rename_aliases(root: dict, renames) -> None:
    """Rename internal aliases back to client keys; deepest paths first, so that the
    paths of deeper renames still name the (aliased) keys of their parents."""
    for path, alias, key in sorted(renames, key=lambda r: -len(r[0])):
        for obj in _objects_through_lists(root, path):
            if alias in obj:
                obj[key] = obj.pop(alias)


def _objects_through_lists(root, path: tuple[str, ...]) -> list[dict]:
    """Objects at `path`, stepping through lists (at any depth) transparently."""
    current = [root]
    for step in (*path, None):
        found: list = []
        while current:
            value = current.pop()
            if isinstance(value, list):
                current.extend(value)
            elif isinstance(value, dict):
                found.append(value if step is None else value.get(step))
        current = found
    return current
