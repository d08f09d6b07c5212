"""Subscription execution: stream events from one subgraph, complete each event
through the rest of the plan (entity fetches to other subgraphs)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any, Protocol

from gateway.executor.errors import subgraph_error
from gateway.executor.execute import ExecutionState, PlanExecutor
from gateway.planner.nodes import SubscriptionNode


class Subscriber(Protocol):
    """The transport's streaming half (`WebSocketSubscriber`)."""

    def subscribe(
        self, url: str, body: dict[str, Any], headers: Mapping[str, str], init_payload: dict[str, Any] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Each upstream `next` payload of the subscription `body` sent to `url`."""
        ...


class SubscriptionExecutor:
    """Runs `SubscriptionNode`s: `subscriber.subscribe` does the streaming I/O."""

    def __init__(self, executor: PlanExecutor, subscriber: Subscriber) -> None:
        self.executor = executor
        self.subscriber = subscriber

    async def events(
        self,
        node: SubscriptionNode,
        variables: dict[str, Any],
        coerced: dict[str, Any],
        headers: Mapping[str, str],
        init_payload: dict[str, Any] | None = None,
        event_headers: Callable[[], Mapping[str, str]] | None = None,
    ) -> AsyncGenerator[ExecutionState, None]:
        """One completed `ExecutionState` per upstream event; raises `TransportError`
        when the subgraph cannot be reached or goes away mid-stream.

        `headers` open the upstream subscription; `event_headers()`, when given, are
        those of each event's entity fetches (a shared stream's newest subscriber)."""
        primary = node.primary
        body = {
            "query": primary.operation,
            "variables": {k: variables[k] for k in primary.variable_usages if k in variables},
        }
        url = self.executor.urls[primary.subgraph]
        async for payload in self.subscriber.subscribe(url, body, headers, init_payload):
            state = ExecutionState(variables, coerced, event_headers() if event_headers is not None else headers)
            # An event without data (a subgraph error) stays without data.
            state.data = payload["data"] if isinstance(payload.get("data"), dict) else None
            for error in payload.get("errors") or ():
                state.errors.append(subgraph_error(error, primary.subgraph, error.get("path")))
            if state.data:
                await self.executor.run(node.rest, state)
            yield state
