"""What an attacker tries against the running stack: fuzzed operations, limit cases, and another tenant's ids."""

from __future__ import annotations

import contextlib
import json
import math
import statistics
import time

import httpx
from abuse_report import Row, error_codes, secrets_in, stack_traces, statements_in_errors, unhandled
from abuse_stack import UpStack
from operation_limits import aliases, deep, fragment_bomb

from axiom.operation_limits import OperationLimits
from gateway.operation.errors import OperationError
from gateway.operation.prepare import parse_operation

REFUSAL_CODES = {"OPERATION_TOO_LARGE", "OPERATION_TOO_DEEP", "QUERY_TOO_COMPLEX"}
REFUSAL_GOAL_MS = 50.0


# -- fuzzing ------------------------------------------------------------------------------------------------------
class FuzzTally:
    """What the fuzzed responses showed, with a few examples of each kind of finding."""

    def __init__(self, known_secrets: dict[str, str]):
        self.known = dict(known_secrets)
        self.sent = 0
        self.statuses: dict[int, int] = {}
        self.findings: dict[str, list[str]] = {"5xx": [], "unhandled": [], "leaks": []}
        self.uncoded = 0
        self._kept: list[tuple[str, str]] = []  # (request, response) to scan again for ciphertexts at the end

    def record(self, query: str, status: int, text: str) -> None:
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if status >= 500:
            self._note("5xx", query, f"{status} {text[:300]}")
        if unhandled(body, text):
            self._note("unhandled", query, text[:300])
        self.uncoded += error_codes(body).count(None)
        leaks = stack_traces(text) + statements_in_errors(body, query) + secrets_in(text, self.known)
        if leaks:
            self._note("leaks", query, f"{leaks[:3]} in {text[:300]}")
        self._kept.append((query, text))

    def _note(self, kind: str, query: str, what: str) -> None:
        self.findings.setdefault(kind, []).append(f"{query[:200]!r} → {what}")

    def rescan(self, more_secrets: dict[str, str]) -> None:
        """Scan every response again for secrets only known at the end (ciphertexts stored meanwhile)."""
        for query, text in self._kept:
            found = secrets_in(text, more_secrets)
            if found:
                self._note("leaks", query, f"{found} in {text[:300]}")


