"""The pure parts of bench/abuse.py (leak detectors, recovery arithmetic, the table), so the suite that runs for
minutes against a live stack cannot rot between its runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from abuse_faults import recovery_seconds
from abuse_load import Outcome, served
from abuse_report import (
    Row,
    anonymized,
    format_table,
    percentile,
    secrets_in,
    stack_traces,
    statements_in_errors,
    summary,
    unhandled,
)


def test_python_and_java_stack_traces_in_a_body_are_found():
    python = 'Traceback (most recent call last):\n  File "/app/subgraphs/weaver/store.py", line 12, in get'
    java = "com.arcadedb.exception.CommandParsingException at com.arcadedb.query.sql.Parser.parse(Parser.java:42)"
    assert len(stack_traces(json.dumps({"errors": [{"message": python}]}))) == 2
    assert stack_traces(java) == ["at com.arcadedb.query.sql.Parser.parse(Parser.java:42)"]
    assert stack_traces("asyncpg.exceptions.UndefinedTableError: relation does not exist")
    assert stack_traces('{"data": {"cubes": [{"name": "Sales"}]}}') == []


def test_sql_in_errors_is_a_leak_unless_the_caller_sent_it():
    leaked = {"errors": [{"message": "failed: SELECT password_encrypted FROM weaver.datasources WHERE id = $1"}]}
    assert statements_in_errors(leaked, '{ dataSource(id: "x") { id } }')
    echoed = {"errors": [{"message": "syntax error in: select * from orders where"}]}
    assert statements_in_errors(echoed, 'mutation { runQuery(sql: "select * from orders where") { rowCount } }') == []
    asked_for = {"data": {"pivot": {"sql": "SELECT region FROM vision.mv_sales"}}}
    assert statements_in_errors(asked_for, "{ pivot { sql } }") == []


def test_secrets_are_found_as_they_are_and_json_escaped_but_short_ones_are_ignored():
    known = {"JWT_SECRET": 'k3y/with"quote', "valkey password": "short"}
    assert secrets_in(json.dumps({"message": 'k3y/with"quote'}), known) == ["JWT_SECRET"]
    assert secrets_in("the short answer", known) == []


def test_an_internal_error_code_or_a_trace_is_unhandled_and_a_coded_refusal_is_not():
    internal = {"errors": [{"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
    assert unhandled(internal, json.dumps(internal))
    refused = {"errors": [{"message": "cube not found", "extensions": {"code": "NOT_FOUND"}}]}
    assert not unhandled(refused, json.dumps(refused))


def test_answers_for_another_tenants_ids_compare_equal_to_unknown_ids_once_anonymized():
    ids = {"ds": "a-1", "table": "a-1/sales/orders"}
    nowhere = {"ds": "z-9", "table": "z-9/sales/orders"}
    answer = {"errors": [{"message": "datasource a-1 not found", "extensions": {"code": "NOT_FOUND"}}]}
    unknown = {"errors": [{"message": "datasource z-9 not found", "extensions": {"code": "NOT_FOUND"}}]}
    assert anonymized(answer, ids) == anonymized(unknown, nowhere)
    assert anonymized({"data": {"table": {"id": "a-1/sales/orders"}}}, ids) != anonymized(
        {"data": {"table": None}}, nowhere
    )


def test_recovery_counts_until_each_affected_shape_succeeds_after_its_last_failure():
    outcomes = [
        Outcome("weaver", 0.0, 0.1, True),
        Outcome("weaver", 0.2, 1.0, False),
        Outcome("weaver", 1.1, 3.0, False),
        Outcome("weaver", 3.1, 3.4, True),
        Outcome("vision", 0.1, 0.2, True),
    ]
    assert recovery_seconds(outcomes, ("weaver",), since=0.0) == pytest.approx(3.4)
    assert recovery_seconds(outcomes, ("vision",), since=0.0) == 0.0
    assert recovery_seconds(outcomes[:3], ("weaver",), since=0.0) is None


def test_a_shape_is_served_only_with_data_and_no_errors():
    assert served(200, '{"data": {"cubes": []}}') == (True, "")
    assert served(200, '{"data": null, "errors": [{"extensions": {"code": "SUBREQUEST_HTTP_ERROR"}}]}') == (
        False,
        "200 ['SUBREQUEST_HTTP_ERROR']",
    )
    assert served(502, "Bad Gateway")[0] is False


def test_percentile_by_nearest_rank():
    assert percentile(list(range(1, 101)), 99) == 99
    assert percentile([5.0], 50) == 5.0


def test_the_table_aligns_columns_prints_each_section_once_and_marks_misses():
    rows = [
        Row("fuzz", "5xx responses", "0", "0", True),
        Row("fuzz", "operations", "5012"),
        Row("faults", "kill -9 weaver: recovery", "17.9 s", "< 5 s", False),
    ]
    lines = format_table(rows).splitlines()
    assert lines[0].split() == ["section", "case", "figure", "goal"]
    assert lines[2].startswith("fuzz ") and lines[3].startswith(" ") and lines[4].startswith("faults")
    assert lines[2].endswith("ok") and lines[4].endswith("MISSED") and lines[3].endswith("5012")
    assert len({line.index("figure") if i == 0 else None for i, line in enumerate(lines)} - {None}) == 1
    assert summary(rows) == "1 of 2 goals MISSED: faults / kill -9 weaver: recovery"
    assert summary(rows[:2]) == "every goal met (1 of 1)"
