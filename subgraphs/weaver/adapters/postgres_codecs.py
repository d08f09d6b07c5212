"""Decoders that keep PostgreSQL values faithful in query results (see `values` for the encodings).

asyncpg's defaults lose information a client needs: ±infinity timestamps become 9999-12-31 / 0001-01-01,
an interval's months become 30 days, and json/jsonb arrive as text. These decoders read the binary wire form
instead (the "tuple" format asyncpg offers for these types); they apply inside arrays and ranges too.
"""

from __future__ import annotations

import json

import asyncpg

from subgraphs.weaver.adapters.values import (
    INFINITY,
    NEGATIVE_INFINITY,
    date_text,
    iso_duration,
    timestamp_text,
)

_TIMESTAMP_INFINITY = (1 << 63) - 1  # PostgreSQL's ±infinity for timestamps: int64 max / min
_DATE_INFINITY = (1 << 31) - 1  # and for dates: int32 max / min


def _refuse_encoding(value):
    raise TypeError("query results only decode these types; parameters are never sent")


def _infinite(value: int, limit: int) -> str | None:
    if value == limit:
        return INFINITY
    if value == -limit - 1:
        return NEGATIVE_INFINITY
    return None


def _timestamp(utc: bool):
    def decode(parts: tuple[int]) -> str:
        return _infinite(parts[0], _TIMESTAMP_INFINITY) or timestamp_text(parts[0], utc)

    return decode


def _date(parts: tuple[int]) -> str:
    return _infinite(parts[0], _DATE_INFINITY) or date_text(parts[0])


def _interval(parts: tuple[int, int, int]) -> str:
    return iso_duration(*parts)


async def use_faithful_decoders(conn: asyncpg.Connection) -> None:
    """Install the decoders on a connection used only to read query results."""
    for name, decoder in (
        ("timestamp", _timestamp(utc=False)),
        ("timestamptz", _timestamp(utc=True)),
        ("date", _date),
        ("interval", _interval),
    ):
        await conn.set_type_codec(name, schema="pg_catalog", encoder=_refuse_encoding, decoder=decoder, format="tuple")
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, schema="pg_catalog", encoder=_refuse_encoding, decoder=json.loads, format="text"
        )
