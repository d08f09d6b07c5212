"""Expected errors through the Weaver API carry their code and are never logged at ERROR with a traceback."""

import logging

from weaver.test_request_guard import limited_client  # noqa: F401  (fixture)

DATASOURCE = "query($id: ID!) { dataSource(id: $id) { id } }"


def _assert_no_error_records(caplog):
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]


async def test_not_found_and_bad_input_are_coded_and_not_logged_as_errors(gql, tenant_id, caplog):
    with caplog.at_level(logging.INFO):
        _, missing = await gql(tenant_id, DATASOURCE, {"id": "00000000-0000-0000-0000-000000000000"})
        _, bad = await gql(tenant_id, "{ dataSources(first: 100000) { totalCount } }")
        _, invalid = await gql(tenant_id, "{ noSuchField }")
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert invalid["errors"][0]["extensions"]["code"]
    _assert_no_error_records(caplog)
    assert any("NOT_FOUND" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


async def test_rate_limited_is_not_logged_as_an_error(limited_client, make_token, tenant_id, caplog):  # noqa: F811
    headers = {"Authorization": f"Bearer {make_token(tenant_id)}"}
    with caplog.at_level(logging.INFO):
        bodies = [
            (
                await limited_client.post("/graphql", json={"query": "{ dataSources { totalCount } }"}, headers=headers)
            ).json()
            for _ in range(4)
        ]
    assert bodies[3]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    _assert_no_error_records(caplog)
