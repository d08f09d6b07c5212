"""Test subgraph `ledger`: sees `Account` as an `@interfaceObject`, requires `Plan`
prices with arguments, overrides `Plan.tier` progressively, and has a union whose
members type `code` differently (`String!` vs `String`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.federation.schema_directives import Override

BALANCES = {"a1": 100, "a2": 250, "r1": 7}


@strawberry.federation.interface_object(keys=["id"])
class Account:
    id: strawberry.ID

    @strawberry.field
    def balance(self) -> int:
        return BALANCES[self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Account:
        return Account(id=id)


@strawberry.federation.type(keys=["id"])
class Plan:
    id: strawberry.ID
    usd: strawberry.Private[int | None] = None
    eur: strawberry.Private[int | None] = None
    tier: str = strawberry.federation.field(
        default="ledger", override=Override(override_from="directory", label="percent(50)")
    )

    @strawberry.federation.field(external=True)
    def price(self, currency: str) -> int:
        raise NotImplementedError  # external: never resolved here

    @strawberry.federation.field(requires=['price(currency: "USD")'])
    def invoice_usd(self) -> str:
        return f"{self.usd} USD"

    @strawberry.federation.field(requires=['price(currency: "EUR")'])
    def invoice_eur(self) -> str:
        return f"{self.eur} EUR"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, price: int | None = None) -> Plan:
        # The representation carries the one `price` this fetch required.
        return Plan(id=id, usd=price, eur=price)


@strawberry.federation.type(shareable=True)
class Deposit:
    code: str


@strawberry.type
class Withdrawal:
    code: str | None


Movement = Annotated[Deposit | Withdrawal, strawberry.union("Movement")]


@strawberry.type
class Query:
    @strawberry.field
    def accounts(self) -> list[Account]:
        return [Account(id=i) for i in BALANCES]

    @strawberry.field
    def movements(self) -> list[Movement]:
        return [Deposit(code="D1"), Withdrawal(code=None), Withdrawal(code="W2")]


schema = strawberry.federation.Schema(query=Query, types=[Plan], federation_version="2.7")
