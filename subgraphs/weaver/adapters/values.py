"""Database values → JSON values for columnar query results, without losing what the database said.

The encodings a client sees (also in the `ResultColumn.values` description):
- SQL NULL → null; booleans, integers and text as themselves;
- floats → numbers, except NaN/±Infinity → "NaN", "Infinity", "-Infinity" (JSON has no such numbers);
- exact decimals (numeric, DECIMAL) → a number when a double holds them exactly, otherwise the decimal text
  (never rounded);
- dates, times and timestamps → ISO 8601 text; ±infinity → "infinity" / "-infinity"; years outside 1..9999
  in ISO 8601's expanded form ("+10000-01-01", "-0043-03-15" for 44 BC);
- intervals and durations → ISO 8601 durations ("P1Y2M3DT4H5M6.5S", PostgreSQL's `iso_8601` style);
- ranges → {"lower", "upper", "bounds" ("[)", "(]" …), "empty"}, a null bound being unbounded; multiranges
  → lists of those;
- arrays and anonymous rows → lists (nested for several dimensions); composite values → objects by field name;
  json/jsonb → the JSON value itself;
- binary (bytea, BLOB) → lowercase hex without a prefix; uuid, network addresses, money … → their text.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from typing import Any

INFINITY = "infinity"
NEGATIVE_INFINITY = "-infinity"

_EPOCH_2000 = dt.date(2000, 1, 1).toordinal()  # PostgreSQL counts dates and timestamps from 2000-01-01
_DAYS_PER_400_YEARS = 146_097  # the Gregorian calendar repeats exactly every 400 years
_MICROS_PER_DAY = 86_400_000_000


def json_value(value: Any) -> Any:
    """One database value as a JSON value (see the module docstring for each type)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _float_text(value)
    if isinstance(value, decimal.Decimal):
        return _decimal(value)
    if isinstance(value, dt.timedelta):
        return iso_duration(0, 0, _total_micros(value))
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if _is_range(value):
        return _range(value)
    if isinstance(value, (set, frozenset)):
        return sorted(json_value(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict) or callable(getattr(value, "items", None)):  # a composite value is a Record
        return {str(k): json_value(v) for k, v in value.items()}
    as_string = getattr(value, "as_string", None)  # asyncpg's BitString: the bits as "0101"
    return as_string() if callable(as_string) else str(value)


def _float_text(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _decimal(value: decimal.Decimal) -> float | str:
    if not value.is_finite():
        return "NaN" if value.is_nan() else ("Infinity" if value > 0 else "-Infinity")
    as_float = float(value)
    # A double that prints back to the same number is exact; anything else keeps the database's digits.
    return as_float if math.isfinite(as_float) and decimal.Decimal(repr(as_float)) == value else f"{value:f}"


def _is_range(value: Any) -> bool:
    return all(hasattr(value, name) for name in ("lower", "upper", "lower_inc", "upper_inc", "isempty"))


def _range(value: Any) -> dict[str, Any]:
    if value.isempty:
        return {"lower": None, "upper": None, "bounds": None, "empty": True}
    bounds = ("[" if value.lower_inc else "(") + ("]" if value.upper_inc else ")")
    return {"lower": json_value(value.lower), "upper": json_value(value.upper), "bounds": bounds, "empty": False}


def _total_micros(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def iso_duration(months: int, days: int, micros: int) -> str:
    """An interval as ISO 8601, each part signed on its own like PostgreSQL's `iso_8601` interval style."""
    years, months = int(months / 12), months - 12 * int(months / 12)  # truncate toward zero, as PostgreSQL
    sign = -1 if micros < 0 else 1
    hours, rest = divmod(abs(micros), 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = decimal.Decimal(rest).scaleb(-6).normalize()
    date_part = "".join(f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (days, "D")) if n)
    time_part = "".join(f"{sign * n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if rest:
        time_part += f"{'-' if sign < 0 else ''}{seconds:f}S"
    if not date_part and not time_part:
        return "PT0S"
    return "P" + date_part + ("T" + time_part if time_part else "")


def date_text(days_since_2000: int) -> str:
    """A date given as days since 2000-01-01, in ISO 8601 (expanded form outside years 1..9999)."""
    ordinal = _EPOCH_2000 + days_since_2000
    cycles = 0
    if not 1 <= ordinal <= dt.date.max.toordinal():
        cycles = (ordinal - 1) // _DAYS_PER_400_YEARS
        ordinal -= cycles * _DAYS_PER_400_YEARS
    day = dt.date.fromordinal(ordinal)
    year = day.year + 400 * cycles
    year_text = f"{year:04d}" if 1 <= year <= 9999 else f"{year:+05d}"
    return f"{year_text}-{day.month:02d}-{day.day:02d}"


def timestamp_text(micros_since_2000: int, utc: bool) -> str:
    """A timestamp given as microseconds since 2000-01-01 00:00, in ISO 8601 (`+00:00` when `utc`)."""
    days, micros = divmod(micros_since_2000, _MICROS_PER_DAY)
    clock = (dt.datetime.min + dt.timedelta(microseconds=micros)).time().isoformat()
    return f"{date_text(days)}T{clock}" + ("+00:00" if utc else "")
