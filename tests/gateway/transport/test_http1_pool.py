"""The gateway's HTTP/1.1 client to subgraphs, against raw servers that misbehave on purpose: connections are
reused and bounded, a connection the server closed is survived by a query (never silently re-sent for a
mutation), and bad answers fail cleanly."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.transport import HttpTransport, InvalidResponseBody, SubgraphConnectError, SubgraphTimeout
from gateway.transport.http1_pool import Http1Pool, InvalidRequestHeader

ANSWER = b'{"data":{"a":1}}'


def _answer(body: bytes = ANSWER, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (
        len(body),
        extra,
        body,
    )


class RawServer:
    """Answers each request with `respond(request number, connection number)` bytes (empty: the connection is
    closed instead; None: no answer, the connection stays open); `then_close` closes the connection after an
    answer. Counts connections and requests."""

    def __init__(self, respond: Callable[[int, int], bytes | None] | None = None, then_close: bool = False) -> None:
        self.respond = respond or (lambda request, connection: _answer())
        self.then_close = then_close
        self.connections = 0
        self.requests: list[bytes] = []
        self.open = 0
        self.most_open = 0
        self.server: asyncio.base_events.Server | None = None

    async def start(self, tls: ssl.SSLContext | None = None) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if tls else 'http'}://127.0.0.1:{port}/graphql"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                self.requests.append(head + await reader.readexactly(length))
                answer = self.respond(len(self.requests), number)
                if answer is None:
                    continue
                if answer:
                    writer.write(answer)
                    await writer.drain()
                if self.then_close or not answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def serve():
    servers: list[RawServer] = []

    async def start(*args, tls: ssl.SSLContext | None = None, **kwargs) -> tuple[RawServer, str]:
        server = RawServer(*args, **kwargs)
        servers.append(server)
        return server, await server.start(tls)

    yield start
    for server in servers:
        await server.stop()


async def _send(transport: HttpTransport, url: str, *, query: bool = True, headers: dict | None = None) -> dict:
    body = {"query": "{ a }" if query else "mutation { a }", "variables": {}}
    return await transport.send("s", url, body, headers or {}, deduplicate=query)


async def test_sequential_calls_share_one_keep_alive_connection_and_send_the_headers(serve):
    server, url = await serve()
    transport = HttpTransport(timeout=2)
    try:
        for _ in range(5):
            assert await _send(transport, url, headers={"authorization": "Bearer t"}) == {"data": {"a": 1}}
    finally:
        await transport.close()
    assert server.connections == 1
    head = server.requests[0].split(b"\r\n\r\n")[0].lower()
    assert b"post /graphql http/1.1" in head and b"authorization: bearer t" in head and b"host: 127.0.0.1:" in head


async def test_connection_close_is_honoured_without_an_error(serve):
    server, url = await serve(lambda request, connection: _answer(extra=b"connection: close\r\n"), then_close=True)
    transport = HttpTransport(timeout=2)
    try:
        for _ in range(3):
            assert await _send(transport, url) == {"data": {"a": 1}}
    finally:
        await transport.close()
    assert server.connections == 3


async def test_a_query_survives_a_keep_alive_connection_the_server_closed_but_a_mutation_is_not_resent(serve):
    """The server closes each connection after one answer without saying so, as at its keep-alive timeout."""
    server, url = await serve(then_close=True)
    transport = HttpTransport(timeout=2)
    try:
        assert await _send(transport, url) == {"data": {"a": 1}}
        await asyncio.sleep(0.05)  # the server's close reaches us while the connection is idle
        assert await _send(transport, url) == {"data": {"a": 1}}
        assert server.connections == 2
    finally:
        await transport.close()


async def test_a_reused_connection_that_breaks_before_answering_fails_a_mutation_once(serve):
    """The first connection's second request is read and dropped: for a query that is sent again, for a
    mutation (it may have run) the caller gets a connect error and the mutation reached the server once."""
    for query, outcome in ((True, {"data": {"a": 1}}), (False, SubgraphConnectError)):
        server, url = await serve(lambda request, connection: b"" if (request, connection) == (2, 1) else _answer())
        transport = HttpTransport(timeout=2)
        try:
            await _send(transport, url, query=query)
            if isinstance(outcome, dict):
                assert await _send(transport, url, query=query) == outcome
            else:
                with pytest.raises(outcome):
                    await _send(transport, url, query=query)
                assert len(server.requests) == 2
        finally:
            await transport.close()


async def test_chunked_answers_are_decoded(serve):
    chunked = b'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7\r\n{"data"\r\n9\r\n:{"a":1}}\r\n0\r\n\r\n'
    _, url = await serve(lambda request, connection: chunked)
    transport = HttpTransport(timeout=2)
    try:
        assert await _send(transport, url) == {"data": {"a": 1}}
    finally:
        await transport.close()


async def test_an_answer_over_the_size_limit_and_garbage_are_invalid_answers(serve):
    big = b'{"data":{"a":"' + b"x" * 5000 + b'"}}'
    _, big_url = await serve(lambda request, connection: _answer(big))
    _, garbage_url = await serve(lambda request, connection: b"SMTP ready\r\n\r\n")
    pool = Http1Pool(max_response_bytes=4096)
    try:
        with pytest.raises(Exception, match="larger than 4096"):
            await pool.post(big_url, {}, b"{}", retry_stale=False)
    finally:
        await pool.close()
    transport = HttpTransport(timeout=2)
    try:
        with pytest.raises(InvalidResponseBody):
            await _send(transport, garbage_url)
    finally:
        await transport.close()


async def test_no_more_connections_than_the_limit_and_waiting_callers_are_served(serve):
    server, url = await serve()
    pool = Http1Pool(limit=3)
    try:
        answers = await asyncio.gather(*(pool.post(url, {}, b"{}", retry_stale=True) for _ in range(20)))
    finally:
        await pool.close()
    assert all(status == 200 for status, _ in answers)
    assert server.most_open <= 3 and server.connections <= 3


async def test_a_timed_out_call_closes_its_connection_and_the_next_call_works(serve):
    def respond(request: int, connection: int) -> bytes | None:
        return None if request == 1 else _answer()  # the first request is never answered

    server, url = await serve(respond)
    transport = HttpTransport(timeout=0.2)
    try:
        with pytest.raises(SubgraphTimeout):
            await _send(transport, url)
        assert await _send(transport, url) == {"data": {"a": 1}}
    finally:
        await transport.close()
    assert server.connections == 2


async def test_an_idle_connection_past_its_age_is_not_reused(serve):
    server, url = await serve()
    pool = Http1Pool(idle_seconds=0.05)
    try:
        await pool.post(url, {}, b"{}", retry_stale=False)
        await asyncio.sleep(0.1)
        await pool.post(url, {}, b"{}", retry_stale=False)
    finally:
        await pool.close()
    assert server.connections == 2


async def test_header_values_that_would_split_the_request_are_refused(serve):
    server, url = await serve()
    pool = Http1Pool()
    try:
        for bad in ({"authorization": "Bearer t\r\nx-admin: 1"}, {"x-name": "caf\u00e9 \u2603"}):
            with pytest.raises(InvalidRequestHeader):
                await pool.post(url, bad, b"{}", retry_stale=False)
    finally:
        await pool.close()
    assert server.requests == []


def _self_signed(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for 127.0.0.1, and a client context trusting it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    return server, client


async def test_https_subgraphs_are_called_over_verified_tls(serve, tmp_path):
    server_tls, client_tls = _self_signed(tmp_path)
    server, url = await serve(tls=server_tls)
    trusting = Http1Pool(tls=client_tls)
    default = Http1Pool()  # the system's trust store does not know our certificate
    try:
        assert await trusting.post(url, {}, b"{}", retry_stale=False) == (200, ANSWER)
        with pytest.raises(Exception, match="cannot connect"):
            await default.post(url, {}, b"{}", retry_stale=False)
    finally:
        await trusting.close()
        await default.close()
    assert len(server.requests) == 1


async def test_the_pool_works_on_uvloop_the_loop_uvicorn_serves_the_gateway_on(serve):
    import uvloop

    server, url = await serve()

    async def calls() -> list[tuple[int, bytes]]:
        pool = Http1Pool()
        try:
            return [await pool.post(url, {"authorization": "Bearer t"}, b"{}", retry_stale=True) for _ in range(3)]
        finally:
            await pool.close()

    assert await asyncio.to_thread(uvloop.run, calls()) == [(200, ANSWER)] * 3
    assert server.connections == 1


async def test_an_answer_ended_by_closing_the_connection_is_read_whole(serve):
    """An answer without content-length or chunking ends where the connection does (HTTP/1.0 style)."""
    closing = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n" + ANSWER
    server, url = await serve(lambda request, connection: closing, then_close=True)
    pool = Http1Pool()
    try:
        assert await pool.post(url, {}, b"{}", retry_stale=False) == (200, ANSWER)
        assert await pool.post(url, {}, b"{}", retry_stale=False) == (200, ANSWER)
    finally:
        await pool.close()
    assert server.connections == 2


async def test_a_caller_cannot_replace_the_framing_headers(serve):
    """Forwarded headers are an operator's allowlist; even one naming content-length or host cannot reframe the
    request the subgraph reads."""
    server, url = await serve()
    pool = Http1Pool()
    try:
        smuggling = {"Content-Length": "0", "host": "evil.example", "transfer-encoding": "chunked", "x-kept": "1"}
        assert await pool.post(url, smuggling, b'{"query":"{a}"}', retry_stale=False) == (200, ANSWER)
    finally:
        await pool.close()
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert body == b'{"query":"{a}"}'
    lines = head.lower().split(b"\r\n")
    assert b"x-kept: 1" in lines and b"host: evil.example" not in lines and b"transfer-encoding: chunked" not in lines
    assert sum(line.startswith(b"content-length") for line in lines) == 1


async def test_a_connection_that_sends_bytes_nobody_asked_for_is_not_reused():
    """Bytes a server writes on an idle connection (here the start of a stray answer) make the connection
    untrustworthy: it is dropped, and its stray bytes are never read as part of the next answer."""
    connections = []

    async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                writer.write(_answer())
                await writer.drain()
                await asyncio.sleep(0.02)
                writer.write(b'HTTP/1.1 200 OK\r\ncontent-length: 40\r\n\r\n{"data":')  # a stray, unfinished
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve_connection, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"
    pool = Http1Pool()
    try:
        assert await pool.post(url, {}, b"{}", retry_stale=True) == (200, ANSWER)
        await asyncio.sleep(0.1)
        assert await asyncio.wait_for(pool.post(url, {}, b"{}", retry_stale=True), 2) == (200, ANSWER)
    finally:
        await pool.close()
        server.close()
    assert len(connections) == 2
