"""The pure half of NL→pivot: the tool's JSON schema and prompt built from the cube, and the answer's checks.

The schema enumerates the cube's levels and measures, so a well-behaved model can only name real members; the
answer is still validated like any client input, since a model may not behave.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from axiom.errors import ApiError, BadUserInput
from subgraphs.vision.cube.model import CubeModel
from subgraphs.vision.pivot.query import (
    COMPARISONS,
    LevelFilter,
    MeasureFilter,
    PivotQuery,
    SortKey,
    validate_pivot,
)

TOOL_NAME = "run_pivot"
LLM_INVALID_ANSWER = "LLM_INVALID_ANSWER"
MAX_QUESTION_LENGTH = 1000
FILTER_OPS = ("eq", "in", "range", "contains")


class InvalidAnswer(ApiError):
    """The model's answer is not a usable pivot of this cube."""

    code = LLM_INVALID_ANSWER


@dataclass(frozen=True)
class TermHint:
    """The glossary term linked to a cube member: other names users may call the member by."""

    name: str
    synonyms: tuple[str, ...] = ()

    def describe(self) -> str:
        also = f", also called {', '.join(repr(s) for s in self.synonyms)}" if self.synonyms else ""
        return f"glossary term {self.name!r}{also}"


@dataclass(frozen=True)
class Answer:
    query: PivotQuery
    explanation: str


def _array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


def pivot_tool(cube: CubeModel) -> dict:
    """The function tool whose arguments are a pivot of this cube (strict structured output)."""
    levels = list(cube.levels_by_ref)
    members = cube.member_names
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["rows", "columns", "measures", "filters", "having", "sort", "limit", "explanation"],
        "properties": {
            "rows": _array({"type": "string", "enum": levels}, description="Levels on the rows"),
            "columns": _array({"type": "string", "enum": levels}, description="Levels on the columns"),
            "measures": _array({"type": "string", "enum": members}, description="Measures to show"),
            "filters": _array(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["level", "op", "values"],
                    "properties": {
                        "level": {"type": "string", "enum": levels},
                        "op": {"type": "string", "enum": list(FILTER_OPS)},
                        "values": _array(
                            {"type": "string"}, description="eq/contains: one value; in: several; range: [from, to]"
                        ),
                    },
                }
            ),
            "having": _array(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["measure", "op", "value"],
                    "properties": {
                        "measure": {"type": "string", "enum": members},
                        "op": {"type": "string", "enum": list(COMPARISONS)},
                        "value": {"type": "number"},
                    },
                }
            ),
            "sort": _array(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["by", "direction"],
                    "properties": {
                        "by": {"type": "string", "enum": levels + members},
                        "direction": {"type": "string", "enum": ["ASC", "DESC"]},
                    },
                }
            ),
            "limit": {"type": ["integer", "null"], "description": "Top-N limit, or null for all cells"},
            "explanation": {"type": "string", "description": "One sentence: what the pivot shows"},
        },
    }
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "strict": True,
            "parameters": schema,
            "description": f"Run a pivot query on the OLAP cube {cube.name!r}.",
        },
    }


def messages(
    cube: CubeModel, question: str, level_values: dict[str, list[str]], terms: dict[str, TermHint] | None = None
) -> list[dict]:
    """System prompt describing the cube's members (with sample level values and the synonyms of their glossary
    terms), then the question."""
    terms = terms or {}

    def term(member: str) -> str:
        return f"; {terms[member].describe()}" if member in terms else ""

    lines = [
        f"You turn questions into pivot queries on the OLAP cube {cube.name!r}"
        + (f" ({cube.description})." if cube.description else "."),
        "Call the tool exactly once. Use only the levels and measures listed.",
        "",
        "Levels (Dimension.Level):",
    ]
    for dim in cube.dimensions:
        for level in dim.levels:
            values = level_values.get(level.ref)
            sample = f"; values: {', '.join(values)}" if values else ""
            lines.append(f"- {level.ref} ({level.level_type}, {level.data_type}{sample}{term(level.ref)})")
    lines += ["", "Measures:"]
    lines += [
        f"- {m.name}: {m.aggregator.value} of {m.column or (m.expression.sql if m.expression else '')}{term(m.name)}"
        for m in cube.measures
    ]
    lines += [f"- {c.name}: {c.formula}{term(c.name)}" for c in cube.calculated_members]
    if terms:
        lines += ["", "Users may name a member by its glossary term or one of the term's synonyms."]
    lines += ["", "Filter values are level keys as text (e.g. years as 2024). Answer in the question's language."]
    return [{"role": "system", "content": "\n".join(lines)}, {"role": "user", "content": question}]


def check_question(question: str) -> str:
    question = question.strip()
    if not question:
        raise BadUserInput("ask a question", field="question")
    if len(question) > MAX_QUESTION_LENGTH:
        raise BadUserInput(f"questions are limited to {MAX_QUESTION_LENGTH} characters", field="question")
    return question


def parse_answer(cube: CubeModel, arguments: str | None, *, max_rows: int) -> Answer:
    """The tool call's arguments as a validated pivot; raises InvalidAnswer saying what is wrong."""
    try:
        data = orjson.loads(arguments or "")
    except orjson.JSONDecodeError as exc:
        raise InvalidAnswer("the language model's answer is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidAnswer("the language model's answer is not a JSON object")
    try:
        query = PivotQuery(
            rows=_strings(data.get("rows", [])),
            columns=_strings(data.get("columns", [])),
            measures=_strings(data.get("measures", [])),
            filters=tuple(_filter(f) for f in _list(data.get("filters", []))),
            having=tuple(
                MeasureFilter(str(h["measure"]), str(h["op"]), float(h["value"])) for h in _list(data.get("having", []))
            ),
            sort=tuple(SortKey(str(s["by"]), s.get("direction") == "DESC") for s in _list(data.get("sort", []))),
            limit=_limit(data.get("limit")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidAnswer(f"the language model's answer does not have the pivot's shape ({exc})") from exc
    try:
        validate_pivot(cube, query, max_rows=max_rows)
    except BadUserInput as exc:
        raise InvalidAnswer(f"the language model chose an invalid pivot: {exc}") from exc
    explanation = data.get("explanation")
    return Answer(query, explanation.strip()[:500] if isinstance(explanation, str) else "")


def _list(value) -> list:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _strings(value) -> tuple[str, ...]:
    items = _list(value)
    if not all(isinstance(v, str) for v in items):
        raise TypeError("expected a list of strings")
    return tuple(items)


def _limit(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("limit must be an integer or null")
    return value


def _filter(item) -> LevelFilter:
    level, op, values = str(item["level"]), item["op"], _strings(item["values"])
    if op not in FILTER_OPS or not values:
        raise ValueError(f"filter on {level!r} needs an op in {FILTER_OPS} and values")
    if op == "in":
        return LevelFilter(level, in_=values)
    if op == "range":
        return LevelFilter(level, from_=values[0] or None, to=(values[1] if len(values) > 1 else None) or None)
    if op == "eq":
        return LevelFilter(level, eq=values[0])
    return LevelFilter(level, contains=values[0])
