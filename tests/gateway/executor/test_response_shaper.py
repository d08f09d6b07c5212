"""Response shaping: client order, aliases, __typename, null propagation."""

from __future__ import annotations

from gateway_testkit.planning import fixture_models, normalize

from gateway.executor import ResponseShaper


def _shape(query: str, data: dict, variables=None):
    _, api = fixture_models()
    errors: list = []
    operation = normalize(query)
    shaped = ResponseShaper(api, variables or {}, errors).shape_root(operation.selections, api.query_type, data)
    return shaped, errors


def test_extra_fields_are_dropped_and_client_order_and_typename_kept():
    data = {"products": [{"__typename": "Product", "id": "1", "sku": "s", "n": "A"}]}
    shaped, errors = _shape("{ products { n: name __typename } }", data)
    assert shaped == {"products": [{"n": "A", "__typename": "Product"}]}
    assert list(shaped["products"][0]) == ["n", "__typename"]
    assert errors == []


def test_null_in_non_null_field_propagates_to_nearest_nullable_parent():
    shaped, errors = _shape('{ product(id: "1") { name } }', {"product": {"name": None}})
    assert shaped == {"product": None}
    assert errors[0]["path"] == ["product", "name"]


def test_variable_conditions_are_applied_when_shaping():
    data = {"products": [{"id": "1", "name": "A"}]}
    query = "query($x: Boolean!) { products { id name @include(if: $x) } }"
    assert _shape(query, data, {"x": False})[0] == {"products": [{"id": "1"}]}
    assert _shape(query, data, {"x": True})[0] == {"products": [{"id": "1", "name": "A"}]}


def test_a_subgraph_error_without_a_path_explains_the_nulls_it_caused():
    """A subgraph that refuses the whole request (a validation rule, an unreachable subgraph) sends an error with
    a code but no path; the nulls it leaves are explained by it, not by another, uncoded error."""
    _, api = fixture_models()
    refused = {
        "message": "a string argument holds a control character",
        "extensions": {"code": "BAD_USER_INPUT", "serviceName": "catalog"},
    }
    errors: list = [refused]
    shaped = ResponseShaper(api, {}, errors).shape_root(
        normalize("{ products { id } }").selections, api.query_type, None
    )
    assert shaped is None
    assert errors == [refused]
