"""Vision's per-tenant rate limit (the gateway's limit, applied to Vision's own requests too)."""

from __future__ import annotations

from axiom.gateway_request import GATEWAY_REQUEST_HEADER, GatewayRequestSigner
from tests.vision.conftest import vision_client


async def test_requests_over_the_limit_are_refused_with_retry_after(services_settings, make_token, tenant_id):
    settings = services_settings.replace(rate_limit_per_minute=2, redis_url=None)
    headers = {"Authorization": f"Bearer {make_token(tenant_id)}"}
    async with vision_client(settings) as client:
        bodies = [
            (await client.post("/graphql", json={"query": "{ cubes { name } }"}, headers=headers)).json()
            for _ in range(3)
        ]
    assert ["errors" in body for body in bodies] == [False, False, True]
    error = bodies[2]["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED" and error["extensions"]["retryAfter"] >= 1


async def test_calls_of_one_gateway_operation_count_once(services_settings, make_token, tenant_id):
    settings = services_settings.replace(rate_limit_per_minute=1, redis_url=None)
    tag = GatewayRequestSigner.from_settings(settings).new()
    headers = {"Authorization": f"Bearer {make_token(tenant_id)}", GATEWAY_REQUEST_HEADER: tag}
    async with vision_client(settings) as client:
        bodies = [
            (await client.post("/graphql", json={"query": "{ cubes { name } }"}, headers=headers)).json()
            for _ in range(3)
        ]
    assert all("errors" not in body for body in bodies)
