"""Elements of Mondrian schemas the readers did not take: each is a warning (left out) or an error (unknown)."""

from __future__ import annotations

from subgraphs.vision.cube.problems import Findings

# Mondrian elements that are left out, and why that leaves every loaded answer unchanged or what it changes.
LEFT_OUT: dict[str, str] = {
    "Role": "roles are not applied: access to cubes is per tenant and role from the caller's token",
    "UserDefinedFunction": "user-defined MDX functions are not supported (formulas using them are left out)",
    "Parameter": "schema parameters are not supported",
    "AggName": "aggregate tables are not used: the cube's materialized view plays their part",
    "AggPattern": "aggregate tables are not used: the cube's materialized view plays their part",
    "AggExclude": "aggregate tables are not used: the cube's materialized view plays their part",
    "Annotations": "annotations are not kept",
    "CalculatedMemberProperty": "calculated member properties are not kept",
    "Translation": "translations are not kept",
    "Script": "scripts are not supported",
    "MemberFormatter": "formatters are not supported; values are returned unformatted",
    "CellFormatter": "formatters are not supported; values are returned unformatted",
    "PropertyFormatter": "formatters are not supported; values are returned unformatted",
    "View": "a <View> (SQL text as a table) is refused: only tables of the datasource may be named",
    "InlineTable": "inline tables are not supported",
    "Action": "actions are not supported",
    "DrillThroughAction": "actions are not supported",
    "Measures": "measure groups are a Mondrian 4 element; not supported",
}
# Unsupported where they would change the numbers: these fail the file instead of being left out.
REFUSED = frozenset({"View", "InlineTable"})


def _owning_cube(element) -> str | None:
    for ancestor in element.iterancestors():
        if ancestor.tag in ("Cube", "VirtualCube"):
            return ancestor.get("name")
    return element.get("name") if element.tag in ("Cube", "VirtualCube") else None


def report_unread(findings: Findings, root) -> None:
    """Report every topmost element no reader took (an element inside a reported one is not reported again)."""
    for element in root.iter():
        if not isinstance(element.tag, str) or element in findings.read:
            continue
        parent = element.getparent()
        if parent is not None and parent not in findings.read:
            continue
        findings.cube = _owning_cube(element)
        if element.tag == "Annotations" and len(element) == 0:
            continue  # an empty element holds nothing that could be lost
        reason = LEFT_OUT.get(element.tag)
        if reason is None:
            findings.add(element, "is not an element of the supported Mondrian schema")
        elif element.tag in REFUSED:
            findings.add(element, reason)
        else:
            findings.warn(element, f"is left out: {reason}")
    findings.cube = None
