"""The toy subgraph's federation schema: one root field, answered for the caller's tenant."""

from __future__ import annotations

import strawberry

from axiom.graphql_policy import PolicyExtension
from axiom.graphql_schema import AxiomSchema
from axiom.service import api_error_extensions


@strawberry.type
class Query:
    @strawberry.field(description="A greeting for the caller's tenant.")
    async def toy_greeting(self, info: strawberry.Info) -> str:
        return f"hello, {info.context.tenant_id}"


schema = AxiomSchema(query=Query, extensions=[PolicyExtension, api_error_extensions], federation_version="2.7")
