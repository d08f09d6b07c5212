"""Loading cube files into the store: every file on its own, so a broken file never blocks the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from subgraphs.vision.cube import CubeWarning, CubeXmlError, parse_cube_document
from subgraphs.vision.store.cubes import CubeStore, StoredCube
from subgraphs.vision.store.views import RefreshFailed, ViewStore

log = logging.getLogger(__name__)

CUBES_FOLDER = Path(__file__).with_name("cubes")


@dataclass(frozen=True)
class LoadProblem:
    file: str
    message: str
    line: int | None = None


@dataclass
class LoadReport:
    cubes: list[StoredCube] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # names of cubes created or updated now
    problems: list[LoadProblem] = field(default_factory=list)
    warnings: list[CubeWarning] = field(default_factory=list)  # what of the files is left out, per cube


async def load_cube_documents(
    documents: list[tuple[str, str]],
    *,
    tenant_id: str,
    datasource_id: str,
    cubes: CubeStore,
    views: ViewStore | None,
) -> LoadReport:
    """Parse and store each `(file name, xml)`; with `views`, also build and populate the cubes' views."""
    report = LoadReport()
    for file_name, xml in documents:
        try:
            document = parse_cube_document(xml, source=file_name)
        except CubeXmlError as exc:
            log.warning("cube file %s is invalid: %s", file_name, exc)
            report.problems.extend(LoadProblem(file_name, p.describe(), p.line) for p in exc.problems)
            continue
        report.warnings.extend(document.warnings)
        for model in document.cubes:
            stored, changed = await cubes.save(tenant_id, datasource_id, model, xml)
            if changed:
                report.changed.append(stored.name)
            if views is not None:
                try:
                    await views.ensure(stored)
                except RefreshFailed as exc:
                    report.problems.append(LoadProblem(file_name, f"cube {stored.name!r}: view not built: {exc}"))
                stored = await cubes.get(tenant_id, stored.id) or stored
            report.cubes.append(stored)
    return report


def read_cube_folder(folder: Path = CUBES_FOLDER) -> list[tuple[str, str]]:
    """The `*.xml` files of a folder as `(file name, text)`, sorted by name."""
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.xml"))]
