"""Session-wide real services: PostgreSQL, Valkey and the Bolt server start once (embedded, in a temporary
folder) unless DATABASE_URL / REDIS_URL / NEO4J_URI point at running servers. Nothing is mocked; a server that
cannot start fails the run instead of skipping tests.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from cypher_neo4j5 import record_cypher, recorded

from axiom.auth import issue_token
from axiom.embedded import EmbeddedServices, EmbeddedSettings
from axiom.migrate import upgrade
from axiom.settings import Settings

RUN_LAST = "run_last"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{RUN_LAST}: runs after every other test of the session")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.get_closest_marker(RUN_LAST) is not None)  # stable: order kept otherwise


@pytest.fixture(scope="session", autouse=True)
def cypher_statements():
    """Every Cypher statement Weaver sends in this session, with its parameter names (see cypher_neo4j5)."""
    with pytest.MonkeyPatch.context() as patch:
        record_cypher(patch)
        yield recorded


@pytest.fixture(scope="session")
def server_root():
    """A folder for embedded servers' data outside pytest's own temporary root: every pytest start (any
    session on the machine) makes that root 0700 again, which locks out PostgreSQL's system user."""
    folder = Path(tempfile.mkdtemp(prefix="axiom-tests-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def services_settings(server_root) -> Settings:
    """Settings pointing at real servers, with migrations applied."""
    base = Settings.from_env()
    services = EmbeddedServices(server_root / "axiom-services", preferred_ports=False, durable=False)
    services.start(EmbeddedSettings.of(base))
    settings = services.apply(base)
    os.environ.update(services.environment())
    try:
        upgrade(settings.database_url, settings)
        yield settings
    finally:
        services.stop()


@pytest.fixture
def tenant_id() -> str:
    """A fresh tenant per test: tests share servers but never see each other's rows."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_token(services_settings):
    def make(tenant: str, *, subject: str = "user-1", roles=("analyst",)) -> str:
        return issue_token(services_settings, tenant_id=tenant, subject=subject, roles=roles)

    return make
