"""Time to refusal of abusive operations vs the time of a normal query, through the gateway on Axiom's
supergraph (in-process HTTP; subgraphs answered by a stub that returns no data instantly, so the figures are
the gateway's own work: parsing, limits, validation, planning).

Each case is sent with a fresh comment so that no document cache helps. Before the limits, the fragment bomb
took 15 s of the event loop at N = 18 and never returned at N = 29. "loop lag" is the longest the event loop
was kept from a 1 ms timer while the request ran (what every other client of the process waits).

    uv run python bench/operation_limits.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from pathlib import Path

import httpx

from gateway import create_gateway_app

SUPERGRAPH = Path(__file__).resolve().parent.parent / "schema" / "supergraph.graphql"


class NoDataTransport:
    """Every subgraph call answers `{"data": null}` at once."""

    async def send(self, subgraph, url, body, headers, *, deduplicate):
        return {"data": None}

    async def close(self) -> None:
        return None


def fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on Cube { name }"]
    fragments += [f"fragment F{i} on Cube {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f"{{ cubes {{ ...F{levels} }} }} " + " ".join(fragments)


def aliases(count: int, selection: str = "cubes { name }") -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


def deep(depth: int) -> str:
    inner = "name"
    for _ in range(depth):
        inner = f"children {{ {inner} }}"
    return f"{{ glossaryTerms {{ edges {{ node {{ {inner} }} }} }} }}"


CASES = {
    "normal query": "{ cubes { name factTable { name columns { name dataType } } } }",
    "fragment bomb N=18": fragment_bomb(18),
    "fragment bomb N=29": fragment_bomb(29),
    "10,000 aliases of cubes { name }": aliases(10_000),
    "1,000 aliases of cubes { name }": aliases(1_000),
    "10,000 __typename aliases": aliases(10_000, "__typename"),
    "depth 40": deep(40),
    "cost: dataSources(first: 100) … columns": "{ dataSources(first: 100) { edges { node { schemas { tables "
    "{ columns { name } } } } } } }",
}


class LoopLag:
    """The longest overshoot of a 1 ms sleep while active: how long the event loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    async def _tick(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, (time.perf_counter() - started) * 1000 - 1)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_) -> None:
        assert self._task is not None
        self._task.cancel()


async def measure(repeats: int) -> None:
    app = create_gateway_app(SUPERGRAPH.read_text(), transport=NoDataTransport())
    gc.freeze()  # as gateway.main does once the app is built
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http:
        print(
            f"{'case':<42} {'bytes':>8} {'status':>6} {'code':<22} {'median ms':>10} {'max ms':>8} {'loop lag ms':>12}"
        )
        for name, query in CASES.items():
            times, status, code, lags = [], 0, "", []
            for index in range(repeats):
                document = f"# {index} {time.time_ns()}\n{query}"  # unseen every time: no cache hit
                await asyncio.sleep(0.002)  # let the lag ticker start
                with LoopLag() as lag:
                    started = time.perf_counter()
                    response = await http.post("/graphql", json={"query": document})
                    times.append((time.perf_counter() - started) * 1000)
                lags.append(lag.worst)
                status = response.status_code
                errors = response.json().get("errors") or [{}]
                code = (errors[0].get("extensions") or {}).get("code", "") if status != 200 else "-"
            print(
                f"{name:<42} {len(query):>8} {status:>6} {code:<22} {statistics.median(times):>10.2f} "
                f"{max(times):>8.2f} {max(lags):>12.2f}"
            )
    await app.state.gateway.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    asyncio.run(measure(parser.parse_args().repeats))


if __name__ == "__main__":
    main()
