"""Run Alembic migrations (both subgraph branches) programmatically."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from axiom.db_roles import provision_roles
from axiom.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, settings: Settings | None = None) -> None:
    """Bring every branch (`weaver`, `vision`) to its head, then provision the subgraphs' roles
    (`axiom.db_roles`) with the URLs `settings` give them (by default DATABASE_URL as `axiom_<subgraph>`)."""
    command.upgrade(alembic_config(database_url), "heads")
    settings = (settings or Settings()).replace(database_url=database_url)
    weaver_url, vision_url = settings.database_url_for("weaver"), settings.database_url_for("vision")
    assert weaver_url is not None and vision_url is not None  # derived from database_url when not set
    asyncio.run(provision_roles(database_url, weaver_url=weaver_url, vision_url=vision_url))
