"""The standing abuse-and-fault suite: starts the whole system with `axiom up` in a temporary data folder on free
ports, attacks it as an attacker and an operator would, and prints one table of figures next to their goals.

    uv run python bench/abuse.py [--quick] [--fuzz N] [--seed S] [--load-seconds S]

Phases, in order (the destructive ones last):
  limits   fragment bombs, 10k aliases, 10k __typename, depth 40, over-cost: refused, time to refusal
  tenants  tenant B with tenant A's ids at every entry point of both subgraphs, through the gateway
  fuzz     schemathesis in GraphQL mode (seeded): 5xx, unhandled errors, leaks (traces, secrets, ciphertexts,
           SQL/Cypher), uncoded errors, tracebacks in the processes' logs
  load     60 s (15 s with --quick) of a query mix with live subscriptions: error rate, p99, RSS before/after
  faults   kill -9 of each subgraph, Valkey, the Bolt server and PostgreSQL, SIGSTOP of each subgraph, under a
           steady load: failed requests, recovery time, data lost
and finally secrets in every log. Exit status 1 when any goal is missed. Takes ~10 minutes (--quick: ~5).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from abuse_attacks import fuzz, fuzz_rows, limit_rows
from abuse_faults import fault_rows
from abuse_load import soak
from abuse_report import Row, format_table, missed, secrets_in, summary
from abuse_stack import UpStack
from abuse_tenants import tenant_rows

TRACEBACK = "Traceback (most recent call last)"


async def _stored_ciphertexts(database_url: str) -> dict[str, str]:
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT id, password_encrypted FROM weaver.datasources WHERE password_encrypted IS NOT NULL"
        )
    finally:
        await connection.close()
    return {f"ciphertext of datasource {row['id']}": row["password_encrypted"] for row in rows}


def _log_texts(stack: UpStack) -> dict[str, str]:
    """What `up` printed (the Axiom processes write to it) and every embedded server's log file."""
    logs = {"axiom up output": stack.output}
    for path in stack.data_dir.rglob("*.log"):
        logs[str(path.relative_to(stack.data_dir))] = path.read_text(errors="replace")
    return logs


def _secret_rows(stack: UpStack, known: dict[str, str]) -> list[Row]:
    found = {name: secrets_in(text, known) for name, text in _log_texts(stack).items()}
    found = {name: names for name, names in found.items() if names}
    figure = "; ".join(f"{', '.join(names)} in {where}" for where, names in found.items()) or "0"
    return [Row("logs", f"secrets and ciphertexts in logs ({len(known)} known)", figure, "0", not found)]


def run(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="axiom-abuse-"))
    stack = UpStack(folder)
    rows: list[Row] = []
    details: list[str] = []
    try:
        started = time.monotonic()
        stack.start()
        rows.append(Row("setup", "axiom up until ready", f"{time.monotonic() - started:.0f} s"))
        offset = len(stack.lines)
        print("limits …", flush=True)
        rows += limit_rows(stack)
        print("tenant matrix …", flush=True)
        matrix, leaks = tenant_rows(stack)
        rows += matrix
        details += [f"tenant leak: {leak}" for leak in leaks]
        print(f"fuzzing {args.fuzz} operations …", flush=True)
        tally = fuzz(stack, args.fuzz, args.seed)
        ciphertexts = asyncio.run(_stored_ciphertexts(stack.database_url()))
        tally.rescan(ciphertexts)
        tracebacks = sum(TRACEBACK in line for line in stack.lines[offset:])
        rows += fuzz_rows(tally, args.fuzz, tracebacks)
        details += [f"fuzz {kind}: {example}" for kind, found in tally.findings.items() for example in found[:5]]
        print(f"load for {args.load_seconds:.0f} s …", flush=True)
        rows += soak(stack, args.load_seconds)
        print("faults …", flush=True)
        rows += fault_rows(stack)
        rows += _secret_rows(stack, {**stack.known_secrets(), **ciphertexts})
    finally:
        stack.stop()
        log = Path(tempfile.gettempdir()) / f"{folder.name}-up.log"
        log.write_text(stack.output)
        shutil.rmtree(folder, ignore_errors=True)
        print(f"axiom up's output (every process's log): {log}")
    print()
    print(format_table(rows))
    print()
    for line in details:
        print(line)
    print(summary(rows))
    return 1 if missed(rows) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 fuzzed operations and 15 s of load")
    parser.add_argument("--fuzz", type=int, help="operations to fuzz (default 5,000; --quick 1,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the fuzzer's first round")
    parser.add_argument("--load-seconds", type=float, help="length of the load phase (default 60; --quick 15)")
    args = parser.parse_args()
    args.fuzz = args.fuzz or (1000 if args.quick else 5000)
    args.load_seconds = args.load_seconds or (15.0 if args.quick else 60.0)
    sys.exit(run(args))


if __name__ == "__main__":
    main()
