"""Per-request loaders answer repeated lookups from memory over HTTP (one request), but never over a WebSocket,
whose one context serves every event of a long-lived subscription."""

import uuid

import pytest
from starlette.requests import Request
from starlette.websockets import WebSocket

from axiom.auth import Principal
from subgraphs.vision.context import VisionContext
from subgraphs.vision.runtime import VisionRuntime


async def _never(*_):
    raise AssertionError("not used")


@pytest.mark.parametrize(("transport", "second_lookup_is_fresh"), [("websocket", True), ("http", False)])
async def test_a_member_term_changed_between_two_lookups(
    services_settings, demo_cubes, tenant_id, transport, second_lookup_is_fresh
):
    [cube] = demo_cubes
    scope = {"type": transport, "path": "/graphql", "headers": [], "method": "POST"}
    request = WebSocket(scope, _never, _never) if transport == "websocket" else Request(scope)
    runtime = VisionRuntime.open(services_settings)
    try:
        context = VisionContext(principal=Principal(tenant_id, "ann"), request=request, runtime=runtime)
        first, second = str(uuid.uuid4()), str(uuid.uuid4())
        await context.terms.link(tenant_id, cube.id, "Amount", first, linked_by="ann")
        assert (await context.loaders.member_terms.load(cube.id))["Amount"] == first
        await context.terms.link(tenant_id, cube.id, "Amount", second, linked_by="ann")  # as in a later event
        seen = (await context.loaders.member_terms.load(cube.id))["Amount"]
    finally:
        await runtime.close()
    assert seen == (second if second_lookup_is_fresh else first)
