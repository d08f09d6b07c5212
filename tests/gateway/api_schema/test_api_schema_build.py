"""The client schema: federation internals and @inaccessible elements are gone."""

from __future__ import annotations

from gateway_testkit.planning import fixture_models


def test_federation_types_and_directives_are_stripped():
    _, api = fixture_models()
    assert not [n for n in api.type_map if n.startswith(("join__", "link__"))]
    assert not [d.name for d in api.directives if d.name in ("join__field", "link", "inaccessible")]


def test_inaccessible_fields_are_removed():
    _, api = fixture_models()
    product = api.get_type("Product")
    assert "hidden" not in product.fields
    assert {"id", "sku", "name", "reviews", "cost"} <= set(product.fields)
