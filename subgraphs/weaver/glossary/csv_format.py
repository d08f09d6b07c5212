"""Glossary CSV: header `name,definition,synonyms,parent,owner,status,related`.

A list cell (synonyms, related) is itself one CSV record with `|` as its separator: `Sales|Turnover`, and an item
holding `|`, a quote or a line break is quoted inside the cell the CSV way: `"A|B"|C` holds "A|B" and "C". Plain lists
written by hand read as before; whatever the export writes, the import reads back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from subgraphs.weaver.glossary.model import TermData

COLUMNS = ("name", "definition", "synonyms", "parent", "owner", "status", "related")
LIST_SEPARATOR = "|"
MAX_ROWS = 10_000


@dataclass(frozen=True)
class CsvProblem:
    line: int
    field: str | None
    message: str


def _split(value: str) -> tuple[str, ...]:
    items = next(csv.reader(io.StringIO(value), delimiter=LIST_SEPARATOR), [])
    return tuple(dict.fromkeys(v.strip() for v in items if v.strip()))


def _join(items) -> str:
    out = io.StringIO()
    # The writer quotes items holding a character of its line terminator: "\r\n" covers both line breaks.
    csv.writer(out, delimiter=LIST_SEPARATOR, lineterminator="\r\n").writerow(items)
    return out.getvalue().removesuffix("\r\n")


def parse_glossary_csv(text: str) -> tuple[list[tuple[int, TermData]], list[CsvProblem]]:
    """Rows with their line numbers, and the problems found (a row with a problem is left out)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:  # the csv module refuses some input by raising (a field over its size limit)
        return [], [CsvProblem(1, None, str(exc))]
    if "name" not in header:
        return [], [CsvProblem(1, None, "the header must contain a 'name' column")]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return [], [CsvProblem(1, None, f"unknown columns: {', '.join(unknown)}")]
    reader.fieldnames = header
    rows: list[tuple[int, TermData]] = []
    problems: list[CsvProblem] = []
    for index, (line, raw) in enumerate(_records(reader, problems)):
        if index >= MAX_ROWS:
            problems.append(CsvProblem(line, None, f"at most {MAX_ROWS} rows per import"))
            break
        if None in raw:
            problems.append(CsvProblem(line, None, "more values than columns"))
            continue
        value = {k: (v or "").strip() for k, v in raw.items()}
        rows.append(
            (
                line,
                TermData(
                    name=value.get("name", ""),
                    definition=value.get("definition", ""),
                    synonyms=_split(value.get("synonyms", "")),
                    parent=value.get("parent") or None,
                    owner=value.get("owner") or None,
                    status=(value.get("status") or "DRAFT").upper(),
                    related=_split(value.get("related", "")),
                ),
            )
        )
    return rows, problems


def _records(reader: csv.DictReader, problems: list[CsvProblem]) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line, record) of each record; one the csv module refuses by raising (a field over its size limit)
    becomes a problem on its line, and reading goes on with the next line."""
    while True:
        line = reader.reader.line_num + 1  # DictReader's own line_num stays behind when a record fails
        try:
            yield line, next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(CsvProblem(reader.reader.line_num, None, str(exc)))


def render_glossary_csv(terms: list[TermData]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; it also makes any line break get quoted
    writer.writerow(COLUMNS)
    for t in sorted(terms, key=lambda t: t.name.lower()):
        writer.writerow(
            [t.name, t.definition, _join(t.synonyms), t.parent or "", t.owner or "", t.status, _join(sorted(t.related))]
        )
    return out.getvalue()
