"""Vision OLAP full sync: refresh Vision's cubes through its public GraphQL API and wait for the refresh runs.

Vision triggers this DAG (AIRFLOW_BASE_URL) with `conf = {"cubes": [{"id", "tenant_id", ...}, ...]}`; without
`conf.cubes` it refreshes every cube of every tenant it holds a token for. Tasks:

    plan_refreshes >> refresh_cubes >> wait_for_refreshes

- `refresh_cubes` calls `refreshCube(id)` for each cube, as the cube's tenant, and keeps the recorded run.
- `wait_for_refreshes` polls each run (`cube(id) { refreshRuns }`) until it is `succeeded` or `failed` (a refresh
  may answer `pending`/`running` and finish later), up to the `timeout_seconds` param, then fails the task if
  any run failed, timed out or could not be started — after every cube was tried, so one bad cube does not
  keep the others stale.

Where and as whom: the Airflow Connection `axiom_vision` (type HTTP). Host, port and schema (`http`/`https`)
address the gateway (recommended: the public entry point, with its limits and logs; Vision's own `/graphql`
works the same, the DAG uses only Vision's fields); extra `endpoint` is the path (default `/graphql`). The
password is a bearer token (`axiom token --tenant T --ttl …`), extra `tokens` a list of more of them: tokens are
tenant-scoped, so each cube is refreshed with the token whose `tenant_id` claim is the cube's tenant (a cube
whose tenant has no token fails). Tokens are never logged.

Plain Python and Airflow only (workers do not have the `axiom` package): stdlib `urllib` for HTTP.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

from airflow.sdk import BaseHook, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

CONNECTION_ID = "axiom_vision"
FINAL_STATUSES = ("succeeded", "failed")

REFRESH = """mutation VisionFullSyncRefresh($id: ID!) {
  refreshCube(id: $id) { cube { name } run { id status error } userErrors { code message } }
}"""
RUN_STATUS = """query VisionFullSyncRuns($id: ID!) {
  cube(id: $id) { refreshRuns(first: 100) { id status error } }
}"""
ALL_CUBES = "query VisionFullSyncCubes { cubes { id name } }"

log = logging.getLogger(__name__)


class VisionError(Exception):
    """Vision refused a request or could not be reached; the message says why (never with a token)."""


@dataclass(frozen=True)
class VisionApi:
    """Vision's GraphQL endpoint and one bearer token per tenant."""

    url: str
    tokens: dict[str, str]
    timeout: float

    def call(self, tenant_id: str, query: str, variables: dict | None = None) -> dict:
        """Run one operation as `tenant_id`; returns `data`, raises VisionError on GraphQL or HTTP errors."""
        token = self.tokens.get(tenant_id)
        if token is None:
            raise VisionError(f"connection {CONNECTION_ID!r} holds no token for tenant {tenant_id!r}")
        request = urllib.request.Request(
            self.url,
            method="POST",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = _json_body(response.read())
        except urllib.error.HTTPError as exc:
            body = _json_body(exc.read())
            if not body.get("errors"):
                raise VisionError(f"Vision answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise VisionError(f"Vision unreachable at {self.url}: {exc}") from exc
        if body.get("errors"):
            raise VisionError("; ".join(_error_text(error) for error in body["errors"]))
        return body.get("data") or {}


def _json_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_text(error: dict) -> str:
    code = (error.get("extensions") or {}).get("code")
    return f"{code}: {error.get('message')}" if code else str(error.get("message"))


def token_tenant(token: str) -> str:
    """The `tenant_id` claim of a JWT (read, not verified: Vision verifies; this only picks the token)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        tenant = claims["tenant_id"]
    except (IndexError, ValueError, KeyError, TypeError) as exc:
        raise AirflowFailException(
            f"connection {CONNECTION_ID!r} holds a token that is not an Axiom JWT with a tenant_id claim"
        ) from exc
    if not isinstance(tenant, str) or not tenant:
        raise AirflowFailException(f"connection {CONNECTION_ID!r} holds a token without a tenant_id")
    return tenant


def vision_api(request_timeout: float) -> VisionApi:
    """The API as the `axiom_vision` connection describes it."""
    conn = BaseHook.get_connection(CONNECTION_ID)
    extra = conn.extra_dejson
    tokens = ([conn.password] if conn.password else []) + list(extra.get("tokens") or [])
    if not tokens:
        raise AirflowFailException(f"connection {CONNECTION_ID!r} has no token (password or extra.tokens)")
    if not conn.host:
        raise AirflowFailException(f"connection {CONNECTION_ID!r} has no host")
    base = conn.host if "://" in conn.host else f"{conn.schema or 'http'}://{conn.host}"
    if conn.port:
        base = f"{base}:{conn.port}"
    endpoint = "/" + str(extra.get("endpoint") or "/graphql").lstrip("/")
    by_tenant: dict[str, str] = {}
    for token in tokens:
        by_tenant.setdefault(token_tenant(token), token)
    return VisionApi(url=base.rstrip("/") + endpoint, tokens=by_tenant, timeout=request_timeout)


def cubes_from_conf(cubes) -> list[dict]:
    """`conf.cubes` checked: a list of objects with string `id` and `tenant_id` (Vision also sends `view(s)`)."""
    if not isinstance(cubes, list):
        raise AirflowFailException("conf.cubes must be a list of {id, tenant_id} objects")
    planned = []
    for index, cube in enumerate(cubes):
        if not (
            isinstance(cube, dict)
            and isinstance(cube.get("id"), str)
            and cube["id"]
            and isinstance(cube.get("tenant_id"), str)
            and cube["tenant_id"]
        ):
            raise AirflowFailException(f"conf.cubes[{index}] must be an object with string id and tenant_id")
        planned.append({"id": cube["id"], "tenant_id": cube["tenant_id"]})
    return planned


def refresh_one(api: VisionApi, cube: dict) -> dict:
    """Start one cube's refresh; returns its run (`run_id` None and status `failed` when it could not start)."""
    record = {
        "cube_id": cube["id"],
        "tenant_id": cube["tenant_id"],
        "name": cube.get("name") or cube["id"],
        "run_id": None,
        "status": "failed",
        "error": None,
    }
    try:
        payload = api.call(cube["tenant_id"], REFRESH, {"id": cube["id"]})["refreshCube"]
    except VisionError as exc:
        return {**record, "error": str(exc)}
    run = payload.get("run") or {}
    if payload.get("cube"):
        record["name"] = payload["cube"]["name"]
    problems = "; ".join(_error_text(e) for e in payload.get("userErrors") or [])
    return {
        **record,
        "run_id": run.get("id"),
        "status": str(run.get("status") or "failed").lower(),
        "error": run.get("error") or problems or None,
    }


def poll_run(api: VisionApi, run: dict) -> dict:
    """The run as Vision reports it now (unchanged if Vision cannot be asked this time)."""
    try:
        cube = api.call(run["tenant_id"], RUN_STATUS, {"id": run["cube_id"]})["cube"]
    except VisionError as exc:
        log.warning("cannot read refresh run %s of cube %s yet: %s", run["run_id"], run["name"], exc)
        return run
    current = next((r for r in cube["refreshRuns"] if r["id"] == run["run_id"]), None)
    if current is None:
        return {**run, "status": "failed", "error": "the run is no longer among the cube's latest 100 runs"}
    return {**run, "status": str(current["status"]).lower(), "error": current.get("error")}


def settle_runs(
    api: VisionApi, runs: list[dict], *, timeout_seconds: float, poll_interval_seconds: float
) -> list[dict]:
    """Poll the runs that are not final until all are or `timeout_seconds` pass; those still open then time out."""
    deadline = time.monotonic() + timeout_seconds
    while any(r["status"] not in FINAL_STATUSES for r in runs) and time.monotonic() < deadline:
        time.sleep(poll_interval_seconds)
        runs = [r if r["status"] in FINAL_STATUSES else poll_run(api, r) for r in runs]
    return [r if r["status"] in FINAL_STATUSES else _timed_out(r, timeout_seconds) for r in runs]


def _timed_out(run: dict, timeout_seconds: float) -> dict:
    return {**run, "status": "timed_out", "error": f"still {run['status']} after {timeout_seconds:g} s"}


def failure_report(runs: list[dict]) -> list[str]:
    """One line per run that did not succeed."""
    return [
        f"cube {r['name']} (tenant {r['tenant_id']}): {r['status']}" + (f": {r['error']}" if r.get("error") else "")
        for r in runs
        if r["status"] != "succeeded"
    ]


@dag(
    dag_id="vision_olap_full_sync",
    description="Refresh Vision's OLAP cubes (conf.cubes, or all) through its GraphQL API and wait for the runs",
    schedule=None,  # Vision triggers it (its ETL interval); runs by hand work too
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,  # two full syncs at once would refresh every view twice
    tags=["axiom", "vision"],
    params={
        "timeout_seconds": Param(3600, type="integer", minimum=1, description="How long to wait for the runs"),
        "poll_interval_seconds": Param(5, type="number", minimum=0.1, description="Between two status reads"),
        "request_timeout_seconds": Param(300, type="number", minimum=1, description="One HTTP call to Vision"),
    },
)
def vision_olap_full_sync():
    @task
    def plan_refreshes() -> list[dict]:
        """The cubes to refresh: `conf.cubes`, or every cube of every tenant the connection has a token for."""
        context = get_current_context()
        conf = context["dag_run"].conf or {}
        if "cubes" in conf:
            return cubes_from_conf(conf["cubes"])
        api = vision_api(context["params"]["request_timeout_seconds"])
        planned = []
        for tenant_id in sorted(api.tokens):
            try:
                cubes = api.call(tenant_id, ALL_CUBES)["cubes"]
            except VisionError as exc:
                raise AirflowFailException(f"cannot list the cubes of tenant {tenant_id!r}: {exc}") from exc
            planned += [{"id": c["id"], "tenant_id": tenant_id, "name": c["name"]} for c in cubes]
        return planned

    @task
    def refresh_cubes(planned: list[dict]) -> list[dict]:
        """Start every cube's refresh (one failing does not stop the others); returns the runs."""
        api = vision_api(get_current_context()["params"]["request_timeout_seconds"])
        runs = []
        for cube in planned:
            run = refresh_one(api, cube)
            log.info("cube %s (tenant %s): run %s %s", run["name"], run["tenant_id"], run["run_id"], run["status"])
            runs.append(run)
        return runs

    @task
    def wait_for_refreshes(runs: list[dict]) -> list[dict]:
        """Poll the runs until each is final or the timeout passes; fail if any did not succeed."""
        params = get_current_context()["params"]
        api = vision_api(params["request_timeout_seconds"])
        runs = settle_runs(
            api, runs, timeout_seconds=params["timeout_seconds"], poll_interval_seconds=params["poll_interval_seconds"]
        )
        problems = failure_report(runs)
        if problems:
            raise AirflowFailException(
                f"{len(problems)} of {len(runs)} cube refreshes did not succeed:\n" + "\n".join(problems)
            )
        log.info("all %d cube refreshes succeeded", len(runs))
        return runs

    wait_for_refreshes(refresh_cubes(plan_refreshes()))


vision_olap_full_sync()
