"""`axiom schema guard`: CI fails when the client API breaks clients of the baseline (the last release) without a
line in schema/CHANGES.md's Unreleased section saying so."""

from __future__ import annotations

from axiom.cli import main
from axiom.schema_guard import unannounced_breaking_changes

BASELINE = 'type Query { "s" status: String! "n" name: String }\n'
ENUM = 'type Query { "s" status: Status! "n" name: String }\n"S" enum Status { "o" OK }\n'
REMOVED = "Field Query.status changed type from String! to Status!."


def test_an_unannounced_breaking_change_is_reported():
    assert unannounced_breaking_changes(BASELINE, ENUM, "# Client API changes\n") == [REMOVED]


def test_a_breaking_change_announced_under_unreleased_passes():
    notes = f"# Client API changes\n\n## Unreleased\n\n- {REMOVED}\n\n## 1.0\n\n- older\n"
    assert unannounced_breaking_changes(BASELINE, ENUM, notes) == []


def test_an_announcement_under_a_past_release_does_not_count():
    notes = f"# Client API changes\n\n## Unreleased\n\nNothing.\n\n## 1.0\n\n- {REMOVED}\n"
    assert unannounced_breaking_changes(BASELINE, ENUM, notes) == [REMOVED]


def test_additions_need_no_announcement():
    added = 'type Query { "s" status: String! "n" name: String "x" extra: Int }\n'
    assert unannounced_breaking_changes(BASELINE, added, "") == []


def test_the_command_exits_1_and_says_what_to_announce(tmp_path, capsys):
    (tmp_path / "old.graphql").write_text(BASELINE)
    (tmp_path / "new.graphql").write_text(ENUM)
    (tmp_path / "CHANGES.md").write_text("## Unreleased\n\n")
    paths = ["--baseline", str(tmp_path / "old.graphql"), "--current", str(tmp_path / "new.graphql")]
    assert main(["schema", "guard", *paths, "--changes", str(tmp_path / "CHANGES.md")]) == 1
    out = capsys.readouterr().out
    assert REMOVED in out and "## Unreleased" in out
    (tmp_path / "CHANGES.md").write_text(f"## Unreleased\n\n- {REMOVED}\n")
    assert main(["schema", "guard", *paths, "--changes", str(tmp_path / "CHANGES.md")]) == 0


def test_the_committed_api_breaks_no_client_of_the_baseline_unannounced():
    assert main(["schema", "guard"]) == 0
