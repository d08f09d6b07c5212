"""Axiom's own API schema: a valid but over-cost query is refused for its cost, before validation or planning."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema

from axiom.operation_limits import OperationLimits
from gateway.operation.admission import OperationAdmission
from gateway.operation.errors import OperationError

API = build_schema((Path(__file__).resolve().parents[3] / "schema" / "api.graphql").read_text())
# Every column of every table of 100 datasources: the tables of a schema are a connection of their own.
EVERY_COLUMN = """query($n: Int!) { dataSources(first: $n) { edges { node { schemas {
    tables(first: $n) { edges { node { columns { name } } } } } } } } }"""


@pytest.fixture
def admission():
    admission = OperationAdmission(API, OperationLimits())
    yield admission
    admission.close()


async def test_a_valid_query_over_its_cost_is_refused_with_the_cost_code_and_figures(admission):
    with pytest.raises(OperationError) as refused:
        await admission.admit(EVERY_COLUMN, None, {"n": 100})
    [error] = refused.value.errors
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"]["limit"] == 1000 and error["extensions"]["cost"]["requested"] > 100_000


async def test_the_same_query_with_small_pages_is_admitted(admission):
    admitted = await admission.admit(EVERY_COLUMN, None, {"n": 2})
    assert 0 < admitted.cost <= 1000


async def test_a_cached_document_is_costed_for_each_page_size_it_is_sent_with(admission):
    """The cost is kept per document and page-size values: a small page first must not let a large one in."""
    small = await admission.admit(EVERY_COLUMN, None, {"n": 2})
    again = await admission.admit(EVERY_COLUMN, None, {"n": 2})
    assert again.cost == small.cost
    with pytest.raises(OperationError) as refused:
        await admission.admit(EVERY_COLUMN, None, {"n": 100})
    assert refused.value.errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    other = await admission.admit(EVERY_COLUMN, None, {"n": 3})
    assert small.cost < other.cost <= 1000


def test_the_size_variables_of_a_document_are_those_of_first_and_last_arguments():
    from graphql import parse

    from gateway.operation.cost import size_variables

    document = parse(
        "query($a: Int, $b: Int, $c: String) { x(first: $a, name: $c) { ... on T { y(last: $b) } ...F } } "
        "fragment F on T { z(first: $a) }"
    )
    assert size_variables(document) == ("a", "b")
