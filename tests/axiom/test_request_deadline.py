"""A subgraph answers TIMEOUT at its deadline itself, and never cuts a response that has started."""

import asyncio

import httpx

from axiom.request_deadline import RequestDeadline


async def _slow(scope, receive, send):
    await receive()
    await asyncio.sleep(5)


async def _streaming(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for chunk in (b"a", b"b", b"c"):
        await asyncio.sleep(0.15)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _post(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        return await client.post("/graphql", json={"query": "{ a }"})


async def test_work_past_the_deadline_is_cancelled_and_answered_with_timeout():
    cancelled = asyncio.Event()

    async def slow(scope, receive, send):
        try:
            await _slow(scope, receive, send)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    response = await asyncio.wait_for(_post(RequestDeadline(slow, deadline=0.2)), 2)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert cancelled.is_set()


async def test_a_started_stream_is_not_cut_by_the_deadline():
    response = await _post(RequestDeadline(_streaming, deadline=0.2))
    assert response.content == b"abc"
