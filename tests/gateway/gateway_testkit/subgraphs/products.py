"""Test subgraph `products`: owns Product and its catalogue fields."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class Category(Enum):
    FURNITURE = "FURNITURE"
    KITCHEN = "KITCHEN"
    SECRET = strawberry.federation.enum_value("SECRET", inaccessible=True)


PRODUCTS: dict[str, dict] = {}


def reset() -> None:
    PRODUCTS.clear()
    PRODUCTS.update(
        {
            "1": {"upc": "1", "name": "Table", "price": 899, "weight": 100, "category": Category.FURNITURE},
            "2": {"upc": "2", "name": "Couch", "price": 1299, "weight": 1000, "category": Category.FURNITURE},
            "3": {"upc": "3", "name": "Kettle", "price": 54, "weight": 2, "category": Category.KITCHEN},
            "4": {"upc": "4", "name": "Prototype", "price": 5, "weight": 3, "category": Category.SECRET},
        }
    )


reset()


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str
    price: int
    weight: int
    category: Category

    internal_code: str = strawberry.federation.field(inaccessible=True, default="x")

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError(f"product {self.upc} is broken")

    @classmethod
    def resolve_reference(cls, upc: str) -> Product | None:
        return make(upc)


def make(upc: str) -> Product | None:
    row = PRODUCTS.get(upc)
    return Product(**row) if row else None


@strawberry.type
class Query:
    @strawberry.field
    def top_products(self, first: int = 5) -> list[Product]:
        return [make(upc) for upc in list(PRODUCTS)[:first]]

    @strawberry.field
    def product(self, upc: str) -> Product | None:
        return make(upc)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def create_product(self, upc: str, name: str) -> Product:
        PRODUCTS[upc] = {"upc": upc, "name": name, "price": 1, "weight": 1, "category": Category.KITCHEN}
        return make(upc)


schema = strawberry.federation.Schema(query=Query, mutation=Mutation, federation_version="2.7")
