"""Each normalization pass on its own, then the whole preparation pipeline."""

from __future__ import annotations

import pytest
from gateway_testkit.planning import fixture_models
from graphql import parse

from gateway.operation import Condition, Field, InlineFragment, OperationError, prepare_operation
from gateway.operation.inline_fragment_spreads import inline_fragment_spreads
from gateway.operation.merge_fields import merge_fields
from gateway.operation.printer import print_selections


def _selections(document: str):
    doc = parse(document)
    fragments = {d.name.value: d for d in doc.definitions[1:]}
    return inline_fragment_spreads(doc.definitions[0].selection_set, fragments)


def test_named_fragment_spreads_become_inline_fragments():
    selections = _selections("{ products { ...F } } fragment F on Product { id }")
    assert selections[0].selections == (InlineFragment("Product", (Field("id"),)),)


def test_literal_skip_and_include_are_applied_and_variable_ones_kept():
    selections = _selections("{ a @skip(if: true) b @include(if: false) c @include(if: true) d @skip(if: $v) }")
    assert [s.name for s in selections] == ["c", "d"]
    assert selections[1].conditions == (Condition("v", False),)


def test_arguments_are_kept_as_text_with_their_variables():
    (field,) = _selections('{ product(id: $id, tag: "x") { id } }')
    assert field.arguments == (("id", "$id"), ("tag", '"x"'))
    assert field.variables == frozenset({"id"})


def test_merge_fields_merges_same_response_keys_and_flattens_redundant_fragments():
    _, api = fixture_models()
    selections = _selections("{ products { id } products { name ... on Product { sku } } }")
    merged = merge_fields(selections, "Query", api)
    assert print_selections(merged) == "{products{id name sku}}"


def test_prepare_reports_parse_and_validation_errors_with_codes():
    _, api = fixture_models()
    with pytest.raises(OperationError) as parse_error:
        prepare_operation(api, "{ products {", None)
    assert parse_error.value.code == "GRAPHQL_PARSE_FAILED"
    with pytest.raises(OperationError) as invalid:
        prepare_operation(api, "{ products { hidden } }", None)
    assert invalid.value.code == "GRAPHQL_VALIDATION_FAILED"


def test_prepare_selects_the_named_operation():
    _, api = fixture_models()
    document = "query A { products { id } } query B { latest { id } }"
    assert prepare_operation(api, document, "B").operation.selections[0].name == "latest"
    with pytest.raises(OperationError):
        prepare_operation(api, document, None)
