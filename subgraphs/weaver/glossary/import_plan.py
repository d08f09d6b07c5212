"""What a glossary CSV import would change, computed before anything is written (and shown by dryRun).

Terms are matched by name. Absent terms are kept; related terms are only added, never removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from subgraphs.weaver.glossary.csv_format import CsvProblem
from subgraphs.weaver.glossary.model import TermData, creates_cycle, name_problem, status_problem

CREATE = "CREATE"
UPDATE = "UPDATE"
UNCHANGED = "UNCHANGED"
_FIELDS = ("definition", "synonyms", "parent", "owner", "status")


@dataclass(frozen=True)
class PlannedChange:
    name: str
    action: str
    fields: tuple[str, ...]
    term: TermData


@dataclass
class ImportPlan:
    changes: list[PlannedChange] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def plan_import(existing: dict[str, TermData], rows: list[tuple[int, TermData]]) -> ImportPlan:
    plan = ImportPlan()
    seen: dict[str, int] = {}
    valid: list[tuple[int, TermData]] = []
    for line, term in rows:
        problem = name_problem(term.name) or status_problem(term.status)
        if problem:
            plan.problems.append(CsvProblem(line, "name" if name_problem(term.name) else "status", problem))
        elif term.name in seen:
            plan.problems.append(CsvProblem(line, "name", f"'{term.name}' already appears on line {seen[term.name]}"))
        else:
            seen[term.name] = line
            valid.append((line, term))
    known = set(existing) | set(seen)
    parents = {name: t.parent for name, t in existing.items()}
    parents.update({t.name: t.parent for _, t in valid})
    for line, term in valid:
        if term.parent is not None and term.parent not in known:
            plan.problems.append(CsvProblem(line, "parent", f"unknown parent '{term.parent}'"))
            continue
        if term.parent is not None and creates_cycle(parents, term.name, term.parent):
            plan.problems.append(CsvProblem(line, "parent", f"parent '{term.parent}' would create a cycle"))
            continue
        missing = [r for r in term.related if r not in known or r == term.name]
        if missing:
            plan.problems.append(CsvProblem(line, "related", f"unknown related terms: {', '.join(missing)}"))
            continue
        before = existing.get(term.name)
        if before is None:
            plan.changes.append(PlannedChange(term.name, CREATE, _FIELDS, term))
            continue
        changed = tuple(f for f in _FIELDS if getattr(before, f) != getattr(term, f))
        if set(term.related) - set(before.related):
            changed += ("related",)
        plan.changes.append(PlannedChange(term.name, UPDATE if changed else UNCHANGED, changed, term))
    return plan
