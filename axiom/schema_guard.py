"""The client API's guard: `schema/api.graphql` may break clients only where `schema/CHANGES.md` says so.

The committed baseline (`schema/baseline/api.graphql`) is the API of the last release. Every breaking change from
it to the current API (as `axiom schema diff` words it) must be announced: its line, as printed, under the
`## Unreleased` heading of `schema/CHANGES.md`. At a release, the baseline is replaced by the current API and the
heading gets the release's name. CI runs `axiom schema guard` before the tests.
"""

from __future__ import annotations

import re
from pathlib import Path

from axiom.schema_diff import diff_schemas
from axiom.schema_files import SCHEMA_DIR

BASELINE = SCHEMA_DIR / "baseline" / "api.graphql"
CURRENT = SCHEMA_DIR / "api.graphql"
CHANGES = SCHEMA_DIR / "CHANGES.md"
UNRELEASED = "## Unreleased"


def unreleased_notes(changes_md: str) -> str:
    """The text of the `## Unreleased` section (up to the next `## ` heading), or "" without one."""
    match = re.search(rf"^{re.escape(UNRELEASED)}[^\n]*\n(.*?)(?=^## |\Z)", changes_md, flags=re.M | re.S)
    return match.group(1) if match else ""


def unannounced_breaking_changes(baseline_sdl: str, current_sdl: str, changes_md: str) -> list[str]:
    """Descriptions of the breaking changes from the baseline that the Unreleased notes do not mention."""
    notes = unreleased_notes(changes_md)
    breaking = [c.description for c in diff_schemas(baseline_sdl, current_sdl) if c.severity == "breaking"]
    return [description for description in breaking if description not in notes]


def guard(baseline: Path = BASELINE, current: Path = CURRENT, changes: Path = CHANGES) -> list[str]:
    """`unannounced_breaking_changes` of the files (a missing CHANGES.md announces nothing)."""
    changes_md = changes.read_text() if changes.exists() else ""
    return unannounced_breaking_changes(baseline.read_text(), current.read_text(), changes_md)
