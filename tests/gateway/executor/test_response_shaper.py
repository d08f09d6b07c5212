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


def test_the_fast_paths_answer_exactly_as_the_general_completion(monkeypatch):
    """Objects, lists of objects and lists of scalars are shaped by fast paths; over data with nulls where the
    schema forbids them, wrong kinds of values and nested violations, they give the same data and errors as the
    general completion."""
    import itertools

    from graphql import build_schema

    from gateway.executor import shape
    from gateway.operation.model import Field

    schema = build_schema("""
        type Query { a: A  b: A!  c: [A]  d: [A!]  e: [A!]!  f: [String!]!  g: [Int]! }
        type A { x: String!  y: Int  z: A  w: [A!] }
    """)

    def field(name: str, *children: Field) -> Field:
        return Field(name=name, selections=children)

    of_a = (field("x"), field("y"), field("z", field("x")), field("w", field("y")))
    selections = (*(field(name, *of_a) for name in "abcde"), field("f"), field("g"))
    good = {"x": "s", "y": 1, "z": {"x": "t"}, "w": [{"y": 2}]}
    broken = [None, {"x": None}, {"x": "s", "z": {"x": None}}, {"x": "s", "w": [None]}, "text", 7]
    objects = [good, *broken]
    cases = []
    for value in objects:
        cases.append({"a": value, "b": value})
    for first, second in itertools.product(objects, repeat=2):
        cases.append({"c": [first, second], "d": [first, second], "e": [first, second]})
    cases += [{"c": "text", "e": None}, {"f": ["a", None], "g": [None, 1]}, {"f": ["a", "b"], "g": []}, {"f": 3}]

    def shaped(data, fast):
        if not fast:
            monkeypatch.setattr(shape, "_fast_shape", lambda field_type: None)
        errors: list = []
        result = shape.ResponseShaper(schema, {}, errors).shape_root(selections, schema.query_type, data)
        monkeypatch.undo()
        return result, errors

    base = {"b": good, "e": [], "f": [], "g": []}  # the root's non-null fields: a violation there hides the rest
    for case in cases:
        data = {**base, **case}
        assert shaped(data, fast=True) == shaped(data, fast=False), data
