import asyncio

from axiom.health import Dependency, Readiness


async def _ok():
    return None


async def _fail():
    raise ConnectionError("refused")


async def _hang():
    await asyncio.sleep(10)


async def test_all_up_is_200_ok_and_disabled_dependencies_are_listed():
    status, body = await Readiness([Dependency("postgres", _ok), Dependency("redis", None)]).report()
    assert status == 200
    assert body == {"status": "ok", "checks": {"postgres": {"status": "up"}, "redis": {"status": "disabled"}}}


async def test_a_failing_or_hanging_dependency_is_503_degraded():
    readiness = Readiness([Dependency("postgres", _ok), Dependency("redis", _fail), Dependency("graph", _hang)],
                          timeout=0.2)
    status, body = await readiness.report()
    assert status == 503 and body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "down" and body["checks"]["graph"]["status"] == "down"
    assert body["checks"]["postgres"]["status"] == "up"
