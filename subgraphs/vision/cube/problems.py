"""What is wrong with a cube file (errors) and what of it is left out (warnings), each naming cube, element, line."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """An error: the file is not loaded. `cube` is None for schema-level elements."""

    source: str
    line: int | None
    element: str
    message: str
    cube: str | None = None

    def describe(self) -> str:
        """The message without the file and line (callers that show those separately use this)."""
        owner = f"cube {self.cube!r}: " if self.cube else ""
        return f"{owner}<{self.element}> {self.message}"

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.describe()}"


@dataclass(frozen=True)
class CubeWarning(Problem):
    """Something of the file that is not supported and left out; the rest loads."""


class CubeXmlError(ValueError):
    """A cube file is invalid. `problems` lists each with its element and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class Findings:
    """Errors and warnings of one file, and which elements the readers understood (the rest is reported)."""

    source: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[CubeWarning] = field(default_factory=list)
    cube: str | None = None  # the cube being read: problems found meanwhile name it
    read: set = field(default_factory=set)

    def add(self, element, message: str) -> None:
        self.errors.append(Problem(self.source, element.sourceline, element.tag, message, self.cube))

    def warn(self, element, message: str, cube: str | None = None) -> None:
        self.warnings.append(CubeWarning(self.source, element.sourceline, element.tag, message, cube or self.cube))

    def mark(self, element) -> None:
        """Record that `element` was understood (it is not reported as unsupported)."""
        self.read.add(element)
