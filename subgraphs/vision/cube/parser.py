"""Parse Mondrian-style cube XML into `CubeModel`s, with an exact account of what is not supported.

Accepted: a `<Schema>` holding shared `<Dimension>`s, `<Cube>`s, `<VirtualCube>`s and `<NamedSet>`s (or a lone
`<Cube>`). A cube has a fact `<Table>`, `<Dimension>`s (one or more `<Hierarchy>`s over a `<Table>` or `<Join>`,
with `<Level>`s, their `<Property>`s, `<KeyExpression>`/`<NameExpression>`, and parent-child levels with a
`<Closure>`) or `<DimensionUsage>`s of shared ones, `<Measure>`s (a column or a `<MeasureExpression>`),
`<CalculatedMember>`s (arithmetic over measures) and `<NamedSet>`s (explicit members of one level).

Every element is either understood or reported: as an error (the file is not loaded) or as a warning naming the
element and its line (the element is left out, the rest loads). Errors name their cube; an error caused by an
earlier one is not reported again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from subgraphs.vision.cube.dimensions import DimensionReader
from subgraphs.vision.cube.expressions import ExpressionError
from subgraphs.vision.cube.formula import FormulaError, member_refs, parse_formula
from subgraphs.vision.cube.model import Aggregator, CalculatedMember, CubeModel, Dimension, Measure
from subgraphs.vision.cube.named_sets import NamedSetError, parse_named_set
from subgraphs.vision.cube.problems import CubeWarning, CubeXmlError, Findings, Problem
from subgraphs.vision.cube.unsupported import report_unread
from subgraphs.vision.cube.virtual import VirtualCubeReader


@dataclass(frozen=True)
class ParsedDocument:
    cubes: list[CubeModel]
    warnings: list[CubeWarning]


def rename_dimension(dim: Dimension, name: str, foreign_key: str | None) -> Dimension:
    """A shared dimension as one cube uses it: under its usage name, joined on the cube's foreign key."""
    hierarchies = tuple(
        dataclasses.replace(h, levels=tuple(dataclasses.replace(level, dimension=name) for level in h.levels))
        for h in dim.hierarchies
    )
    return dataclasses.replace(dim, name=name, foreign_key=foreign_key, hierarchies=hierarchies, shared=True)


