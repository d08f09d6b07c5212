"""Runs The Guild's Federation Gateway Audit test cases against our gateway, in-process.

The audit's subgraphs must already be served (`npm start -- serve --port 4200` in a
checkout of graphql-hive/federation-gateway-audit, Node >= 22). For every suite this
fetches the composed supergraph and the test cases, builds `create_gateway_app` on the
supergraph and compares responses the way the audit does (data deep-equal; errors
presence when the case says so).

    uv run python bench/gateway_audit.py [--base http://localhost:4200] [suite ...]

Plan-quality mode: serve the audit with `PUNISH_FOR_POOR_PLANS=1` in its environment
(its subgraphs read it per request); cases then fail when our plan takes a needlessly
costly route (e.g. an entity fetch a `@provides` made unnecessary).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import httpx

from gateway import create_gateway_app


async def run_suite(base: str, suite: str, verbose: bool) -> tuple[int, int]:
    async with httpx.AsyncClient() as audit:
        sdl = (await audit.get(f"{base}/{suite}/supergraph")).text
        cases = (await audit.get(f"{base}/{suite}/tests")).json()
    try:
        app = create_gateway_app(sdl)
    except Exception as error:  # a supergraph we cannot load fails every case
        print(f"{suite}: cannot load supergraph: {error!r}")
        return 0, len(cases)
    passed = 0
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw")
    try:
        for index, case in enumerate(cases):
            ok, received = await _run_case(client, case)
            passed += ok
            if not ok and verbose:
                print(f"--- {suite}_{index} FAILED\n{case['query']}")
                print("expected:", json.dumps(case["expected"]))
                print("received:", json.dumps(received))
    finally:
        await client.aclose()
        await app.state.gateway.close()
    return passed, len(cases)


async def _run_case(client: httpx.AsyncClient, case: dict) -> tuple[bool, dict]:
    response = await client.post("/graphql", json={"query": case["query"]})
    body = response.json()
    expected = case["expected"]
    errors_checked = isinstance(expected.get("errors"), bool)
    ok = body.get("data") == expected.get("data")
    if errors_checked:
        ok = ok and bool(body.get("errors")) == expected["errors"]
    return ok, body


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://localhost:4200")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("suites", nargs="*")
    args = parser.parse_args()
    async with httpx.AsyncClient() as audit:
        suites = args.suites or (await audit.get(f"{args.base}/ids")).json()
    total_passed = total = 0
    for suite in suites:
        passed, count = await run_suite(args.base, suite, args.verbose)
        total_passed += passed
        total += count
        print(f"{'PASS' if passed == count else 'FAIL'} {suite}: {passed}/{count}")
    print(f"{total_passed} passed, {total - total_passed} failed")
    sys.exit(0 if total_passed == total else 1)


if __name__ == "__main__":
    asyncio.run(main())
