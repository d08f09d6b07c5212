import asyncio

from axiom.health import Degraded, Dependency, ProbeFailed, Readiness


async def _ok():
    return None


async def _fail():
    raise ConnectionError("refused")


async def _hang():
    await asyncio.sleep(10)


async def test_all_up_is_200_ok_and_disabled_dependencies_are_listed():
    status, body = await Readiness([Dependency("postgres", _ok), Dependency("redis", None)]).report()
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"postgres": {"status": "up", "required": True}, "redis": {"status": "disabled", "required": True}},
    }


async def test_a_failing_or_hanging_required_dependency_is_503_unavailable():
    readiness = Readiness(
        [Dependency("postgres", _ok), Dependency("redis", _fail), Dependency("graph", _hang)], timeout=0.2
    )
    status, body = await readiness.report()
    assert status == 503 and body["status"] == "unavailable"
    assert body["down"] == ["redis", "graph"]
    assert body["checks"]["redis"] == {"status": "down", "required": True, "error": "ConnectionError"}
    assert body["checks"]["postgres"]["status"] == "up"


async def test_an_optional_dependency_down_is_200_degraded_and_named():
    readiness = Readiness([Dependency("postgres", _ok), Dependency("redis", _fail, required=False, note="cache")])
    status, body = await readiness.report()
    assert status == 200 and body["status"] == "degraded" and body["down"] == ["redis"]
    assert body["checks"]["redis"] == {"status": "down", "required": False, "note": "cache", "error": "ConnectionError"}


async def test_a_dependency_working_in_a_reduced_way_is_degraded_with_its_reason():
    async def fallback():
        return Degraded("in-process fallback")

    status, body = await Readiness([Dependency("guard", fallback)]).report()
    assert status == 200 and body["status"] == "degraded" and "down" not in body
    assert body["checks"]["guard"] == {"status": "degraded", "required": True, "note": "in-process fallback"}


async def test_a_group_is_unavailable_only_when_every_member_is_down():
    async def unavailable():
        raise ProbeFailed("unavailable: postgres down")

    one_down = Readiness(
        [Dependency("weaver", unavailable, required=False), Dependency("vision", _ok, required=False)],
        any_of=("weaver", "vision"),
    )
    status, body = await one_down.report()
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["weaver"]["error"] == "unavailable: postgres down"
    both_down = Readiness(
        [Dependency("weaver", unavailable, required=False), Dependency("vision", _fail, required=False)],
        any_of=("weaver", "vision"),
    )
    status, body = await both_down.report()
    assert status == 503 and body["status"] == "unavailable" and body["down"] == ["weaver", "vision"]
