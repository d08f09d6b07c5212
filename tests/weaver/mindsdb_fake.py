"""A local HTTP server speaking the part of MindsDB's SQL API that Weaver uses: `/api/status`, `/api/login`
(session cookie), and `/api/sql/query` with `CREATE DATABASE … WITH ENGINE = 'postgres', PARAMETERS = {…}`,
`DROP DATABASE IF EXISTS …`, `SHOW DATABASES` and native queries `SELECT * FROM <db> (<sql>) LIMIT n`, which it runs on the
registered PostgreSQL with asyncpg."""

from __future__ import annotations

import asyncio
import json
import re
import socket

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from subgraphs.weaver.adapters.values import json_value

_CREATE = re.compile(r"^CREATE DATABASE (\w+) WITH ENGINE = '(\w+)', PARAMETERS = (\{.*\})$", re.DOTALL)
_DROP = re.compile(r"^DROP DATABASE IF EXISTS (\w+)$")
_NATIVE = re.compile(r"^SELECT \* FROM (\w+) \((.*)\) LIMIT (\d+)$", re.DOTALL)


class FakeMindsDB:
    def __init__(self, user: str, password: str):
        self.user, self.password = user, password
        self.databases: dict[str, dict] = {}
        self.statements: list[str] = []
        self.port = _free_port()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _status(self, _: Request) -> JSONResponse:
        return JSONResponse({"mindsdb_version": "fake", "environment": "local"})

    async def _login(self, request: Request) -> JSONResponse:
        body = await request.json()
        if (body.get("username"), body.get("password")) != (self.user, self.password):
            return JSONResponse({"detail": "invalid"}, status_code=401)
        response = JSONResponse({})
        response.set_cookie("session", "ok")
        return response

    async def _query(self, request: Request) -> JSONResponse:
        if request.cookies.get("session") != "ok":
            return JSONResponse({"detail": "not logged in"}, status_code=403)
        query = (await request.json())["query"]
        self.statements.append(query)
        if m := _CREATE.match(query):
            if m.group(1) in self.databases:  # as MindsDB does
                return JSONResponse(
                    {"type": "error", "error_code": 0, "error_message": f"Database already exists: {m.group(1)}"}
                )
            self.databases[m.group(1)] = {"engine": m.group(2), **json.loads(m.group(3))}
            return JSONResponse({"type": "ok"})
        if m := _DROP.match(query):
            self.databases.pop(m.group(1), None)
            return JSONResponse({"type": "ok"})
        if query == "SHOW DATABASES":
            return JSONResponse(
                {
                    "type": "table",
                    "column_names": ["Database"],
                    "data": [["information_schema"], ["mindsdb"], *([n] for n in self.databases)],
                }
            )
        if m := _NATIVE.match(query):
            return JSONResponse(await self._native(m.group(1), m.group(2), int(m.group(3))))
        return JSONResponse({"type": "error", "error_code": 0, "error_message": f"unsupported: {query[:40]}"})

    async def _native(self, name: str, sql: str, limit: int) -> dict:
        db = self.databases.get(name)
        if db is None:
            return {"type": "error", "error_code": 0, "error_message": f"Database '{name}' does not exist"}
        conn = await asyncpg.connect(
            host=db["host"], port=db["port"], user=db["user"], password=db["password"] or None, database=db["database"]
        )
        try:
            statement = await conn.prepare(sql)
            records = await statement.fetch()
            names = [a.name for a in statement.get_attributes()]
        except asyncpg.PostgresError as exc:
            return {"type": "error", "error_code": 0, "error_message": str(exc)}
        finally:
            await conn.close()
        return {
            "type": "table",
            "column_names": names,
            "data": [[json_value(v) for v in r.values()] for r in records[:limit]],
        }

    async def start(self) -> None:
        app = Starlette(
            routes=[
                Route("/api/status", self._status),
                Route("/api/login", self._login, methods=["POST"]),
                Route("/api/sql/query", self._query, methods=["POST"]),
            ]
        )
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._server.should_exit = True
        await self._task


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
