"""Internal aliases for fields the planner adds itself (keys and `@requires` inputs).

A required field with arguments (`comments(limit: 3)`) must not collide with the
client's own selection of that field with other arguments, nor with another
`@requires` of the same field; a key field must not collide with a client alias that
reuses its name (`id: name`). Such fields get a deterministic alias; representations
are built from the alias and sent under the field's real name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

from gateway.operation.model import Field, InlineFragment, Selection


@lru_cache(maxsize=4096)
def internal_selections(
    selections: tuple[Selection, ...], clashing: frozenset[str] = frozenset()
) -> tuple[Selection, ...]:
    """Alias fields with arguments, and top-level fields named in `clashing`."""
    return tuple(_internal(s, clashing) for s in selections)


def _internal(selection: Selection, clashing: frozenset[str]) -> Selection:
    if isinstance(selection, InlineFragment):
        return InlineFragment(
            selection.type_condition, internal_selections(selection.selections, clashing), selection.conditions
        )
    alias = selection.alias
    if selection.arguments:
        printed = ",".join(f"{n}:{v}" for n, v in selection.arguments)
        alias = f"{selection.name}__{hashlib.sha1(printed.encode()).hexdigest()[:8]}"
    elif selection.name in clashing:
        alias = f"{selection.name}__key"
    return Field(
        selection.name,
        alias,
        selection.arguments,
        internal_selections(selection.selections),
        selection.conditions,
        selection.variables,
    )


def client_aliases(selections: Sequence[Selection]) -> frozenset[str]:
    """Response keys the client gave to a field of another name (`id: name` → `id`)."""
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, Field):
            if selection.alias and selection.alias != selection.name:
                names.add(selection.alias)
        else:
            names |= client_aliases(selection.selections)
    return frozenset(names)
