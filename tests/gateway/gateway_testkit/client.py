"""An in-process HTTP client for a gateway app."""

from __future__ import annotations

import httpx


class GatewayClient:
    """Posts GraphQL to an in-process gateway app."""

    def __init__(self, app):
        self.app = app
        # The modern media type: request errors keep their 4xx (application/json would make them 200s).
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app),
            base_url="http://gw",
            headers={"accept": "application/graphql-response+json"},
        )

    async def post(
        self, query: str, variables: dict | None = None, headers: dict | None = None, operation_name: str | None = None
    ) -> tuple[int, dict]:
        body = {"query": query, "variables": variables, "operationName": operation_name}
        response = await self.http.post("/graphql", json=body, headers=headers or {})
        return response.status_code, response.json()

    async def close(self) -> None:
        await self.http.aclose()
        await self.app.state.gateway.close()
