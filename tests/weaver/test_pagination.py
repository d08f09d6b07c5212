import pytest

from axiom.errors import BadUserInput
from subgraphs.weaver.pagination import check_first, decode_cursor, encode_cursor


def test_cursor_round_trips():
    assert decode_cursor(encode_cursor("2026-01-01T00:00:00", "abc"), 2) == ["2026-01-01T00:00:00", "abc"]


@pytest.mark.parametrize("cursor", ["not base64 !!", encode_cursor("only-one"), "e30="])
def test_malformed_cursor_is_bad_user_input(cursor):
    with pytest.raises(BadUserInput):
        decode_cursor(cursor, 2)


@pytest.mark.parametrize("first", [0, -1, 101])
def test_first_outside_1_to_100_is_refused(first):
    with pytest.raises(BadUserInput):
        check_first(first)


def test_first_inside_bounds_is_accepted():
    assert check_first(1) == 1 and check_first(100) == 100