def fuzz(stack: UpStack, target: int, seed: int) -> FuzzTally:
    """Schemathesis in GraphQL mode over every root field of the gateway's API, as an admin of a tenant of its
    own, until `target` operations were sent: rounds of seeded examples per operation (seed, seed + 1, …)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    headers = {"Authorization": f"Bearer {stack.token('fuzz')}"}
    schema = schemathesis.graphql.from_url(f"{stack.gateway}/graphql", headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = FuzzTally(stack.known_secrets())
    per_operation = math.ceil(target * 1.05 / len(operations))
    with httpx.Client(base_url=stack.gateway, headers=headers, timeout=60) as client:
        round_number = 0
        while tally.sent < target:
            for operation in operations:

                @hypothesis_seed(seed + round_number)
                @settings(
                    max_examples=per_operation,
                    database=None,
                    deadline=None,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy())
                def send(case) -> None:
                    body = schema.prepare_request_body(case)
                    response = client.post("/graphql", json=body)
                    tally.record(body["query"], response.status_code, response.text)

                send()
            round_number += 1
    return tally


def fuzz_rows(tally: FuzzTally, target: int, log_tracebacks: int) -> list[Row]:
    section = "fuzz (schemathesis)"
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(tally.statuses.items()))
    return [
        Row(section, "operations sent", f"{tally.sent} ({statuses})", f">= {target}", tally.sent >= target),
        Row(section, "5xx responses", str(len(tally.findings["5xx"])), "0", not tally.findings["5xx"]),
        Row(
            section,
            "unhandled errors (INTERNAL_SERVER_ERROR, traces)",
            str(len(tally.findings["unhandled"])),
            "0",
            not tally.findings["unhandled"],
        ),
        Row(
            section,
            "leaks (traces, secrets, ciphertexts, SQL/Cypher)",
            str(len(tally.findings["leaks"])),
            "0",
            not tally.findings["leaks"],
        ),
        Row(section, "errors without extensions.code", str(tally.uncoded), "0", tally.uncoded == 0),
        Row(section, "tracebacks in the processes' logs", str(log_tracebacks), "0", log_tracebacks == 0),
    ]


# -- limits -------------------------------------------------------------------------------------------------------
LIMIT_CASES = {
    "fragment bomb N=18": fragment_bomb(18),
    "fragment bomb N=29": fragment_bomb(29),
    "10,000 aliases of cubes { name }": aliases(10_000),
    "10,000 __typename aliases": aliases(10_000, "__typename"),
    "depth 40": deep(40),
    # Valid against the API schema (a schema's tables are a connection), so that only its cost refuses it.
    "over cost: dataSources(first: 100) … tables(first: 100) … columns": "{ dataSources(first: 100) { edges "
    "{ node { schemas { tables(first: 100) { edges { node { columns { name } } } } } } } } }",
}


def _check_ms(query: str, repeats: int = 20) -> float:
    """Median ms of the gateway's own pre-validation work on the document, in this process: parse within the
    token limit and measure its shape (the part of a refusal that depends on the document)."""
    times = []
    for index in range(repeats):
        started = time.perf_counter()
        with contextlib.suppress(OperationError):  # a refusal is the expected outcome
            parse_operation(f"# {index}\n{query}", None, OperationLimits())
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _timed_posts(client: httpx.Client, query: str, repeats: int) -> tuple[list[float], set]:
    """Client-side ms of each post of the document, unseen every time (a fresh comment), and (status, code)s."""
    times, outcomes = [], set()
    for index in range(repeats):
        document = f"# abuse {index} {time.time_ns()}\n{query}"
        started = time.perf_counter()
        response = client.post("/graphql", json={"query": document})
        times.append((time.perf_counter() - started) * 1000)
        codes = error_codes(response.json()) if response.headers.get("content-type", "").endswith("json") else []
        outcomes.add((response.status_code, codes[0] if codes else None))
    return times, outcomes


def limit_rows(stack: UpStack, repeats: int = 5) -> list[Row]:
    """Each abusive document, unseen every time (a fresh comment), must be refused with a limit's code; the
    figure is the median (and worst) time from sending to the refusal, measured by the client, next to the
    round trip of an unseen trivial query (the machine's load and the HTTP path) and to the gateway's own check
    of the document measured in this process."""
    rows = []
    headers = {
        "Authorization": f"Bearer {stack.token('demo')}",
        "content-type": "application/json",
        "accept": "application/graphql-response+json",
    }  # GraphQL over HTTP: a refusal is a 400
    with httpx.Client(base_url=stack.gateway, headers=headers, timeout=120) as client:
        client.post("/graphql", json={"query": "{ __typename }"})  # connection open before timing
        base_times, _ = _timed_posts(client, "{ __typename }", repeats * 2)
        baseline = statistics.median(base_times)
        rows.append(Row("limits", "baseline: unseen { __typename } answered", f"{baseline:.1f} ms median"))
        for name, query in LIMIT_CASES.items():
            times, outcomes = _timed_posts(client, query, repeats)
            refused = all(status == 400 and code in REFUSAL_CODES for status, code in outcomes)
            median = statistics.median(times)
            what = ", ".join(f"{status} {code}" for status, code in sorted(outcomes, key=str))
            rows.append(
                Row(
                    "limits",
                    f"{name} ({len(query):,} bytes)",
                    f"{what}; {median:.1f} ms median ({median / baseline:.1f}× baseline), {max(times):.1f} max; "
                    f"check {_check_ms(query):.1f} ms",
                    f"refused < {REFUSAL_GOAL_MS:.0f} ms",
                    refused and median < REFUSAL_GOAL_MS,
                )
            )
    return rows
