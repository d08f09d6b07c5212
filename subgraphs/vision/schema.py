"""The Vision federation schema; importing it does no I/O (the lead prints its SDL)."""

from __future__ import annotations

from axiom.input_guard import ControlCharacterGuard
from axiom.graphql_policy import PolicyExtension
from axiom.rate_limit_extension import TenantRateLimitExtension
from axiom.service import AxiomSchema, api_error_extensions
from subgraphs.vision.resolvers import Mutation, Query
from subgraphs.vision.subscriptions import Subscription
from subgraphs.vision.types import Cube, Table

schema = AxiomSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Cube, Table],
    extensions=[ControlCharacterGuard, PolicyExtension, TenantRateLimitExtension, api_error_extensions],
    federation_version="2.7",
)
