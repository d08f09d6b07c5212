"""A local HTTP server speaking the part of Airflow's stable REST API (v1) Vision uses: DAG runs."""

from __future__ import annotations

import asyncio
import socket
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class FakeAirflow:
    dags: set[str]
    runs: dict[str, dict] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)

    def app(self) -> Starlette:
        async def trigger(request: Request) -> JSONResponse:
            dag_id = request.path_params["dag_id"]
            body = await request.json()
            self.requests.append({"method": "POST", "path": request.url.path, "json": body,
                                  "authorization": request.headers.get("authorization")})
            if dag_id not in self.dags:
                return _problem(404, "DAG not found", f"DAG with dag_id: '{dag_id}' not found")
            if not isinstance(body.get("conf", {}), dict):
                return _problem(400, "Bad Request", "conf must be an object")
            run = {"dag_id": dag_id, "dag_run_id": body.get("dag_run_id") or "manual__1", "state": "queued",
                   "conf": body.get("conf", {}), "logical_date": "2026-11-22T00:00:00+00:00",
                   "external_trigger": True, "run_type": "manual"}
            self.runs[run["dag_run_id"]] = run
            return JSONResponse(run)

        async def get_run(request: Request) -> JSONResponse:
            run = self.runs.get(request.path_params["run_id"])
            self.requests.append({"method": "GET", "path": request.url.path})
            if run is None or run["dag_id"] != request.path_params["dag_id"]:
                return _problem(404, "DAGRun not found", "DAGRun not found")
            return JSONResponse(run)

        return Starlette(routes=[
            Route("/api/v1/dags/{dag_id}/dagRuns", trigger, methods=["POST"]),
            Route("/api/v1/dags/{dag_id}/dagRuns/{run_id}", get_run, methods=["GET"]),
        ])


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "status": status, "title": title,
                         "type": "https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html"},
                        status_code=status, media_type="application/problem+json")


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
