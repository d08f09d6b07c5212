"""Three small Strawberry subgraphs for the gateway benchmarks, one process each.

    catalog:  Query.topProducts(first, offset) → [Product @key(upc)] { name price }
    reviews:  Product.reviews → [Review] { body author: User @key(id) }
    people:   User { name }

`{ topProducts { name reviews { body author { name } } } }` is list → entity → list →
entity, like the public gateways benchmark. Every subgraph counts the requests it
serves (`GET /count`) so runs can show how many calls deduplication saved.

    python bench/gateway_subgraphs.py NAME PORT [--cached]
"""

from __future__ import annotations

import sys

import strawberry
import uvicorn
from starlette.responses import PlainTextResponse
from strawberry.asgi import GraphQL

PRODUCTS = 200
REVIEWS_PER_PRODUCT = 3
USERS = 50


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str
    price: int


@strawberry.type(name="Query")
class CatalogQuery:
    @strawberry.field
    def top_products(self, first: int = 5, offset: int = 0) -> list[Product]:
        return [
            Product(upc=str(i % PRODUCTS), name=f"Product {i % PRODUCTS}", price=i % 97)
            for i in range(offset, offset + first)
        ]


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    author: User


@strawberry.federation.type(keys=["upc"], name="Product")
class ReviewedProduct:
    upc: str

    @strawberry.field
    def reviews(self) -> list[Review]:
        base = int(self.upc) * REVIEWS_PER_PRODUCT
        return [
            Review(
                id=strawberry.ID(str(base + i)),
                body=f"Review {base + i}",
                author=User(id=strawberry.ID(str((base + i) % USERS))),
            )
            for i in range(REVIEWS_PER_PRODUCT)
        ]

    @classmethod
    def resolve_reference(cls, upc: str) -> ReviewedProduct:
        return ReviewedProduct(upc=upc)


@strawberry.type(name="Query")
class ReviewsQuery:
    @strawberry.field
    def review_count(self) -> int:
        return PRODUCTS * REVIEWS_PER_PRODUCT


@strawberry.federation.type(keys=["id"], name="User")
class Person:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return f"User {self.id}"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Person:
        return Person(id=id)


@strawberry.type(name="Query")
class PeopleQuery:
    @strawberry.field
    def user_count(self) -> int:
        return USERS


SCHEMAS = {
    "catalog": strawberry.federation.Schema(query=CatalogQuery, federation_version="2.7"),
    "reviews": strawberry.federation.Schema(query=ReviewsQuery, types=[ReviewedProduct], federation_version="2.7"),
    "people": strawberry.federation.Schema(query=PeopleQuery, types=[Person], federation_version="2.7"),
}


def sdl(name: str) -> str:
    """The subgraph's SDL, for composition."""
    return SCHEMAS[name].execute_sync("{ _service { sdl } }").data["_service"]["sdl"]


def app(name: str, cached: bool = False):
    """The subgraph at any path, plus `GET /count` (GraphQL requests served so far).

    `cached`: answers repeated request bodies from memory, so that after a warm-up the
    subgraphs cost almost nothing and the gateways' own limits show."""
    served = {"count": 0}
    graphql = GraphQL(SCHEMAS[name], graphql_ide=None)
    if cached:
        graphql = _replaying(graphql)

    async def asgi(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/count":
            await PlainTextResponse(str(served["count"]))(scope, receive, send)
            return
        if scope["type"] == "http":
            served["count"] += 1
        await graphql(scope, receive, send)

    return asgi


def _replaying(inner):
    """ASGI wrapper: the first response to a body is recorded, later ones replayed."""
    recorded: dict[bytes, list[dict]] = {}

    async def asgi(scope, receive, send):
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if body in recorded:
            for message in recorded[body]:
                await send(message)
            return
        messages: list[dict] = []

        async def replay_receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def record_send(message):
            messages.append(message)
            await send(message)

        await inner(scope, replay_receive, record_send)
        recorded[body] = messages

    return asgi


if __name__ == "__main__":
    uvicorn.run(
        app(sys.argv[1], cached="--cached" in sys.argv),
        host="127.0.0.1",
        port=int(sys.argv[2]),
        log_level="warning",
        access_log=False,
    )
