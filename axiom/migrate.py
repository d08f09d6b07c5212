"""Run Alembic migrations (both subgraph branches) programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Bring every branch (`weaver`, `vision`) to its head."""
    command.upgrade(alembic_config(database_url), "heads")
