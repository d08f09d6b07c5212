"""Triggering and following the full-sync DAG over Airflow's stable REST API (`AIRFLOW_BASE_URL`, …/api/v1).

Credentials, when Airflow needs them, travel in the URL's userinfo (`http://user:pass@host/api/v1`): httpx
sends them as basic auth.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

DAG_ID = "vision_olap_full_sync"


class AirflowError(Exception):
    """Airflow refused or could not be reached; the message says which."""


@dataclass(frozen=True)
class DagRun:
    dag_run_id: str
    state: str  # queued | running | success | failed


class AirflowClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0, dag_id: str = DAG_ID,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.dag_id = dag_id
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self._client.aclose()

    async def trigger(self, conf: dict) -> DagRun:
        """Start a DAG run with `conf`; returns its id and state."""
        body = {"dag_run_id": f"vision_sync_{uuid.uuid4().hex}", "conf": conf}
        data = await self._request("POST", f"dags/{self.dag_id}/dagRuns", json=body)
        return DagRun(data["dag_run_id"], data.get("state") or "queued")

    async def dag_run(self, dag_run_id: str) -> DagRun:
        data = await self._request("GET", f"dags/{self.dag_id}/dagRuns/{dag_run_id}")
        return DagRun(data["dag_run_id"], data.get("state") or "queued")

    async def _request(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AirflowError(f"Airflow unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail") or response.json().get("title")
            except ValueError:
                detail = response.text[:200]
            raise AirflowError(f"Airflow answered {response.status_code}: {detail}")
        try:
            data = response.json()
        except ValueError as exc:
            raise AirflowError("Airflow answered with something other than JSON") from exc
        if not isinstance(data, dict) or "dag_run_id" not in data:
            raise AirflowError("Airflow's answer has no dag_run_id")
        return data
