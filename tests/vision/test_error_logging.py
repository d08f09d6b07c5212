"""Expected errors through the Vision API carry their code and are never logged at ERROR with a traceback."""

import logging


async def test_not_found_and_bad_input_are_coded_and_not_logged_as_errors(graphql, tenant_id, caplog):
    with caplog.at_level(logging.INFO):
        missing = await graphql('{ cube(id: "nope") { id } }', tenant=tenant_id)
        bad = await graphql("{ cube { id } }", tenant=tenant_id)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]
