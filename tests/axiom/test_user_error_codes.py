"""`UserError.code` is the enum `UserErrorCode`: every code a subgraph reports in `userErrors` must be one of it,
or the mutation would fail to serialize its answer."""

from __future__ import annotations

import pytest

from axiom.graphql_types import UserError, UserErrorCode
from subgraphs.weaver.service import user_errors


def test_every_code_weaver_reports_is_a_user_error_code():
    codes = [value for name, value in vars(user_errors).items() if name.isupper() and isinstance(value, str)]
    assert codes and all(UserErrorCode(code) for code in codes)


def test_user_errors_are_built_with_enum_codes_and_an_unknown_code_is_refused():
    problem = user_errors.UserErrorData("name", "taken", user_errors.DUPLICATE)
    assert UserError.of([problem])[0].code is UserErrorCode.DUPLICATE
    with pytest.raises(ValueError):
        UserError.of([user_errors.UserErrorData("name", "?", "SOMETHING_NEW")])
