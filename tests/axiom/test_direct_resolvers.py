"""Direct resolvers answer exactly as Strawberry's would, and only where nothing of Strawberry's is needed."""

from __future__ import annotations

import asyncio
from enum import Enum

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from axiom.direct_resolvers import install_direct_resolvers


class Deny(BasePermission):
    message = "denied"

    def has_permission(self, source, info, **kwargs) -> bool:
        return False


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.input
class Range:
    low: int


@strawberry.type
class Item:
    item_name: str
    colour: Colour
    hidden: strawberry.Private[int]

    @strawberry.field
    def scaled_size(self, info: Info, times_by: int = 2, label: str | None = None) -> str:
        return f"{info.context['prefix']}{self.hidden * times_by}{label or ''}"

    @strawberry.field
    async def later(self) -> int:
        return self.hidden

    @strawberry.field
    def within(self, bounds: Range) -> bool:
        return self.hidden >= bounds.low

    @strawberry.field(permission_classes=[Deny])
    def guarded(self) -> int | None:
        return self.hidden


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(item_name="a", colour=Colour.RED, hidden=3)]


QUERY = """{ items { itemName colour scaledSize scaledSize3: scaledSize(timesBy: 3, label: "!")
             later within(bounds: {low: 1}) guarded } }"""


def run(schema: strawberry.Schema) -> tuple:
    result = asyncio.run(schema.execute(QUERY, context_value={"prefix": "#"}))
    return result.data, [(e.message, e.path) for e in result.errors or ()]


def test_direct_resolvers_answer_like_strawberry_and_leave_what_needs_it():
    plain, direct = strawberry.Schema(query=Query), strawberry.Schema(query=Query)

    changed = install_direct_resolvers(direct, ["Item"])

    # Plain fields and the synchronous resolver with scalar arguments go direct; the async resolver, the one
    # taking an input object and the one guarded by a permission class keep Strawberry's resolver.
    assert sorted(changed) == ["Item.colour", "Item.item_name", "Item.scaled_size"]
    assert run(direct) == run(plain)
    assert run(direct)[0]["items"][0]["scaledSize3"] == "#9!"
    assert run(direct)[1] == [("denied", ["items", 0, "guarded"])]
