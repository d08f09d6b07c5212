"""compose.yaml runs the production stack: every service has a health check, and the Axiom processes get
only settings Axiom actually reads (a misspelt variable would silently fall back to a default)."""

from pathlib import Path

import yaml

from axiom.settings import known_variables

COMPOSE = yaml.safe_load((Path(__file__).resolve().parents[2] / "compose.yaml").read_text())
AXIOM_SERVICES = ("weaver", "vision", "vision-worker", "gateway")


def test_every_long_running_service_has_a_health_check():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "neo4j", *AXIOM_SERVICES} <= set(services)
    assert services["postgres"]["image"] == "postgres:15" and services["redis"]["image"] == "redis:7"
    assert services["neo4j"]["image"] == "neo4j:5-community"
    for name, service in services.items():
        if name != "migrate":
            assert "healthcheck" in service, name


def test_axiom_processes_get_only_settings_axiom_reads():
    known = known_variables()
    for name in AXIOM_SERVICES:
        unknown = set(COMPOSE["services"][name]["environment"]) - known
        assert unknown == set(), (name, unknown)


def test_axiom_processes_start_after_their_dependencies_are_healthy():
    gateway = COMPOSE["services"]["gateway"]["depends_on"]
    assert gateway == {"weaver": {"condition": "service_healthy"}, "vision": {"condition": "service_healthy"}}
    assert COMPOSE["services"]["weaver"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_only_the_gateway_is_published():
    services = COMPOSE["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"gateway"}
    assert services["gateway"]["ports"] == ["4000:4000"]


def test_axiom_processes_must_be_given_the_gateway_secret_and_the_metrics_token():
    environment = COMPOSE["x-axiom-env"]
    assert environment["APP_ENV"] == "${APP_ENV:-production}"  # production: subgraphs trust only the gateway
    for name in ("GATEWAY_SHARED_SECRET", "METRICS_TOKEN"):
        assert environment[name].startswith("${" + name + ":?"), name  # compose refuses to start without it
