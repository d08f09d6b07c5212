"""Restart time of the embedded ArcadeDB after kill -9, with and without its class archive, in the same run.

    uv run python bench/bolt_restart.py [--runs N]

Writes nodes, kills the JVM with SIGKILL, relaunches it at once (as `up` does after a lone crash) and times until
a Bolt `RETURN 1` succeeds, then counts the nodes (none may be lost). The two modes alternate so that both see the
same machine load; the figure to compare is the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

from neo4j import GraphDatabase

from axiom.embedded.arcadedb import DATABASE, USER, EmbeddedArcadeDB


def _session_run(server: EmbeddedArcadeDB, cypher: str, **params):
    with GraphDatabase.driver(server.uri, auth=(USER, server.password)) as driver:
        with driver.session(database=DATABASE) as session:
            return session.run(cypher, **params).single()


def _crash_and_restart(server: EmbeddedArcadeDB, written: int) -> tuple[float, int]:
    """Seconds from relaunch to a successful query, and nodes lost."""
    for n in range(20):
        _session_run(server, "CREATE (:Probe {n: $n})", n=written + n)
    os.kill(server.pid, signal.SIGKILL)
    while not server.exited():
        time.sleep(0.01)
    started = time.monotonic()
    server.launch()
    while not server.check():
        time.sleep(0.05)
    seconds = time.monotonic() - started
    count = _session_run(server, "MATCH (p:Probe) RETURN count(p) AS c")["c"]
    return seconds, written + 20 - count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4, help="crashes per mode (default 4)")
    args = parser.parse_args()
    server = EmbeddedArcadeDB(Path(tempfile.mkdtemp(prefix="bolt-restart-")) / "graph", preferred_bolt_port=None)
    with_archive = server.class_archive.options
    server.start()
    server.class_archive.wait(300)  # the first start of a machine builds the archive
    times: dict[str, list[float]] = {"without archive": [], "with archive": []}
    lost, written = 0, 0
    try:
        for _ in range(args.runs):
            for mode in times:
                server.class_archive.options = with_archive if mode == "with archive" else list
                seconds, missing = _crash_and_restart(server, written)
                written, lost = written + 20, lost + missing
                times[mode].append(seconds)
                print(f"{mode}: ready {seconds:.2f} s after relaunch", flush=True)
    finally:
        server.stop()
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    for mode, median in medians.items():
        print(f"{mode}: median {median:.2f} s, worst {max(times[mode]):.2f} s ({len(times[mode])} crashes)")
    print(f"ratio with/without: {medians['with archive'] / medians['without archive']:.2f}")
    print(f"nodes lost: {lost} of {written}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
