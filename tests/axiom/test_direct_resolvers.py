"""Direct resolvers answer exactly as Strawberry's would, and only where nothing of Strawberry's is needed."""

from __future__ import annotations

import asyncio
from enum import Enum

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from axiom.direct_resolvers import DirectExecutionContext, install_direct_resolvers


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


@strawberry.type
class Odd:
    """Plain fields holding what their types refuse, to compare how each way reports it."""

    label: str
    count: int
    note: str | None
    colour: Colour
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class OddQuery:
    @strawberry.field
    def odds(self) -> list[Odd | None]:
        return [
            Odd(label="fine", count=1, note=None, colour=Colour.RED),
            Odd(label=None, count=2, note="n", colour=Colour.RED),  # type: ignore[arg-type]  # null in a non-null
            Odd(label="x", count="many", note=None, colour=Colour.RED),  # type: ignore[arg-type]  # not an Int
            Odd(label="y", count=3, note=None, colour="purple"),  # type: ignore[arg-type]  # not a Colour
        ]

    @strawberry.field
    def tagged(self) -> list[Odd | None]:
        return [
            Odd(label="list", count=1, note=None, colour=Colour.RED, tags=["a", "b"]),
            Odd(label="tuple", count=1, note=None, colour=Colour.RED, tags=("c",)),  # type: ignore[arg-type]
            Odd(label="none", count=1, note=None, colour=Colour.RED, tags=None),  # type: ignore[arg-type]
            Odd(label="not a list", count=1, note=None, colour=Colour.RED, tags=3),  # type: ignore[arg-type]
            Odd(label="null item", count=1, note=None, colour=Colour.RED, tags=["d", None]),  # type: ignore[list-item]
        ]


def test_plain_leaf_fields_completed_directly_answer_and_fail_exactly_like_graphql_core():
    query = """{ odds { __typename label count note colour ...More again: label tags }
                 tagged { label tags } }
               fragment More on Odd { count label }"""
    plain, direct = strawberry.Schema(query=OddQuery), strawberry.Schema(query=OddQuery)
    assert sorted(install_direct_resolvers(direct, ["Odd"])) == [
        "Odd.colour",
        "Odd.count",
        "Odd.label",
        "Odd.note",
        "Odd.tags",
    ]
    assert direct.execution_context_class is DirectExecutionContext

    def answer(schema: strawberry.Schema) -> tuple:
        result = asyncio.run(schema.execute(query))
        return result.data, sorted((e.message, tuple(e.path)) for e in result.errors or ())

    data, errors = answer(direct)
    assert (data, errors) == answer(plain)
    assert data["odds"][0] == {
        "__typename": "Odd",
        "label": "fine",
        "count": 1,
        "note": None,
        "colour": "RED",
        "again": "fine",
        "tags": [],
    }
    assert data["odds"][1:] == [None, None, None]
    assert data["tagged"] == [
        {"label": "list", "tags": ["a", "b"]},
        {"label": "tuple", "tags": ["c"]},
        None,
        None,
        None,
    ]
    assert sorted(path for _, path in errors) == [
        ("odds", 1, "label"),
        ("odds", 2, "count"),
        ("odds", 3, "colour"),
        ("tagged", 2, "tags"),
        ("tagged", 3, "tags"),
        ("tagged", 4, "tags", 1),
    ]