class CubeReader(DimensionReader):
    """Reads `<Cube>`s, given the schema's shared dimensions (read once) and schema-level named sets."""

    def __init__(self, findings: Findings, shared: dict[str, Dimension | None], schema_sets: list):
        super().__init__(findings)
        self.shared = shared
        self.schema_sets = schema_sets

    def cube(self, element) -> CubeModel | None:
        self.findings.mark(element)
        self.findings.cube = element.get("name")
        before = len(self.findings.errors)
        name = self.name(element)
        tables = self.children(element, "Table")
        fact = self.table(tables[0]) if len(tables) == 1 else None
        if len(tables) != 1:
            self.findings.add(element, "needs exactly one <Table> (the fact table)")
        dimensions = self.cube_dimensions(element)
        if not self.children(element, "Dimension", "DimensionUsage"):
            self.findings.add(element, "needs at least one <Dimension> or <DimensionUsage>")
        measure_elements = self.children(element, "Measure")
        if not measure_elements:
            self.findings.add(element, "needs at least one <Measure>")
        measures = [m for m in (self.measure(e, fact.name if fact else None) for e in measure_elements) if m]
        failed = {e.get("name") for e in measure_elements} - {m.name for m in measures}
        calculated = self.calculated_members(element, [m.name for m in measures], failed)
        if len(self.findings.errors) > before or not (name and fact):
            for named_set in self.children(element, "NamedSet"):  # not evaluated against a broken cube
                self.children(named_set, "Formula")
            return None
        cube = CubeModel(
            name,
            fact.schema,
            fact.name,
            tuple(dimensions),
            tuple(measures),
            tuple(calculated),
            element.get("description") or element.get("caption"),
            line=element.sourceline,
        )
        return self.with_named_sets(element, cube)

    def with_named_sets(self, element, cube: CubeModel) -> CubeModel:
        """The cube with its own named sets and the schema's named sets that fit it."""
        sets = []
        for set_element in self.children(element, "NamedSet"):
            named = self.named_set(set_element, cube)
            if named is not None:
                sets.append(named)
        for set_element, formula in self.schema_sets:
            try:
                sets.append(parse_named_set(set_element.get("name"), formula, cube, set_element.sourceline))
            except NamedSetError:
                continue  # a schema-level set fits only the cubes that have its level (see `parse_document`)
        return dataclasses.replace(cube, named_sets=tuple(sets))

    def named_set(self, element, cube: CubeModel):
        formula = self.formula_text(element)
        name = self.name(element)
        if formula is None or name is None:
            return None
        try:
            return parse_named_set(name, formula, cube, element.sourceline)
        except NamedSetError as exc:
            self.findings.warn(element, f"{name!r} is left out: {exc}")
            return None

    def formula_text(self, element) -> str | None:
        children = self.children(element, "Formula")
        text = element.get("formula") or (children[0].text if children else None)
        if not text or not text.strip():
            self.findings.add(element, "needs a 'formula' attribute or a <Formula> child")
            return None
        return text.strip()

    def cube_dimensions(self, cube) -> list[Dimension]:
        dimensions: list[Dimension] = []
        for element in self.children(cube, "Dimension", "DimensionUsage"):
            if element.tag == "Dimension":
                dim = self.dimension(element, foreign_key=element.get("foreignKey"), shared=False)
                if dim and element.get("foreignKey") is None and any(h.relation for h in dim.hierarchies):
                    self.findings.add(element, "needs 'foreignKey' (the fact table column joined to the hierarchy)")
            else:
                dim = self.usage(element)
            if dim and any(d.name == dim.name for d in dimensions):
                self.findings.add(element, f"repeats the dimension name {dim.name!r}")
            elif dim:
                dimensions.append(dim)
        return dimensions

    def usage(self, element) -> Dimension | None:
        source = element.get("source")
        if source not in self.shared:
            self.findings.add(element, f"source {source!r} is not a shared dimension of this schema")
            return None
        foreign_key = self.identifier(element, "foreignKey")
        template = self.shared[source]
        if template is None or foreign_key is None:
            return None  # the shared dimension's own errors are reported once, where it is defined
        name = element.get("name") or source
        return rename_dimension(template, name, foreign_key)

    def measure(self, element, fact_table: str | None) -> Measure | None:
        name = self.name(element)
        expressions = self.children(element, "MeasureExpression")
        expression = None
        if expressions:
            expression = self.sql_expression(expressions[0], _fact_qualifier(fact_table))
        column = None if expressions else self.identifier(element, "column")
        raw = element.get("aggregator")
        try:
            aggregator = Aggregator(raw)
        except ValueError:
            self.findings.add(element, f"aggregator must be one of {[a.value for a in Aggregator]}, not {raw!r}")
            return None
        if not (name and (column or expression)):
            return None
        return Measure(name, column, aggregator, element.get("formatString"), element.sourceline, expression)

    def calculated_members(self, cube, stored: list[str], failed: set[str]) -> list[CalculatedMember]:
        """The cube's calculated members over measures; members with MDX beyond arithmetic are warned about and
        left out, and so are the members that use them."""
        members: list[CalculatedMember] = []
        skipped: set[str] = set()
        for element in self.children(cube, "CalculatedMember"):
            member = self.calculated_member(element)
            if member is None:
                skipped.add(element.get("name"))
            else:
                members.append(member)
        names = stored + [m.name for m in members]
        if len(set(names)) != len(names):
            self.findings.add(cube, f"measures and calculated members need distinct names ({names})")
        return _resolve_members(self, cube, members, set(stored), skipped, failed)

    def calculated_member(self, element) -> CalculatedMember | None:
        name = self.name(element)
        text = self.formula_text(element)
        if element.get("dimension", "Measures") != "Measures":
            self.findings.warn(
                element,
                f"{name!r} is left out: only calculated members of dimension 'Measures' "
                f"are supported, not of {element.get('dimension')!r}",
            )
            return None
        if text is None or name is None:
            return None
        try:
            expression = parse_formula(text)
        except FormulaError as exc:
            if exc.unsupported:
                self.findings.warn(element, f"{name!r} is left out: formula {text!r}: {exc}")
            else:
                self.findings.add(element, f"formula {text!r}: {exc}")
            return None
        return CalculatedMember(name, text, expression, element.get("formatString"), element.sourceline)


def _resolve_members(
    reader: CubeReader, cube, members: list[CalculatedMember], stored: set[str], skipped: set[str], failed: set[str]
) -> list[CalculatedMember]:
    """Keep the members whose formulas use known measures; report unknown ones (not those that already failed),
    leave out with a warning those using a left-out member, and refuse cycles."""
    kept = list(members)
    changed = True
    while changed:  # leaving one member out may leave out those that use it
        changed = False
        known = stored | {m.name for m in kept}
        for member in list(kept):
            refs = member_refs(member.expression)
            element = next(e for e in cube if e.tag == "CalculatedMember" and e.sourceline == member.line)
            missing = [r for r in refs if r not in known]
            left_out = [r for r in missing if r in skipped]
            if left_out or any(r in failed for r in missing):
                if left_out:
                    reader.findings.warn(element, f"{member.name!r} is left out: it uses {left_out}, which is left out")
                kept.remove(member)
                skipped.add(member.name)
                changed = True
            elif missing:
                reader.findings.add(element, f"formula uses unknown measures {missing}")
                kept.remove(member)
                failed.add(member.name)
                changed = True
    formulas = {m.name: member_refs(m.expression) for m in kept}
    for member in kept:
        if _has_cycle(member.name, formulas):
            element = next(e for e in cube if e.tag == "CalculatedMember" and e.sourceline == member.line)
            reader.findings.add(element, "formula refers to itself through other calculated members")
    return kept


