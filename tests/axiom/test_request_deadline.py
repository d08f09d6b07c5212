"""A subgraph answers TIMEOUT at its deadline itself, and never cuts a response that has started."""

import asyncio
import contextlib

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


async def _call_then_leave(app, leave: asyncio.Event) -> list[dict]:
    """Drive `app` as a server would, the client leaving once `leave` is set; the messages sent."""
    sent: list[dict] = []
    body = [{"type": "http.request", "body": b"{}", "more_body": False}]

    async def receive():
        if body:
            return body.pop()
        await leave.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "path": "/graphql", "method": "POST", "headers": []}, receive, send)
    return sent


async def test_work_is_cancelled_when_the_client_leaves_and_the_request_ends_quietly():
    cancelled, leave = asyncio.Event(), asyncio.Event()

    async def slow(scope, receive, send):
        await receive()
        leave.set()
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    sent = await asyncio.wait_for(_call_then_leave(RequestDeadline(slow), leave), 2)
    assert cancelled.is_set()
    assert sent == []


async def test_a_client_leaving_after_its_answer_cancels_nothing():
    leave, finished = asyncio.Event(), asyncio.Event()

    async def answers_then_works(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        leave.set()
        await asyncio.sleep(0.05)  # bookkeeping after the answer, while the client goes away
        finished.set()

    sent = await asyncio.wait_for(_call_then_leave(RequestDeadline(answers_then_works, deadline=1), leave), 2)
    assert finished.is_set()
    assert [m.get("body") for m in sent] == [None, b"ok"]


async def test_the_server_cancelling_a_request_still_cancels_it():
    started = asyncio.Event()

    async def slow(scope, receive, send):
        await receive()
        started.set()
        await asyncio.sleep(5)

    task = asyncio.ensure_future(_call_then_leave(RequestDeadline(slow), asyncio.Event()))
    await started.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
