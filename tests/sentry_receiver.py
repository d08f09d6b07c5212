"""A local HTTP server that receives Sentry envelopes (what `sentry-sdk` sends to a DSN), for tests that check
what error reports carry. DSN: `http://key@127.0.0.1:PORT/1`."""

from __future__ import annotations

import gzip
import json
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from axiom.embedded.process import free_port


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # runs on a thread of the test process
        pass


class SentryReceiver:
    """Collects envelopes: `raw` (each body as text, for "never contains" checks) and `events` (error events)."""

    def __init__(self) -> None:
        self.raw: list[str] = []
        self.events: list[dict] = []
        self.port = free_port()
        self.dsn = f"http://public-key@127.0.0.1:{self.port}/1"
        self._server = _ThreadedServer(
            uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> SentryReceiver:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *_) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def _app(self) -> Starlette:
        async def envelope(request: Request) -> Response:
            body = await request.body()
            if request.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            self.raw.append(body.decode("utf-8", "replace"))
            self.events.extend(_events(body))
            return Response('{"id": "0"}', media_type="application/json")

        return Starlette(routes=[Route("/api/{project}/envelope/", envelope, methods=["POST"])])

    def wait_for_event(self, matches, timeout: float = 20.0) -> dict:
        """The first error event for which `matches(event)` holds, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.events):
                if matches(event):
                    return event
            time.sleep(0.05)
        seen = [event.get("tags") for event in self.events]
        raise AssertionError(f"no matching Sentry event in {timeout} s; events seen have tags {seen}")


def _events(body: bytes) -> list[dict]:
    """Error events of one envelope: a header line, then items (a header line, then its payload)."""
    events = []
    rest = body.split(b"\n", 1)[1] if b"\n" in body else b""
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :].lstrip(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        if header.get("type") == "event":
            events.append(json.loads(payload))
    return events
