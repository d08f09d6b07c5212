"""The pure measures behind the limits: a document's shape without expanding fragments, and its cost."""

from __future__ import annotations

from graphql import build_schema, parse

from axiom.operation_limits import _ShapeMeasure
from gateway.operation.cost import operation_cost

SCHEMA = build_schema("""
type Query { shop: Shop  shops(first: Int = 20): ShopConnection  node: Node  tags: [String!]! }
type ShopConnection { edges: [ShopEdge!]!  totalCount: Int }
type ShopEdge { node: Shop! }
interface Node { id: ID! }
type Shop implements Node { id: ID!  name: String  products(first: Int): [Product!]!  staff: [Person!]! }
type Product implements Node { id: ID!  name: String }
type Person { name: String }
""")


def cost(query: str, variables: dict | None = None, default_list_size: int = 5) -> int:
    document = parse(query)
    return operation_cost(SCHEMA, document, document.definitions[0], variables, default_list_size)


def shape(query: str):
    document = parse(query)
    return _ShapeMeasure(document).selection_set(document.definitions[0].selection_set)


def test_scalars_cost_nothing_and_objects_one():
    assert cost("{ tags shop { name } }") == 1


def test_lists_multiply_by_first_or_the_default():
    assert cost("{ shop { products(first: 7) { name } } }") == 1 + 7
    assert cost("{ shop { staff { name } } }") == 1 + 5
    assert cost("query($n: Int) { shop { products(first: $n) { id } } }", {"n": 3}) == 1 + 3


def test_a_connection_passes_its_first_to_its_edges():
    assert cost("{ shops(first: 4) { edges { node { name } } } }") == 1 + 4 * (1 + 1)
    assert cost("{ shops { edges { node { name } } } }") == 1 + 20 * 2  # the argument's default


def test_only_the_costliest_type_of_an_abstract_field_counts():
    query = "{ node { ... on Shop { staff { name } } ... on Product { name } } }"
    assert cost(query) == 1 + 5 + 1 - 1  # node, then max(Shop: 5 staff, Product: 0)


def test_fragments_are_measured_once_however_often_spread():
    levels = 60  # 2^60 fields once expanded
    fragments = ["fragment F0 on Shop { name }"]
    fragments += [f"fragment F{i} on Shop {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    query = f"{{ shop {{ ...F{levels} }} }} " + " ".join(fragments)
    measured = shape(query)
    assert measured.fields == 1 + 2**levels
    assert measured.spreads == 2 ** (levels + 1) - 1
    assert measured.depth == 2 and measured.top_fields == 1


def test_depth_ignores_introspection_type_chains():
    assert shape("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }").depth == 1
    assert shape("{ shop { staff { name } } }").depth == 3
