"""Test subgraph `accounts`: owns User."""

from __future__ import annotations

import strawberry

USERS = {
    "u1": {"id": "u1", "name": "Ada Lovelace", "username": "@ada"},
    "u2": {"id": "u2", "name": "Alan Turing", "username": "@alan"},
}


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str
    username: str = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        row = USERS.get(id)
        return User(**row) if row else None


@strawberry.type
class Query:
    @strawberry.field
    def me(self, info: strawberry.Info) -> User | None:
        # Echoes the forwarded Authorization header so tests can see it arrived.
        auth = info.context["request"].headers.get("authorization")
        if auth is None:
            return None
        return User(id=strawberry.ID("u1"), name=f"Ada ({auth})", username="@ada")

    @strawberry.field
    def header(self, info: strawberry.Info, name: str) -> str | None:
        """A request header as the subgraph received it (header propagation tests)."""
        return info.context["request"].headers.get(name)

    @strawberry.field
    def users(self) -> list[User]:
        return [User(**row) for row in USERS.values()]


schema = strawberry.federation.Schema(query=Query, federation_version="2.7")
