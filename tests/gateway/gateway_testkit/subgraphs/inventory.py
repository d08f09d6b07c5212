"""Test subgraph `inventory`: stock and shipping, which @requires price and weight."""

from __future__ import annotations

import strawberry

IN_STOCK = {"1": True, "2": False, "3": True}


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    price: int = strawberry.federation.field(external=True, default=0)
    weight: int = strawberry.federation.field(external=True, default=0)

    @strawberry.field
    def in_stock(self) -> bool:
        return IN_STOCK.get(self.upc, False)

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int:
        # Free for expensive items, otherwise half the weight.
        return 0 if self.price > 1000 else self.weight // 2

    @classmethod
    def resolve_reference(cls, upc: str, price: int = 0, weight: int = 0) -> Product:
        return Product(upc=upc, price=price, weight=weight)


@strawberry.type
class Query:
    @strawberry.field
    def stock_count(self) -> int:
        return sum(IN_STOCK.values())


schema = strawberry.federation.Schema(query=Query, types=[Product], federation_version="2.7")
