"""The Vision federation schema; importing it does no I/O (the lead prints its SDL)."""

from __future__ import annotations

import strawberry

from axiom.graphql_policy import PolicyExtension
from axiom.graphql_schema import AxiomSchema
from axiom.input_guard import ControlCharacterGuard
from axiom.rate_limit_extension import TenantRateLimitExtension
from axiom.service import api_error_extensions
from subgraphs.vision.resolvers.causal import CausalMutation, CausalQuery
from subgraphs.vision.resolvers.cubes import Mutation, Query
from subgraphs.vision.resolvers.scenarios import ScenarioMutation, ScenarioQuery, ScenarioSubscription
from subgraphs.vision.resolvers.subscriptions import Subscription
from subgraphs.vision.types.cube import Cube, Table
from subgraphs.vision.types.scenario import Scenario


@strawberry.type(
    name="Query",
    description="Vision: OLAP cubes and their members, pivots (also from a question in plain language), refresh runs, "
    "causal links and what-if scenarios.",
)
class VisionQuery(Query, ScenarioQuery, CausalQuery):
    pass


@strawberry.type(
    name="Mutation",
    description="Vision: loading, refreshing and deleting cubes, linking their members to glossary terms, causal "
    "link discovery and verdicts, and creating, running and cancelling scenarios.",
)
class VisionMutation(Mutation, ScenarioMutation, CausalMutation):
    pass


@strawberry.type(
    name="Subscription",
    description="Vision: live streams of a cube's refresh runs, a scenario's or a case's solver progress.",
)
class VisionSubscription(Subscription, ScenarioSubscription):
    pass


schema = AxiomSchema(
    query=VisionQuery,
    mutation=VisionMutation,
    subscription=VisionSubscription,
    types=[Cube, Table, Scenario],
    extensions=[ControlCharacterGuard, PolicyExtension, TenantRateLimitExtension, api_error_extensions],
    federation_version="2.7",
)
