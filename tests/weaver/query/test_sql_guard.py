"""The read-only guard, decided on sqlglot's tree: direct mode (the database enforces read-only too) and
MindsDB mode (strict: the guard is the only protection)."""

import pytest

from subgraphs.weaver.query.sql_guard import UnsafeQuery, check_read_only


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "select * from t where name = 'DELETE me; now';",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "-- a comment\nSELECT replace(a, 'x', 'y') FROM t ORDER BY a DESC",
        'SELECT "update" FROM t',
        "SELECT $$ drop table t; $$",
        "VALUES (1), (2)",
        "SHOW server_version",
        "EXPLAIN SELECT 1",
        "SELECT 1 UNION SELECT 2",
        "SELECT ')' AS a, \"(\" FROM t WHERE f(x) > 0",
    ],
)
def test_read_only_statements_pass_in_direct_mode(sql):
    assert check_read_only(sql)


# Bypass attempts: each is refused in both modes.
BYPASSES = [
    ("a write", "DELETE FROM t"),
    ("a write, lower case", "update t set a = 1"),
    ("a second statement", "SELECT 1; DROP TABLE t"),
    ("a second statement after a comment", "SELECT 1 /* ; */; DELETE FROM t"),
    ("a second statement after a string holding ';'", "SELECT 'a;b'; DELETE FROM t"),
    ("a second statement after a dollar-quoted string", "SELECT $$ ; $$; DELETE FROM t"),
    ("a write behind a comment", "/* hidden */ INSERT INTO t VALUES (1)"),
    ("a write behind a line comment", "-- SELECT\nINSERT INTO t VALUES (1)"),
    ("a writable CTE", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"),
    ("a writable CTE, update", "WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM u"),
    ("SELECT … INTO", "SELECT * INTO copy FROM t"),
    ("a row lock", "SELECT * FROM t FOR UPDATE"),
    ("a row share lock", "SELECT * FROM t FOR SHARE"),
    ("COPY", "COPY t TO '/tmp/t.csv'"),
    ("COPY from a program", "COPY t FROM PROGRAM 'rm -rf /'"),
    ("DO", "DO $$ BEGIN DELETE FROM t; END $$"),
    ("SET", "SET search_path = other"),
    ("SET ROLE", "SET ROLE postgres"),
    ("CALL", "CALL p()"),
    ("LOCK", "LOCK TABLE t"),
    ("PREPARE", "PREPARE p AS DELETE FROM t"),
    ("MERGE", "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE"),
    ("VACUUM", "VACUUM t"),
    ("NOTIFY", "NOTIFY channel"),
    ("CREATE", "CREATE TABLE x AS SELECT 1"),
    ("brackets closing an outer native query", "SELECT 1) UNION SELECT * FROM other_db.t (SELECT 1"),
    ("an unbalanced bracket", "SELECT (1"),
    ("an unterminated string", "SELECT 'unterminated"),
    ("nothing", ""),
    ("only a separator", "   ;  "),
]


@pytest.mark.parametrize(("attempt", "sql"), BYPASSES, ids=[a for a, _ in BYPASSES])
@pytest.mark.parametrize("strict", [False, True], ids=["direct", "mindsdb"])
def test_bypass_attempts_are_refused(attempt, sql, strict):
    with pytest.raises(UnsafeQuery):
        check_read_only(sql, strict=strict)


# Refused only in MindsDB mode, where no read-only transaction stands behind the guard.
STRICT_ONLY = [
    ("a sleep", "SELECT pg_sleep(10)"),
    ("a sequence advance", "SELECT nextval('s')"),
    ("a sequence set", "SELECT setval('s', 1)"),
    ("a setting change", "SELECT set_config('search_path', 'other', false)"),
    ("a server file read", "SELECT pg_read_file('/etc/passwd')"),
    ("a large object import", "SELECT lo_import('/etc/passwd')"),
    ("a remote write", "SELECT dblink_exec('host=x', 'DELETE FROM t')"),
    ("SQL run from a string", "SELECT query_to_xml('DELETE FROM t RETURNING 1', true, true, '')"),
    ("a user-defined function", "SELECT delete_everything()"),
    ("a schema-qualified function", "SELECT public.delete_everything()"),
    ("a backslash that MindsDB may read as an escape", "SELECT '\\', ') UNION SELECT * FROM other.t --'"),
    ("VALUES", "VALUES (1)"),
    ("SHOW", "SHOW server_version"),
    ("EXPLAIN", "EXPLAIN SELECT 1"),
]


@pytest.mark.parametrize(("attempt", "sql"), STRICT_ONLY, ids=[a for a, _ in STRICT_ONLY])
def test_side_effects_and_non_select_statements_are_refused_in_mindsdb_mode(attempt, sql):
    with pytest.raises(UnsafeQuery):
        check_read_only(sql, strict=True)


@pytest.mark.parametrize(
    ("sql", "sent"),
    [
        ("SELECT id, name FROM s.customers ORDER BY id;", "SELECT id, name FROM s.customers ORDER BY id"),
        ("SELECT $$ ) x ( $$ AS a -- ) trailing\n", "SELECT ' ) x ( ' AS a"),
        (
            "/* ( */ SELECT count(*), lower(name), jsonb_build_object('a', 1) FROM t",
            "SELECT COUNT(*), LOWER(name), JSONB_BUILD_OBJECT('a', 1) FROM t",
        ),
        (
            "WITH x AS (SELECT 1 AS a) SELECT a FROM x UNION SELECT 2",
            "WITH x AS (SELECT 1 AS a) SELECT a FROM x UNION SELECT 2",
        ),
    ],
)
def test_mindsdb_mode_sends_the_checked_tree_without_comments_or_dollar_quotes(sql, sent):
    assert check_read_only(sql, strict=True) == sent


def test_mysql_datasources_are_parsed_as_mysql():
    assert check_read_only("SELECT `order` FROM t # a comment", "mysql")
    with pytest.raises(UnsafeQuery):
        check_read_only("SELECT 1 INTO OUTFILE '/tmp/x'", "mysql")
    with pytest.raises(UnsafeQuery):
        check_read_only("SELECT sleep(10)", "mysql", strict=True)


def test_trailing_semicolon_is_dropped():
    assert check_read_only("SELECT 1 ;  ") == "SELECT 1"
