"""`axiom schema diff OLD NEW`: what a client of the API would feel, breaking / dangerous / safe."""

from __future__ import annotations

from axiom.cli import main
from axiom.schema_diff import diff_schemas
from axiom.schema_files import SCHEMA_DIR

OLD = """
type Query { cubes: [String!]!, cube(name: String): String }
enum Status { RUNNING SUCCEEDED }
"""
NEW = '''
"""Everything a client can read."""
type Query { cubes: [Int!]!, cube(name: String, id: ID): String, runs: [Run!]! }
type Run { status: Status! }
enum Status { RUNNING SUCCEEDED FAILED }
'''


def test_changes_are_classified_as_breaking_dangerous_or_safe():
    changes = {(c.severity, c.kind, c.description) for c in diff_schemas(OLD, NEW)}
    assert ("breaking", "FIELD_CHANGED_KIND", "Field Query.cubes changed type from [String!]! to [Int!]!.") in changes
    assert ("dangerous", "VALUE_ADDED_TO_ENUM", "Enum value Status.FAILED was added.") in changes
    assert ("dangerous", "OPTIONAL_ARG_ADDED", "An optional argument Query.cube(id:) was added.") in changes
    assert {
        ("safe", "FIELD_ADDED", "Query.runs was added."),
        ("safe", "TYPE_ADDED", "Run was added."),
        ("safe", "DESCRIPTION_CHANGED", "Query's description changed."),
    } <= changes
    assert not any(c[2].startswith("ID ") for c in changes)  # built-in scalars are no news


def test_the_command_exits_1_on_breaking_changes_only(tmp_path, capsys):
    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    old.write_text(OLD)
    new.write_text(NEW)
    assert main(["schema", "diff", str(old), str(new)]) == 1
    assert "1 breaking, 2 dangerous, 3 safe" in capsys.readouterr().out
    assert main(["schema", "diff", str(new), str(new)]) == 0
    additions = tmp_path / "additions.graphql"
    additions.write_text(OLD.replace("cubes: [String!]!", "cubes: [String!]!, extra: Int"))
    assert main(["schema", "diff", str(old), str(additions)]) == 0
    assert "0 breaking, 0 dangerous, 1 safe" in capsys.readouterr().out.splitlines()[-1]


def test_the_api_schema_compared_with_itself_has_no_changes():
    api = (SCHEMA_DIR / "api.graphql").read_text()
    assert diff_schemas(api, api) == []
