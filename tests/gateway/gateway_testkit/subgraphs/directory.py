"""Test subgraph `directory`: owns the `Account` entity interface and its
implementations, the `Plan` entity, and a `Deposit` typed `code: String`."""

from __future__ import annotations

import strawberry

ACCOUNTS = {"a1": ("Admin", "Ada"), "a2": ("Admin", "Alan"), "r1": ("Regular", "Grace")}
PLANS = {"p1": {"name": "Basic", "usd": 10, "eur": 9}, "p2": {"name": "Pro", "usd": 30, "eur": 27}}


@strawberry.federation.interface(keys=["id"])
class Account:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Account | None:
        return make_account(id)


@strawberry.federation.type(keys=["id"])
class Admin(Account):
    is_main: bool


@strawberry.federation.type(keys=["id"])
class Regular(Account):
    since: int


def make_account(id: str) -> Account | None:
    kind, name = ACCOUNTS.get(id, (None, None))
    if kind == "Admin":
        return Admin(id=id, name=name, is_main=id == "a1")
    if kind == "Regular":
        return Regular(id=id, name=name, since=2020)
    return None


@strawberry.federation.type(keys=["id"])
class Plan:
    id: strawberry.ID
    name: str
    tier: str = strawberry.federation.field(default="directory", shareable=True)

    @strawberry.field
    def price(self, currency: str) -> int:
        return PLANS[self.id]["usd" if currency == "USD" else "eur"]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Plan:
        return Plan(id=id, name=PLANS[id]["name"])


@strawberry.federation.type(shareable=True)
class Deposit:
    code: str | None


@strawberry.type
class Query:
    @strawberry.field
    def admins(self) -> list[Admin]:
        return [make_account(i) for i, (kind, _) in ACCOUNTS.items() if kind == "Admin"]

    @strawberry.field
    def plans(self) -> list[Plan]:
        return [Plan(id=i, name=row["name"]) for i, row in PLANS.items()]


schema = strawberry.federation.Schema(query=Query, types=[Admin, Regular, Deposit], federation_version="2.7")
