import pytest

from subgraphs.weaver.query.sql_guard import UnsafeQuery, check_read_only


@pytest.mark.parametrize("sql", [
    "SELECT 1",
    "select * from t where name = 'DELETE me; now';",
    "WITH x AS (SELECT 1) SELECT * FROM x",
    "-- a comment\nSELECT replace(a, 'x', 'y') FROM t ORDER BY a DESC",
    'SELECT "update" FROM t',
    "SELECT $$ drop table t; $$",
    "VALUES (1), (2)",
    "SHOW server_version",
])
def test_read_only_statements_pass(sql):
    assert check_read_only(sql)


@pytest.mark.parametrize("sql", [
    "DELETE FROM t",
    "update t set a = 1",
    "SELECT 1; DROP TABLE t",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
    "SELECT * INTO copy FROM t",
    "SELECT * FROM t FOR UPDATE",
    "/* hidden */ INSERT INTO t VALUES (1)",
    "",
    "   ;  ",
    "SELECT 'unterminated",
])
def test_writes_several_statements_and_garbage_are_refused(sql):
    with pytest.raises(UnsafeQuery):
        check_read_only(sql)


def test_trailing_semicolon_is_dropped():
    assert check_read_only("SELECT 1 ;  ") == "SELECT 1"


@pytest.mark.parametrize("sql", ["SELECT 1) UNION SELECT * FROM other_db.t (SELECT 1", "SELECT (1", "SELECT 1)"])
def test_unbalanced_parentheses_are_refused(sql):
    with pytest.raises(UnsafeQuery, match="parentheses"):
        check_read_only(sql)


def test_parentheses_inside_literals_do_not_count():
    assert check_read_only("SELECT ')' AS a, \"(\" FROM t WHERE f(x) > 0")
