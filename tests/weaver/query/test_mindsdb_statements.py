"""The statements Weaver writes for MindsDB (pure): connection details in MindsDB's string syntax, which doubles
quotes and has no escape for a backslash (checked against a real MindsDB in test_mindsdb_mode.py)."""

import pytest

from subgraphs.weaver.adapters.base import ConnectionParams
from subgraphs.weaver.adapters.mindsdb import MirrorRefused, create_database_sql


def _params(**changes) -> ConnectionParams:
    values = {"engine": "postgresql", "host": "db", "port": 5432, "database": "shop", "username": "u"}
    return ConnectionParams(**{**values, **changes})


def test_quotes_are_doubled_and_backslashes_and_unicode_written_as_they_are():
    sql = create_database_sql("m", _params(username='a"b\\c', password="p'}é"))
    assert sql == (
        "CREATE DATABASE m WITH ENGINE = 'postgres', PARAMETERS = "
        '{"port": 5432, "host": "db", "database": "shop", "user": "a""b\\c", "password": "p\'}é"}'
    )


def test_an_empty_password_is_left_out():
    assert '"password"' not in create_database_sql("m", _params(password=""))


@pytest.mark.parametrize("password", ["ends\\", 'a\\"b', "a\\'b"])
def test_a_backslash_mindsdb_would_read_as_an_escape_is_refused(password):
    with pytest.raises(MirrorRefused, match="backslash"):
        create_database_sql("m", _params(password=password))
