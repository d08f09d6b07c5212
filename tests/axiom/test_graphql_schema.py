"""The subgraphs' error log: client mistakes are one INFO line, faults keep their traceback."""

import logging

from graphql import GraphQLError

from axiom.errors import ApiError, BadUserInput, NotFound, QueryTimeout
from axiom.graphql_schema import log_graphql_errors


def _error(original: Exception | None) -> GraphQLError:
    return GraphQLError(str(original or "syntax error"), path=["dataSource"], original_error=original)


def test_client_mistakes_are_info_without_traceback(caplog):
    with caplog.at_level(logging.DEBUG, logger="axiom.graphql"):
        log_graphql_errors(
            [
                _error(NotFound("datasource not found")),
                _error(BadUserInput("bad limit")),
                _error(ApiError("slow down", code="RATE_LIMITED")),
                _error(None),
            ]
        )
    assert [(r.levelno, r.exc_info) for r in caplog.records] == [(logging.INFO, None)] * 4
    assert "NOT_FOUND at dataSource: datasource not found" in caplog.records[0].getMessage()


def test_outside_failures_are_warnings_and_bugs_are_errors_with_traceback(caplog):
    with caplog.at_level(logging.DEBUG, logger="axiom.graphql"):
        log_graphql_errors([_error(QueryTimeout("query exceeded 30 s")), _error(ZeroDivisionError("boom"))])
    timeout, bug = caplog.records
    assert (timeout.levelno, timeout.exc_info) == (logging.WARNING, None)
    assert bug.levelno == logging.ERROR and bug.exc_info[0] is ZeroDivisionError
