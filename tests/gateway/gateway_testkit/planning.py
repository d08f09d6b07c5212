"""Planning helpers for unit tests: no network, just supergraph + document → plan."""

from __future__ import annotations

from functools import cache

from gateway.api_schema import build_api_schema
from gateway.operation import prepare_operation
from gateway.planner import plan_operation, plan_to_dict
from gateway.supergraph import load_supergraph
from gateway_testkit.servers import FIXTURES


@cache
def fixture_models(name: str = "planner.graphql"):
    sdl = (FIXTURES / name).read_text()
    return load_supergraph(sdl), build_api_schema(sdl)


def normalize(query: str, name: str = "planner.graphql"):
    _, api = fixture_models(name)
    return prepare_operation(api, query, None).operation


def plan(query: str, name: str = "planner.graphql"):
    supergraph, _ = fixture_models(name)
    return plan_operation(supergraph, normalize(query, name))


def plan_dict(query: str, name: str = "planner.graphql") -> dict | None:
    return plan_to_dict(plan(query, name).node)


def supergraph_header(*graphs: str) -> str:
    """The federation preamble of a hand-written supergraph whose subgraphs are `graphs` (e.g. "A", "B"): the
    planner tests append their types to it."""
    members = "\n".join(f'  {g} @join__graph(name: "{g.lower()}", url: "http://{g.lower()}/graphql")' for g in graphs)
    return _PREAMBLE + "enum join__Graph {\n" + members + "\n}\n"


_PREAMBLE = """
schema @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) { query: Query }
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean)
  repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false)
  repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
"""
