"""What a subgraph logs for an error: the client's mistakes are one INFO line without a trace; an unexpected
exception is one ERROR with its trace (Strawberry's default logged both at ERROR with a traceback)."""

from __future__ import annotations

import logging

import strawberry

from axiom.errors import NotFound
from axiom.graphql_schema import AxiomSchema
from axiom.service import api_error_extensions


@strawberry.type
class Query:
    @strawberry.field
    def cube(self, name: str) -> str:
        if name == "boom":
            raise RuntimeError("the driver exploded")
        raise NotFound("cube not found")


schema = AxiomSchema(query=Query, extensions=[api_error_extensions])


def _errors_and_traces(caplog) -> tuple[list[str], list[str]]:
    return (
        [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR],
        [r.getMessage() for r in caplog.records if r.exc_info],
    )


def test_an_unknown_id_and_an_invalid_document_are_not_logged_as_errors(caplog):
    caplog.set_level(logging.DEBUG)
    unknown = schema.execute_sync('{ cube(name: "Nowhere") }')
    invalid = schema.execute_sync("{ cubes }")
    assert unknown.errors[0].extensions["code"] == "NOT_FOUND" and invalid.errors
    assert _errors_and_traces(caplog) == ([], [])
    assert any("NOT_FOUND" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def test_an_unexpected_exception_is_logged_once_at_error_with_its_trace(caplog):
    caplog.set_level(logging.DEBUG)
    result = schema.execute_sync('{ cube(name: "boom") }')
    assert result.errors[0].message == "Internal server error"
    errors, traces = _errors_and_traces(caplog)
    assert len(errors) == 1 and traces == errors
