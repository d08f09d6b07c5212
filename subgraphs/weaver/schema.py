"""The Weaver federation schema (importable without I/O: `subgraphs.weaver.schema:schema`)."""

from __future__ import annotations

import strawberry

from axiom.direct_resolvers import install_direct_resolvers
from axiom.graphql_policy import PolicyExtension
from axiom.graphql_schema import AxiomSchema
from axiom.input_guard import ControlCharacterGuard
from axiom.operation_cache import operation_caches
from axiom.service import api_error_extensions
from subgraphs.weaver.resolvers.glossary import GlossaryMutations, GlossaryQueries
from subgraphs.weaver.resolvers.guard import RateLimit
from subgraphs.weaver.resolvers.mutations import DataSourceMutations
from subgraphs.weaver.resolvers.queries import DataSourceQueries
from subgraphs.weaver.resolvers.run_query import QueryMutations
from subgraphs.weaver.types.catalog import Column, DataSource, SchemaNode, Table
from subgraphs.weaver.types.glossary import GlossaryTerm


@strawberry.type(
    description="Weaver: datasources, their metadata catalog (schemas, tables, columns, foreign keys, statistics), "
    "metadata snapshots and their diffs, and the business glossary."
)
class Query(DataSourceQueries, GlossaryQueries):
    pass


@strawberry.type(
    description="Weaver: registering, testing and syncing datasources, the business glossary (terms, links to "
    "tables and columns, CSV import), and read-only queries against a datasource."
)
class Mutation(DataSourceMutations, GlossaryMutations, QueryMutations):
    pass


schema = AxiomSchema(
    query=Query,
    mutation=Mutation,
    types=[DataSource, SchemaNode, Table, Column, GlossaryTerm],
    extensions=operation_caches([ControlCharacterGuard, PolicyExtension, RateLimit, api_error_extensions]),
    federation_version="2.7",
)

# The types a deep catalog query resolves by the thousand (bench/weaver_loaders.py): their plain fields and
# synchronous resolvers skip Strawberry's per-field wrapper (see axiom.direct_resolvers).
install_direct_resolvers(
    schema,
    [
        "Schema",
        "TableConnection",
        "TableEdge",
        "PageInfo",
        "Table",
        "TableRelation",
        "Column",
        "ColumnReference",
        "ColumnPath",
        "GlossaryTerm",
    ],
)
