"""A local HTTP server speaking the part of Airflow's REST API Vision uses: DAG runs, as Airflow 2 serves them
(`/api/v1`, basic auth) and as Airflow 3 does (`/api/v2`, bearer JWTs from `POST /auth/token`, a strict body
with a required `logical_date`)."""

from __future__ import annotations

import asyncio
import secrets
import socket
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

V2_TRIGGER_FIELDS = {
    "dag_run_id",
    "data_interval_start",
    "data_interval_end",
    "logical_date",
    "run_after",
    "conf",
    "note",
}


@dataclass
class FakeAirflow:
    dags: set[str]
    runs: dict[str, dict] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # v2: who may get a token
    tokens: set[str] = field(default_factory=set)  # v2: tokens handed out and not expired

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def app(self) -> Starlette:
        def refused_v2(request: Request) -> JSONResponse | None:
            if not request.url.path.startswith("/api/v2/") or not self.users:
                return None
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or token not in self.tokens:
                return JSONResponse({"detail": "Not authenticated"}, status_code=401)
            return None

        async def issue_token(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append({"method": "POST", "path": request.url.path, "json": body})
            if self.users.get(body.get("username")) != body.get("password"):
                return JSONResponse({"detail": "Invalid credentials"}, status_code=401)
            token = secrets.token_hex(8)
            self.tokens.add(token)
            return JSONResponse({"access_token": token}, status_code=201)

        async def trigger(request: Request) -> JSONResponse:
            dag_id = request.path_params["dag_id"]
            body = await request.json()
            self.requests.append(
                {
                    "method": "POST",
                    "path": request.url.path,
                    "json": body,
                    "authorization": request.headers.get("authorization"),
                }
            )
            if (refusal := refused_v2(request)) is not None:
                return refusal
            if request.url.path.startswith("/api/v2/"):
                problems = (
                    [{"type": "missing", "loc": ["body", "logical_date"], "msg": "Field required"}]
                    if "logical_date" not in body
                    else []
                )
                problems += [
                    {"type": "extra_forbidden", "loc": ["body", name], "msg": "Extra inputs are not permitted"}
                    for name in set(body) - V2_TRIGGER_FIELDS
                ]
                if problems:
                    return JSONResponse({"detail": problems}, status_code=422)
            if dag_id not in self.dags:
                return _problem(404, "DAG not found", f"DAG with dag_id: '{dag_id}' not found")
            if not isinstance(body.get("conf", {}), dict):
                return _problem(400, "Bad Request", "conf must be an object")
            run = {
                "dag_id": dag_id,
                "dag_run_id": body.get("dag_run_id") or "manual__1",
                "state": "queued",
                "conf": body.get("conf", {}),
                "logical_date": "2026-11-22T00:00:00+00:00",
                "external_trigger": True,
                "run_type": "manual",
            }
            self.runs[run["dag_run_id"]] = run
            return JSONResponse(run)

        async def get_run(request: Request) -> JSONResponse:
            run = self.runs.get(request.path_params["run_id"])
            self.requests.append({"method": "GET", "path": request.url.path})
            if (refusal := refused_v2(request)) is not None:
                return refusal
            if run is None or run["dag_id"] != request.path_params["dag_id"]:
                return _problem(404, "DAGRun not found", "DAGRun not found")
            return JSONResponse(run)

        return Starlette(
            routes=[
                Route("/auth/token", issue_token, methods=["POST"]),
                *(
                    route
                    for version in ("v1", "v2")
                    for route in (
                        Route(f"/api/{version}/dags/{{dag_id}}/dagRuns", trigger, methods=["POST"]),
                        Route(f"/api/{version}/dags/{{dag_id}}/dagRuns/{{run_id}}", get_run, methods=["GET"]),
                    )
                ),
            ]
        )


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {
            "detail": detail,
            "status": status,
            "title": title,
            "type": "https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html",
        },
        status_code=status,
        media_type="application/problem+json",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def serve(app, port: int | None = None):
    """Serve an ASGI app with uvicorn on 127.0.0.1 in this event loop; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
