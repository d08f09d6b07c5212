"""Reading `join__*` directives into the supergraph model."""

from __future__ import annotations

from gateway_testkit.planning import fixture_models


def test_subgraphs_are_read_from_join_graph():
    supergraph, _ = fixture_models()
    names = {s.name for s in supergraph.subgraphs.values()}
    assert names == {"catalog", "reviews", "shipping", "people"}


def test_keys_per_subgraph_include_multiple_keys():
    supergraph, _ = fixture_models()
    keys = [k.text for k in supergraph.resolvable_keys("Product", "CATALOG")]
    assert keys == ["id", "sku"]
    assert [k.text for k in supergraph.resolvable_keys("Product", "SHIPPING")] == ["sku"]


def test_external_fields_are_not_resolvers_and_requires_is_parsed():
    supergraph, _ = fixture_models()
    assert supergraph.resolving_graphs("Product", "weight") == ["CATALOG"]
    cost = supergraph.field_in_graph("Product", "cost", "SHIPPING")
    assert [f.name for f in cost.requires] == ["weight", "price"]
    author = supergraph.field_in_graph("Review", "product", "REVIEWS")
    assert [f.name for f in author.provides] == ["name"]


def test_field_type_reports_named_type_and_list_depth():
    supergraph, _ = fixture_models()
    assert supergraph.field_type("Query", "products") == ("Product", 1)
    assert supergraph.field_type("Review", "author") == ("User", 0)
