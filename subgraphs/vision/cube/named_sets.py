"""`<NamedSet>`s as saved member filters: a set of explicit members of one level, by key.

Supported formulas: `{[Dimension].[Level].[key], …}` (also `[Dimension].[Hierarchy].[Level].[key]`,
`[Dimension.Hierarchy].[Level].[key]` and the MDX key form `&[key]`). Anything else (TopCount, Children, …) is
MDX this product does not evaluate; the caller reports it.
"""

from __future__ import annotations

import re

from subgraphs.vision.cube.model import CubeModel, NamedSet

_MEMBER = re.compile(r"\s*((?:&?\[[^\[\]]+\]\s*\.\s*)+&?\[[^\[\]]+\])\s*")
_SEGMENT = re.compile(r"&?\[([^\[\]]+)\]")
MAX_MEMBERS = 500


class NamedSetError(ValueError):
    """The formula is not an explicit member list of one level of the cube."""


def _members(formula: str) -> list[list[str]]:
    text = formula.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise NamedSetError(f"formula {formula!r} is not an explicit member list {{[Dimension].[Level].[key], …}}")
    members = []
    for part in text[1:-1].split(","):
        match = _MEMBER.fullmatch(part)
        if not match:
            raise NamedSetError(f"{part.strip()!r} is not a member written [Dimension].[Level].[key]")
        members.append(_SEGMENT.findall(match.group(1)))
    if not members or len(members) > MAX_MEMBERS:
        raise NamedSetError(f"a named set holds 1 to {MAX_MEMBERS} members")
    return members


def parse_named_set(name: str, formula: str, cube: CubeModel, line: int | None) -> NamedSet:
    """The named set as a filter on one level of `cube`; raises NamedSetError saying why it is not one."""
    levels: set[str] = set()
    keys: list[str] = []
    for segments in _members(formula):
        path = ".".join(segments[:-1])
        if cube.level(path) is None:
            raise NamedSetError(
                f"[{'].['.join(segments)}] is not a member of a level of cube {cube.name!r} "
                f"(levels: {', '.join(cube.levels_by_ref)})"
            )
        levels.add(path)
        keys.append(segments[-1])
    if len(levels) > 1:
        raise NamedSetError(f"its members belong to several levels ({sorted(levels)}); a set is one level's")
    return NamedSet(name, levels.pop(), tuple(dict.fromkeys(keys)), line)
