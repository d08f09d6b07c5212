"""The gateway's in-process caches are bounded by bytes as well as by entries."""

from __future__ import annotations

from gateway_testkit.planning import fixture_models, normalize

from gateway.bounded_lru import BoundedLRU
from gateway.http.persisted_queries import MemoryQueryStore
from gateway.planner import PlanCache

MiB = 2**20


def test_the_least_recently_used_entries_go_first_when_the_byte_bound_is_reached():
    cache: BoundedLRU[str] = BoundedLRU(max_entries=100, max_bytes=10, sizeof=len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert cache.get("a") == "xxxx"  # now the most recently used
    cache.put("c", "xxxx")
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.bytes == 8


def test_the_entry_bound_holds_for_light_entries():
    cache: BoundedLRU[str] = BoundedLRU(max_entries=2, max_bytes=10**9, sizeof=len)
    for key in "abc":
        cache.put(key, "x")
    assert len(cache) == 2 and "a" not in cache


def test_an_entry_heavier_than_the_whole_bound_is_not_kept_and_evicts_nothing():
    cache: BoundedLRU[str] = BoundedLRU(max_entries=10, max_bytes=10, sizeof=len)
    cache.put("small", "xx")
    cache.put("huge", "x" * 11)
    assert "huge" not in cache and cache.get("small") == "xx"


async def test_persisted_queries_of_a_megabyte_each_stay_within_the_stores_bytes():
    store = MemoryQueryStore(size=10_000, max_bytes=4 * MiB)
    for index in range(10):
        await store.put(f"digest-{index}", "{ a }" + " " * MiB)
    kept = [index for index in range(10) if await store.get(f"digest-{index}") is not None]
    assert kept == [7, 8, 9]


def test_the_plan_cache_stays_within_its_bytes():
    supergraph, _ = fixture_models()
    cache = PlanCache(supergraph, size=1000, max_bytes=1500)  # ~600 bytes per plan here
    for field in ("products { id }", "latest { id }", "products { name }", "latest { body }"):
        cache.plan(normalize("{ " + field + " }"))
    assert 0 < len(cache) < 4