def _fact_qualifier(fact_table: str | None):
    def qualify(written: str | None) -> str | None:
        if written is not None and written != fact_table:
            raise ExpressionError(f"uses table {written!r}; a measure expression uses the fact table's columns")
        return None

    return qualify


def _has_cycle(start: str, formulas: dict[str, list[str]]) -> bool:
    stack, seen = list(formulas.get(start, [])), set()
    while stack:
        name = stack.pop()
        if name == start:
            return True
        if name not in seen:
            seen.add(name)
            stack.extend(formulas.get(name, []))
    return False


def _read_shared(reader: CubeReader, elements: list) -> dict[str, Dimension | None]:
    shared: dict[str, Dimension | None] = {}
    for element in elements:
        name = element.get("name")
        if name in shared:
            reader.findings.add(element, f"repeats the shared dimension name {name!r}")
        shared[name] = reader.dimension(element, foreign_key=None, shared=True)
    return shared


def parse_cube_document(text: str | bytes, source: str = "<string>") -> ParsedDocument:
    """Parse a schema or cube document; raises CubeXmlError listing every error with its cube and line."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(text.encode() if isinstance(text, str) else text, parser)
    except etree.XMLSyntaxError as exc:
        raise CubeXmlError([Problem(source, exc.lineno, "xml", exc.msg)]) from exc
    findings = Findings(source)
    findings.mark(root)
    if root.tag not in ("Schema", "Cube"):
        raise CubeXmlError([Problem(source, root.sourceline, root.tag, "root must be <Schema> or <Cube>")])
    reader = CubeReader(findings, {}, [])
    if root.tag == "Cube":
        cube_elements, virtual_elements = [root], []
    else:
        reader.shared = _read_shared(reader, reader.children(root, "Dimension"))
        cube_elements = reader.children(root, "Cube")
        virtual_elements = reader.children(root, "VirtualCube")
        schema_sets = [(e, reader.formula_text(e)) for e in reader.children(root, "NamedSet")]
        reader.schema_sets = [(e, f) for e, f in schema_sets if f]
        if not cube_elements:
            findings.add(root, "holds no <Cube>")
    cubes = [cube for cube in map(reader.cube, cube_elements) if cube]
    failed = {e.get("name") for e in cube_elements} - {c.name for c in cubes}
    virtual = VirtualCubeReader(reader, {c.name: c for c in cubes}, failed)
    cubes += [cube for cube in map(virtual.cube, virtual_elements) if cube]
    findings.cube = None
    _check_names(findings, cube_elements + virtual_elements, cubes)
    _check_schema_sets(findings, reader.schema_sets, cubes)
    report_unread(findings, root)
    if findings.errors:
        raise CubeXmlError(findings.errors)
    return ParsedDocument(cubes, findings.warnings)


def _check_names(findings: Findings, elements: list, cubes: list[CubeModel]) -> None:
    names = [c.name for c in cubes]
    for element in elements:
        if names.count(element.get("name")) > 1:
            findings.cube = element.get("name")
            findings.add(element, f"repeats the cube name {element.get('name')!r}")
            names.remove(element.get("name"))
    findings.cube = None


def _check_schema_sets(findings: Findings, schema_sets: list, cubes: list[CubeModel]) -> None:
    for element, formula in schema_sets:
        if not any(c.named_set(element.get("name")) for c in cubes) and cubes:
            try:
                parse_named_set(element.get("name"), formula, cubes[0], element.sourceline)
            except NamedSetError as exc:
                findings.warn(element, f"{element.get('name')!r} is left out: {exc}")


def parse_cube_xml(text: str | bytes, source: str = "<string>") -> list[CubeModel]:
    """The cubes of a document (warnings dropped: for re-reading stored, already reported definitions)."""
    return parse_cube_document(text, source).cubes


def parse_cube_file(path: Path) -> list[CubeModel]:
    """Parse one cube file; problems name the file."""
    return parse_cube_xml(path.read_bytes(), source=path.name)
