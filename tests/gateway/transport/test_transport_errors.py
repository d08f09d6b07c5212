"""The transport says what went wrong by the error's class, not its message text."""

from __future__ import annotations

import asyncio
import socket

import pytest
from gateway_testkit.servers import RunningServer

from gateway.transport import (
    HttpTransport,
    InvalidResponseBody,
    SubgraphConnectError,
    SubgraphStatusError,
    SubgraphTimeout,
    TransportError,
)

BODY = {"query": "{a}", "variables": {}}


def _answering(status: int, body: bytes, delay: float = 0.0):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await asyncio.sleep(delay)
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": body})

    return app


async def _send_to(app, timeout: float = 2.0):
    server = await RunningServer(app).start()
    transport = HttpTransport(timeout=timeout)
    try:
        return await transport.send("s", server.url, BODY, {}, deduplicate=False)
    finally:
        await transport.close()
        await server.stop()


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (502, b"<html>Bad gateway</html>", SubgraphStatusError),
        (200, b"<html>not json</html>", InvalidResponseBody),
        (200, b'{"unrelated": true}', InvalidResponseBody),
        (200, b"null", InvalidResponseBody),
    ],
)
async def test_unusable_answers_raise_the_error_naming_what_was_wrong(status, body, error_class):
    with pytest.raises(error_class) as caught:
        await _send_to(_answering(status, body))
    assert isinstance(caught.value, TransportError) and caught.value.status == status


async def test_a_graphql_error_body_with_a_4xx_status_is_a_response_not_a_transport_error():
    response = await _send_to(_answering(400, b'{"errors": [{"message": "bad"}]}'))
    assert response == {"errors": [{"message": "bad"}]}


async def test_a_slow_subgraph_raises_a_timeout():
    with pytest.raises(SubgraphTimeout):
        await _send_to(_answering(200, b'{"data": {}}', delay=1.0), timeout=0.1)


async def test_a_closed_port_raises_a_connect_error():
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = HttpTransport(timeout=2)
    try:
        with pytest.raises(SubgraphConnectError):
            await transport.send("s", f"http://127.0.0.1:{port}/graphql", BODY, {}, deduplicate=False)
    finally:
        await transport.close()
