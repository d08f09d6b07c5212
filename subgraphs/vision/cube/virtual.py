"""`<VirtualCube>`: measures of several cubes of the schema over the dimensions they share.

Represented as a cube of its own whose fact rows are the base cubes' fact rows stacked (`UNION ALL`): each base
cube fills the levels of the dimensions it has and its own measures, and leaves the rest empty (NULL). So a
measure keeps its own cube's value under any member of the shared dimensions, and shows no value under members of
a dimension its cube does not have (Mondrian's behaviour with `ignoreUnrelatedDimensions="false"`).
"""

from __future__ import annotations

from subgraphs.vision.cube.formula import member_refs
from subgraphs.vision.cube.model import CalculatedMember, CubeModel, Dimension, Measure, VirtualPart


def _measure_name(written: str | None) -> str | None:
    """`[Measures].[Unit Sales]` → `Unit Sales`."""
    if not written:
        return None
    text = written.strip()
    if text.startswith("[Measures]."):
        text = text[len("[Measures].") :]
    return text[1:-1] if text.startswith("[") and text.endswith("]") else text


class VirtualCubeReader:
    """Reads `<VirtualCube>`s with the schema's (valid) base cubes; uses the cube reader's findings."""

    def __init__(self, reader, cubes: dict[str, CubeModel], failed: set[str]):
        """`failed`: names of the schema's cubes that have errors (already reported, so not reported again)."""
        self.reader = reader
        self.findings = reader.findings
        self.cubes = cubes
        self.failed = failed

    def cube(self, element) -> CubeModel | None:
        findings = self.findings
        findings.mark(element)
        findings.cube = element.get("name")
        before = len(findings.errors)
        name = self.reader.name(element)
        self.usages(element)
        taken: dict[str, list[str]] = {}  # base cube → its measures and calculated members taken, in order
        unavailable: set[str] = set()  # measures of base cubes with errors (reported there)
        for usage in self.reader.children(element, "VirtualCubeMeasure"):
            base, member = self.base(usage), _measure_name(usage.get("name"))
            if member is None:
                findings.add(usage, 'names no measure; write name="[Measures].[Unit Sales]"')
                continue
            if base is None:
                unavailable.add(member)
                continue
            if not (base.measure(member) or base.calculated_member(member)):
                findings.add(usage, f"cube {base.name!r} has no measure {member!r}")
                continue
            taken.setdefault(base.name, []).append(member)
        if not taken and not unavailable:
            findings.add(element, "needs at least one <VirtualCubeMeasure> of a cube of the schema")
        dimensions, provided = self.dimensions(element, list(taken))
        measures, calculated = self.members(element, taken)
        own = self.reader.calculated_members(
            element, [m.name for m in measures] + [c.name for c in calculated], unavailable
        )
        if len(findings.errors) > before or not (name and taken):
            return None
        parts = tuple(
            VirtualPart(
                self.cubes[base],
                tuple(m.name for m in measures if m.name in [x.name for x in self.cubes[base].measures]),
                tuple(provided[base]),
            )
            for base in taken
        )
        first = parts[0].cube
        cube = CubeModel(
            name,
            first.fact_schema,
            first.fact_table,
            tuple(dimensions),
            tuple(measures),
            tuple(calculated) + tuple(own),
            element.get("description") or element.get("caption"),
            parts=parts,
            line=element.sourceline,
        )
        return self.reader.with_named_sets(element, cube)

    def usages(self, element) -> None:
        for group in self.reader.children(element, "CubeUsages"):
            for usage in self.reader.children(group, "CubeUsage"):
                if (usage.get("ignoreUnrelatedDimensions") or "false").lower() == "true":
                    self.findings.warn(
                        usage,
                        "ignoreUnrelatedDimensions is not supported: measures of a cube "
                        "without a dimension show no value under that dimension's members",
                    )

    def base(self, element) -> CubeModel | None:
        cube_name = element.get("cubeName")
        base = self.cubes.get(cube_name or "")
        if base is None and cube_name not in self.failed:
            self.findings.add(element, f"cubeName {cube_name!r} is not a valid cube of this schema")
        return base

    def dimensions(self, element, bases: list[str]) -> tuple[list[Dimension], dict[str, list[str]]]:
        """The virtual cube's dimensions, and per base cube the names of those it provides."""
        dimensions: list[Dimension] = []
        provided: dict[str, list[str]] = {base: [] for base in bases}
        for usage in self.reader.children(element, "VirtualCubeDimension"):
            name = usage.get("name")
            if usage.get("cubeName") is not None:
                base = self.base(usage)
                if base is None:
                    continue
                sources = [base.name] if base.dimension(name) else []
            else:  # a shared dimension: every base cube that uses it provides it
                sources = [b for b in bases if (d := self.cubes[b].dimension(name)) is not None and d.shared]
            if not sources:
                self.findings.add(usage, f"no cube of the virtual cube has the dimension {name!r}")
                continue
            if any(d.name == name for d in dimensions):
                self.findings.add(usage, f"repeats the dimension {name!r}")
                continue
            dimension = self.cubes[sources[0]].dimension(name)
            if dimension is not None:  # each source has it
                dimensions.append(dimension)
            for source in sources:
                if source in provided:
                    provided[source].append(name)
        return dimensions, provided

    def members(self, element, taken: dict[str, list[str]]) -> tuple[list[Measure], list[CalculatedMember]]:
        """The measures taken, with the measures the taken calculated members use (their formulas need them)."""
        measures: dict[str, Measure] = {}
        calculated: list[CalculatedMember] = []
        for base_name, names in taken.items():
            base = self.cubes[base_name]
            wanted = list(names)
            for name in names:
                member = base.calculated_member(name)
                if member is not None:
                    calculated.append(member)
                    wanted += _stored_refs(base, member)
            for name in dict.fromkeys(wanted):
                measure = base.measure(name)
                if measure is None:
                    continue
                if name in measures and measures[name] is not measure:
                    self.findings.add(element, f"takes measure {name!r} from two cubes; names must be distinct")
                measures[name] = measure
        return list(measures.values()), calculated


def _stored_refs(cube: CubeModel, member: CalculatedMember) -> list[str]:
    names = []
    for ref in member_refs(member.expression):
        inner = cube.calculated_member(ref)
        names += _stored_refs(cube, inner) if inner else [ref]
    return names
