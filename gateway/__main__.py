"""`python -m gateway SUPERGRAPH.graphql [--host H] [--port P]`: serve a supergraph.

A development runner (the product wires `create_gateway_app` itself); it adds a
`GET /health` route answering 200.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.http import create_gateway_app


async def _health(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    parser.add_argument("supergraph", type=Path, help="composed supergraph SDL file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4000)
    parser.add_argument("--timeout", type=float, default=10.0, help="subgraph timeout (s)")
    args = parser.parse_args()
    app = create_gateway_app(
        args.supergraph.read_text(),
        subgraph_timeout=args.timeout,
        extra_routes=[Route("/health", _health)],
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
