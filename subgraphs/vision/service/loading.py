"""Loading cube files into the store: all of a batch, or nothing.

Every file is parsed and every table and column it names is checked against the datasource's catalog before
anything is written; then the cubes and their (empty) views are written in one transaction, so a view that
PostgreSQL refuses (e.g. `sum` over a text column) rolls the whole batch back. Views are populated after the
commit; a cube whose population fails stays stored with a failed refresh run, as any refresh would.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from subgraphs.vision.cube import CubeModel, CubeWarning, CubeXmlError, parse_cube_document
from subgraphs.vision.cube.references import CatalogRead, check_references, referenced_tables
from subgraphs.vision.store.cubes import CubeStore, StoredCube
from subgraphs.vision.store.views import FanOut, RefreshFailed, ViewStore, database_message

log = logging.getLogger(__name__)

CUBES_FOLDER = Path(__file__).parent.parent / "cubes"


@dataclass(frozen=True)
class LoadProblem:
    file: str
    message: str
    line: int | None = None
    code: str = "BAD_USER_INPUT"


@dataclass
class LoadReport:
    cubes: list[StoredCube] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # names of cubes created or updated now
    problems: list[LoadProblem] = field(default_factory=list)
    warnings: list[CubeWarning] = field(default_factory=list)  # what of the files is left out, per cube


def _parse_all(documents: list[tuple[str, str]], report: LoadReport) -> list[tuple[str, str, CubeModel]]:
    parsed: list[tuple[str, str, CubeModel]] = []
    for file_name, xml in documents:
        try:
            document = parse_cube_document(xml, source=file_name)
        except CubeXmlError as exc:
            log.info("cube file %s is invalid: %s", file_name, exc)
            report.problems.extend(LoadProblem(file_name, p.describe(), p.line) for p in exc.problems)
            continue
        report.warnings.extend(document.warnings)
        parsed += [(file_name, xml, model) for model in document.cubes]
    seen: dict[str, str] = {}
    for file_name, _, model in parsed:
        if model.name in seen:
            report.problems.append(
                LoadProblem(file_name, f"cube {model.name!r} is also defined in {seen[model.name]}", model.line)
            )
        seen.setdefault(model.name, file_name)
    return parsed


async def _check_catalog(
    parsed: list[tuple[str, str, CubeModel]], datasource_id: str, read_catalog: CatalogRead, report: LoadReport
) -> None:
    wanted = list(dict.fromkeys(t for _, _, model in parsed for t in referenced_tables(model)))
    catalog = await read_catalog(wanted)
    if catalog is None:
        report.problems.append(LoadProblem("dataSourceId", f"datasource {datasource_id} not found", code="NOT_FOUND"))
        return
    for file_name, _, model in parsed:
        report.problems.extend(LoadProblem(file_name, str(p), p.line) for p in check_references(model, catalog))


async def load_cube_documents(
    documents: list[tuple[str, str]],
    *,
    tenant_id: str,
    datasource_id: str,
    read_catalog: CatalogRead,
    cubes: CubeStore,
    views: ViewStore,
    populate: Callable[[StoredCube], Awaitable[object]] | None = None,
) -> LoadReport:
    """Parse, check and store each `(file name, xml)` and build and populate the cubes' views.

    Any problem in any file → nothing is stored and `report.problems` says why (file, line, cube, element).
    `populate(cube)` fills a built view (e.g. by queueing a job); without it the views are filled here.
    """
    report = LoadReport()
    parsed = _parse_all(documents, report)
    if not report.problems:
        await _check_catalog(parsed, datasource_id, read_catalog, report)
    if report.problems:
        return report
    built: list[StoredCube] = []
    async with cubes.engine.connect() as conn:
        transaction = await conn.begin()
        for file_name, xml, model in parsed:
            try:
                async with conn.begin_nested():
                    stored, changed = await cubes.save(tenant_id, datasource_id, model, xml, conn=conn)
                    if await views.build(conn, stored):
                        built.append(stored)
            except (DBAPIError, FanOut) as exc:
                reason = database_message(exc) if isinstance(exc, DBAPIError) else str(exc)
                report.problems.append(
                    LoadProblem(file_name, f"cube {model.name!r}: view not built: {reason}", model.line)
                )
                continue
            if changed:
                report.changed.append(stored.name)
            report.cubes.append(stored)
        if report.problems:
            await transaction.rollback()
            report.cubes, report.changed = [], []
            return report
        await transaction.commit()
    for stored in built:
        if populate is not None:  # e.g. queued as a job: the run reports the outcome
            await populate(stored)
            continue
        try:
            await views.refresh(stored, trigger="create")
        except RefreshFailed as exc:
            report.problems.append(LoadProblem(stored.name, f"cube {stored.name!r}: view not populated: {exc}"))
    report.cubes = [await cubes.get(tenant_id, c.id) or c for c in report.cubes]
    return report


def read_cube_folder(folder: Path = CUBES_FOLDER) -> list[tuple[str, str]]:
    """The `*.xml` files of a folder as `(file name, text)`, sorted by name."""
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.xml"))]
