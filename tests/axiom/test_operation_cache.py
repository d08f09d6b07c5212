"""Parsing and validation cached per operation text answer exactly as uncached ones, request after request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from axiom.operation_cache import operation_caches


class Refuse(SchemaExtension):
    """Stands for the guards before validation: answers with its own error when the context says so, and
    rewrites error messages like the production policy does."""

    def on_operation(self) -> Iterator[None]:
        if self.execution_context.context.get("no_introspection"):
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, NoSchemaIntrospectionCustomRule)
        yield
        for error in self.execution_context.pre_execution_errors or ():
            error.message = error.message.split(" Did you mean")[0] + " (rewritten)"

    def on_validate(self) -> Iterator[None]:
        if self.execution_context.context.get("refuse"):
            self.execution_context.pre_execution_errors = [GraphQLError("refused by the guard")]
        yield


@strawberry.type
class Query:
    @strawberry.field
    def greeting(self) -> str:
        return "hello"


cached = strawberry.Schema(query=Query, extensions=operation_caches([Refuse]))
plain = strawberry.Schema(query=Query, extensions=[Refuse])


def answer(schema: strawberry.Schema, query: str, **context) -> tuple:
    result = asyncio.run(schema.execute(query, context_value=context))
    return result.data, [e.message for e in result.errors or ()]


def test_each_request_gets_the_answer_it_would_get_without_the_caches():
    requests = [
        ("{ greeting }", {}),
        ("{ greeting }", {"refuse": True}),  # an earlier extension's refusal stands, and is not cached
        ("{ greeting }", {}),
        ("{ greetin }", {}),  # invalid: its errors are rewritten by the request, never in the cache
        ("{ greetin }", {}),
        ("{ __schema { queryType { name } } }", {}),
        ("{ __schema { queryType { name } } }", {"no_introspection": True}),  # other rules, other answer
        ("{ __schema { queryType { name } } }", {}),
        ("{ greeting ", {}),  # does not parse, every time
        ("{ greeting ", {}),
    ]
    answers = [answer(cached, query, **context) for query, context in requests]

    assert answers == [answer(plain, query, **context) for query, context in requests]
    assert answers[0] == answers[2] == ({"greeting": "hello"}, [])
    assert answers[1] == (None, ["refused by the guard (rewritten)"])
    assert answers[3] == answers[4] == (None, ["Cannot query field 'greetin' on type 'Query'. (rewritten)"])
    assert answers[5] == answers[7] == ({"__schema": {"queryType": {"name": "Query"}}}, [])
    assert answers[6][0] is None and "introspection" in answers[6][1][0]
    assert answers[8] == answers[9] and answers[8][0] is None and "Syntax Error" in answers[8][1][0]
