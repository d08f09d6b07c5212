"""Building `_entities` representations from merged objects."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, Final

from gateway.operation.model import Field, InlineFragment, Selection


class _Missing(Enum):
    """A value the object lacks (a missing key, unlike a null)."""

    MISSING = "missing"


_MISSING: Final[_Missing] = _Missing.MISSING


def build_representation(obj: dict[str, Any], shape: tuple[Selection, ...]) -> dict[str, Any] | None:
    """Pick the fields of `shape` from `obj`; None when a required value is missing."""
    result = _select(obj, shape)
    return None if result is _MISSING else result


def _select(obj: dict[str, Any], shape: Sequence[Selection]) -> dict[str, Any] | _Missing:
    result: dict[str, Any] = {}
    for selection in shape:
        if isinstance(selection, InlineFragment):
            if selection.type_condition in (None, obj.get("__typename")):
                inner = _select(obj, selection.selections)
                if isinstance(inner, _Missing):
                    return _MISSING
                result.update(inner)
            continue
        value = obj.get(selection.response_key, _MISSING)
        if isinstance(value, _Missing):
            return _MISSING
        if selection.selections and value is not None:
            value = _select_value(value, selection)
            if isinstance(value, _Missing):
                return _MISSING
        # Internal aliases are read back; entities are keyed by real field names.
        result[selection.name] = value
    return result


def _select_value(value: Any, field: Field) -> Any:
    if isinstance(value, list):
        items = [_select_value(v, field) if v is not None else None for v in value]
        return _MISSING if any(i is _MISSING for i in items) else items
    if isinstance(value, dict):
        return _select(value, field.selections)
    return value
