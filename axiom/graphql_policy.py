"""What a subgraph accepts and shows: operation limits, introspection, suggestions, GraphiQL (from the settings).

The limits are the gateway's (`axiom.operation_limits`), checked after parsing and before validation, so a
document sent to a subgraph directly cannot cost more than one sent through the gateway. Subgraph calls are
the gateway's plans, whose fragments are inlined, so tokens and fields get a wider bound than the client's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from axiom.operation_limits import LimitExceeded, OperationLimits, check_shape
from axiom.settings import Settings

# Inlined fragments make the gateway's subgraph documents longer than the client's.
INLINED_GROWTH = 4
_SUGGESTION = re.compile(r" ?Did you mean .*\?$")


@dataclass(frozen=True)
class GraphQLPolicy:
    limits: OperationLimits
    introspection: bool = True
    suggestions: bool = True
    graphiql: bool = True

    @classmethod
    def for_subgraph(cls, settings: Settings) -> GraphQLPolicy:
        """A subgraph's policy, built from `settings` once (the service shell and the schema extension take only
        the policy): the settings' limits, widened where the gateway's inlining grows a document."""
        client = limits_from_settings(settings)
        limits = replace(
            client,
            max_tokens=client.max_tokens * INLINED_GROWTH,
            max_fields=client.max_fields * INLINED_GROWTH,
            max_aliases=client.max_aliases * INLINED_GROWTH,
        )
        return cls(limits, settings.introspection, settings.suggestions, settings.graphiql)


def limits_from_settings(settings: Settings) -> OperationLimits:
    """The operation limits the settings name (GRAPHQL_MAX_*)."""
    return OperationLimits(
        max_document_bytes=settings.max_document_bytes,
        max_tokens=settings.max_tokens,
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_root_fields=settings.max_root_fields,
        max_fragment_spreads=settings.max_fragment_spreads,
        max_fields=settings.max_fields,
        max_cost=settings.max_cost,
        default_list_size=settings.default_list_size,
    )


def without_suggestion(message: str) -> str:
    """The message without graphql-core's trailing "Did you mean …?"."""
    return _SUGGESTION.sub("", message)


class PolicyExtension(SchemaExtension):
    """Applies the request's `GraphQLPolicy` (`context.policy`; none: nothing to apply)."""

    def _policy(self) -> GraphQLPolicy | None:
        return getattr(self.execution_context.context, "policy", None)

    def on_operation(self) -> Iterator[None]:
        policy = self._policy()
        if policy is not None:
            self.execution_context.parse_options["max_tokens"] = policy.limits.max_tokens
            if not policy.introspection:
                rules = self.execution_context.validation_rules
                self.execution_context.validation_rules = (*rules, NoSchemaIntrospectionCustomRule)
        yield
        if policy is not None and not policy.suggestions:
            result = self.execution_context.result
            for error in [
                *(self.execution_context.pre_execution_errors or ()),
                *(getattr(result, "errors", None) or ()),
            ]:
                error.message = without_suggestion(error.message)

    def on_validate(self) -> Iterator[None]:
        policy = self._policy()
        document = self.execution_context.graphql_document
        if policy is not None and document is not None and self.execution_context.pre_execution_errors is None:
            try:
                check_shape(document, policy.limits)
            except LimitExceeded as refused:
                # Set before validation runs: strawberry then skips it and answers with these errors.
                self.execution_context.pre_execution_errors = [
                    GraphQLError(e["message"], extensions=e["extensions"]) for e in refused.errors
                ]
        yield
