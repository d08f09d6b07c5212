"""Test subgraph `reviews`: owns Review; extends Product and User."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

REVIEWS: list[dict] = []


def reset() -> None:
    REVIEWS.clear()
    REVIEWS.extend(
        [
            {"id": "r1", "body": "Sturdy", "upc": "1", "author": "u1"},
            {"id": "r2", "body": "Comfy", "upc": "2", "author": "u2"},
            {"id": "r3", "body": "Wobbly", "upc": "1", "author": "u2"},
        ]
    )


reset()
# Subscriptions currently streaming (to observe upstream unsubscription).
ACTIVE_FEEDS: set[int] = set()
# `reviewPublished` subscriptions: the Authorization each was opened with -> its queue.
PUBLISHED_FEEDS: dict[int, tuple[str | None, asyncio.Queue]] = {}


def publish(review_id: str) -> None:
    """Send one review to every open `reviewPublished` subscription."""
    row = next(r for r in REVIEWS if r["id"] == review_id)
    for _, queue in PUBLISHED_FEEDS.values():
        queue.put_nowait(row)


def published_feed_tokens() -> list[str | None]:
    """The Authorization of each open `reviewPublished` subscription (one per upstream)."""
    return [token for token, _ in PUBLISHED_FEEDS.values()]


USERNAMES = {"u1": "@ada", "u2": "@alan"}


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    username: str = strawberry.federation.field(external=True)

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review.make(r) for r in REVIEWS if r["author"] == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_) -> User:
        return User(id=id, username=USERNAMES.get(id, "?"))


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review.make(r) for r in REVIEWS if r["upc"] == self.upc]

    @classmethod
    def resolve_reference(cls, upc: str) -> Product:
        return Product(upc=upc)


@strawberry.federation.type(keys=["id"])
class Review:
    id: strawberry.ID
    body: str
    product: Product
    author: User = strawberry.federation.field(provides=["username"])

    @staticmethod
    def make(row: dict) -> Review:
        author = User(id=strawberry.ID(row["author"]), username=USERNAMES[row["author"]])
        return Review(id=strawberry.ID(row["id"]), body=row["body"], product=Product(upc=row["upc"]), author=author)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Review | None:
        row = next((r for r in REVIEWS if r["id"] == id), None)
        return Review.make(row) if row else None


@strawberry.type
class Query:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review.make(r) for r in REVIEWS]


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_review(self, upc: str, body: str) -> Review:
        row = {"id": f"r{len(REVIEWS) + 1}", "body": body, "upc": upc, "author": "u1"}
        REVIEWS.append(row)
        return Review.make(row)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def review_added(self, count: int = 3, delay: float = 0.0) -> AsyncGenerator[Review, None]:
        """`count` reviews (cycling), `delay` seconds apart."""
        token = object()
        ACTIVE_FEEDS.add(id(token))
        try:
            for index in range(count):
                yield Review.make(REVIEWS[index % len(REVIEWS)])
                await asyncio.sleep(delay)
        finally:
            ACTIVE_FEEDS.discard(id(token))

    @strawberry.subscription
    async def review_published(self, info: strawberry.Info) -> AsyncGenerator[Review, None]:
        """Each review `publish` is called with while subscribed."""
        params = info.context.get("connection_params") or {}
        queue: asyncio.Queue = asyncio.Queue()
        token = object()
        PUBLISHED_FEEDS[id(token)] = (params.get("Authorization"), queue)
        try:
            while True:
                yield Review.make(await queue.get())
        finally:
            del PUBLISHED_FEEDS[id(token)]

    @strawberry.subscription
    async def broken_feed(self) -> AsyncGenerator[Review, None]:
        yield Review.make(REVIEWS[0])
        raise ValueError("feed broke")

    @strawberry.subscription
    async def connection_token(self, info: strawberry.Info) -> AsyncGenerator[str | None, None]:
        """The Authorization the subscriber sent in `connection_init`."""
        params = info.context.get("connection_params") or {}
        yield params.get("Authorization")


schema = strawberry.federation.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, federation_version="2.7"
)
