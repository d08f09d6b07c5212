"""Triggering and following the full-sync DAG over Airflow's REST API (`AIRFLOW_BASE_URL`).

Both Airflow 2 (`…/api/v1`) and Airflow 3 (`…/api/v2`) are spoken; the URL's last segment says which.
Credentials, when Airflow needs them, travel in the URL's userinfo (`http://user:pass@host/api/v2`):
- v1 sends them as basic auth on every request;
- v2 exchanges them at `POST /auth/token` for a JWT sent as a bearer token, fetched again once when Airflow
  answers 401 (the token expired).
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
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        dag_id: str = DAG_ID,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.dag_id = dag_id
        url = httpx.URL(base_url.rstrip("/") + "/")
        self.api_version = "v2" if url.path.rstrip("/").endswith("/api/v2") else "v1"
        self._credentials = (url.username, url.password) if url.username else None
        if self.api_version == "v2":
            # The token endpoint lives at the server's root, beside /api/v2; credentials go only there.
            url = url.copy_with(username=None, password=None)
            self._token_url = url.join("../../auth/token")
        self._token: str | None = None
        self._client = httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self._client.aclose()

    async def trigger(self, conf: dict) -> DagRun:
        """Start a DAG run with `conf`; returns its id and state."""
        body: dict = {"dag_run_id": f"vision_sync_{uuid.uuid4().hex}", "conf": conf}
        if self.api_version == "v2":
            body["logical_date"] = None  # required in v2; none: a manual run not tied to a data interval
        data = await self._request("POST", f"dags/{self.dag_id}/dagRuns", json=body)
        return DagRun(data["dag_run_id"], data.get("state") or "queued")

    async def dag_run(self, dag_run_id: str) -> DagRun:
        data = await self._request("GET", f"dags/{self.dag_id}/dagRuns/{dag_run_id}")
        return DagRun(data["dag_run_id"], data.get("state") or "queued")

    async def _request(self, method: str, path: str, **kwargs) -> dict:
        response = await self._send(method, path, **kwargs)
        if response.status_code == 401 and self._uses_tokens():
            self._token = None  # expired or revoked: one fresh token, one retry
            response = await self._send(method, path, **kwargs)
        if response.status_code >= 400:
            raise AirflowError(f"Airflow answered {response.status_code}: {_detail(response)}")
        data = _json(response)
        if "dag_run_id" not in data:
            raise AirflowError("Airflow's answer has no dag_run_id")
        return data

    def _uses_tokens(self) -> bool:
        return self.api_version == "v2" and self._credentials is not None

    async def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {}
        if self._uses_tokens():
            headers["Authorization"] = f"Bearer {await self._access_token()}"
        return await self._http(method, path, headers=headers, **kwargs)

    async def _http(self, method: str, url, **kwargs) -> httpx.Response:
        try:
            return await self._client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise AirflowError(f"Airflow unreachable: {type(exc).__name__}") from exc

    async def _access_token(self) -> str:
        if self._token is None:
            if self._credentials is None:  # `_uses_tokens()` is false then; kept for a direct call
                raise AirflowError("Airflow's token endpoint needs a user and password in AIRFLOW_URL")
            username, password = self._credentials
            response = await self._http("POST", self._token_url, json={"username": username, "password": password})
            if response.status_code >= 400:
                raise AirflowError(f"Airflow refused the credentials ({response.status_code}): {_detail(response)}")
            token = _json(response).get("access_token")
            if not isinstance(token, str) or not token:
                raise AirflowError("Airflow's token answer has no access_token")
            self._token = token
        return self._token


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    detail = body.get("detail") or body.get("title") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else str(detail or body)[:200]


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError as exc:
        raise AirflowError("Airflow answered with something other than JSON") from exc
    if not isinstance(data, dict):
        raise AirflowError("Airflow answered with something other than a JSON object")
    return data
