"""Weaver's rate limit through the gateway: one client operation counts once, however many Weaver calls it takes."""

import time

from redis.asyncio import Redis

from axiom.demo import DEMO_TENANT

# Weaver answers `dataSources` at the root, then `factTable` for Vision's cubes through `_entities`.
TWO_WEAVER_CALLS = "{ dataSources { totalCount } cubes { name factTable { name columns { name } } } }"


async def test_one_operation_spanning_two_weaver_calls_counts_once(gateway, make_token, services_settings):
    headers = {"authorization": f"Bearer {make_token(DEMO_TENANT)}", "x-axiom-debug-plan": "1"}
    redis = Redis.from_url(services_settings.redis_url)
    try:
        for _ in range(3):  # the counter is per minute: measure again if a minute boundary fell in between
            window = int(time.time() // 60)
            key = f"weaver:guard:rate:{DEMO_TENANT}:{window}"
            before = int(await redis.get(key) or 0)
            response = await gateway.post("/graphql", json={"query": TWO_WEAVER_CALLS}, headers=headers)
            after = int(await redis.get(key) or 0)
            if int(time.time() // 60) == window:
                break
    finally:
        await redis.aclose()
    body = response.json()
    assert "errors" not in body and body["data"]["cubes"][0]["factTable"]["name"] == "order_lines"
    assert str(body["extensions"]).count("'weaver'") == 2, body["extensions"]
    assert after - before == 1
