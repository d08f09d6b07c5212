"""The gateway passes coded subgraph errors through without logging them as its own faults."""

import logging


async def test_subgraph_errors_and_bad_requests_are_not_gateway_errors(shop, caplog):
    with caplog.at_level(logging.INFO, logger="axiom.gateway"):
        _, failed = await shop.post("{ reviews { product { upc broken } } }")
        invalid_status, invalid = await shop.post("{ noSuchField }")
    assert failed["errors"] and all(e["extensions"]["code"] for e in failed["errors"])
    assert invalid_status == 400 and invalid["errors"][0]["extensions"]["code"]
    gateway_records = [r for r in caplog.records if r.name.startswith("axiom.gateway")]
    assert [r for r in gateway_records if r.levelno >= logging.ERROR or r.exc_info] == []
