"""The tables of a datasource, read from Weaver's GraphQL API on behalf of one caller.

Why through Weaver's API: Weaver owns datasources and their introspected catalog, and it scopes every answer to
the tenant of the bearer token it is given. Vision never reads Weaver's tables (its PostgreSQL role cannot: see
`axiom/db_roles.py`) and never trusts a datasource id on its own, so a datasource of another tenant, or one that
does not exist, answers NOT_FOUND here exactly as it would to the caller. The server passes on the caller's own
token; operator commands (`axiom cubes load`, the demo loaded by `axiom up`) mint a token for the tenant they act
for and talk to an in-process Weaver app (see `operator_catalog`), so they need no running Weaver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from subgraphs.vision.cube.references import CatalogRead, SourceCatalog


class WeaverUnavailable(Exception):
    """Weaver could not be asked, or answered with something other than the datasource."""


def _query(count: int) -> str:
    variables = "".join(f", $s{i}: String!, $t{i}: String!" for i in range(count))
    tables = " ".join(f"t{i}: table(schemaName: $s{i}, name: $t{i}) {{ columns {{ name }} }}" for i in range(count))
    return f"query VisionCubeTables($id: ID!{variables}) {{ dataSource(id: $id) {{ id schemaFilter {tables} }} }}"


class WeaverCatalog:
    """Reads datasource tables from the Weaver GraphQL endpoint `url` through `client`."""

    def __init__(self, client, url: str, signer=None):
        """`client`: an `httpx.AsyncClient` (imported lazily: only loading cubes needs it). `signer`: the
        `GatewayRequestSigner` whose header a Weaver that trusts only the gateway requires (production)."""
        self._client = client
        self.url = url
        self._signer = signer

    async def tables(
        self, datasource_id: str, wanted: list[tuple[str, str]], *, authorization: str | None
    ) -> SourceCatalog | None:
        """The wanted (schema, table)s that the datasource has, with their columns; None when the caller's tenant
        has no such datasource."""
        import httpx

        variables: dict = {"id": datasource_id}
        for i, (schema, table) in enumerate(wanted):
            variables[f"s{i}"], variables[f"t{i}"] = schema, table
        headers = {"authorization": authorization} if authorization else {}
        if self._signer is not None:
            headers[self._signer.header] = self._signer.new(headers)
        try:
            response = await self._client.post(
                self.url, json={"query": _query(len(wanted)), "variables": variables}, headers=headers
            )
        except httpx.HTTPError as exc:
            raise WeaverUnavailable(f"Weaver is unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise WeaverUnavailable(f"Weaver answered HTTP {response.status_code}")
        try:
            body = response.json()
            codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
            if codes & {"NOT_FOUND", "BAD_USER_INPUT"}:
                return None
            source = body["data"]["dataSource"]
            found: dict[tuple[str, str], frozenset[str]] = {}
            for i, schema_table in enumerate(wanted):
                if source[f"t{i}"] is not None:
                    found[schema_table] = frozenset(c["name"] for c in source[f"t{i}"]["columns"])
            schema_filter = source["schemaFilter"]
            return SourceCatalog(source["id"], tuple(schema_filter) if schema_filter is not None else None, found)
        except (ValueError, KeyError, TypeError) as exc:
            raise WeaverUnavailable(f"Weaver's answer holds no datasource: {response.text[:200]}") from exc


@asynccontextmanager
async def operator_catalog(settings, *, tenant_id: str, datasource_id: str) -> AsyncIterator[CatalogRead]:
    """For operator commands acting for a tenant: reads the datasource's tables from Weaver's own app, run in
    this process, with a short-lived token of that tenant (so Weaver scopes the answer exactly as for a user)."""
    import httpx

    from axiom.auth import issue_token
    from axiom.gateway_request import GatewayRequestSigner
    from subgraphs.weaver.app import create_app

    token = issue_token(settings, tenant_id=tenant_id, subject="axiom-operator", roles=["admin"], ttl_seconds=600)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as client:
            weaver = WeaverCatalog(client, "http://weaver/graphql", GatewayRequestSigner.from_settings(settings))

            async def read(wanted: list[tuple[str, str]]) -> SourceCatalog | None:
                return await weaver.tables(datasource_id, wanted, authorization=f"Bearer {token}")

            yield read
