"""Validation of datasource input (pure): every problem found, each naming its field."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from subgraphs.weaver.adapters import DEFAULT_PORTS, ENGINES, ORACLE
from subgraphs.weaver.service.user_errors import INVALID, REQUIRED, UNSUPPORTED, UserErrorData

MAX_NAME = 200
MAX_HOST = 253  # the longest DNS name
_TEXT_FIELDS = ("name", "host", "database", "username")


@dataclass
class DataSourceSpec:
    """Validated, normalised values of a create (all fields) or update (only given fields)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[UserErrorData] = field(default_factory=list)


def validate_datasource(values: dict[str, Any], *, creating: bool) -> DataSourceSpec:
    """Check the fields present in `values` (on create, also that required ones are present).

    Keys: name, engine, host, port, database, username, password, schemas.
    """
    spec = DataSourceSpec()
    for name in _TEXT_FIELDS:
        if name not in values:
            if creating:
                spec.errors.append(UserErrorData(name, f"{name} is required", REQUIRED))
            continue
        value = (values[name] or "").strip()
        if not value:
            spec.errors.append(UserErrorData(name, f"{name} must not be empty", REQUIRED))
        elif name == "name" and len(value) > MAX_NAME:
            spec.errors.append(UserErrorData(name, f"name must be at most {MAX_NAME} characters", INVALID))
        elif name == "host" and not _is_host(value):
            spec.errors.append(UserErrorData(name, "host must be a host name or an IP address", INVALID))
        else:
            spec.values[name] = value
    if "engine" in values:
        engine = values["engine"]
        if engine not in ENGINES:
            spec.errors.append(UserErrorData("engine", f"unknown engine '{engine}'", INVALID))
        elif engine == ORACLE:
            spec.errors.append(UserErrorData("engine", "Oracle datasources are not supported yet", UNSUPPORTED))
        else:
            spec.values["engine"] = engine
    elif creating:
        spec.errors.append(UserErrorData("engine", "engine is required", REQUIRED))
    port = values.get("port")
    if port is not None:
        if not 1 <= port <= 65535:
            spec.errors.append(UserErrorData("port", "port must be between 1 and 65535", INVALID))
        else:
            spec.values["port"] = port
    elif creating and "engine" in spec.values:
        spec.values["port"] = DEFAULT_PORTS[spec.values["engine"]]
    if "password" in values:
        spec.values["password"] = values["password"] or None
    if "schemas" in values:
        schemas = values["schemas"]
        if schemas is not None and any(not s.strip() for s in schemas):
            spec.errors.append(UserErrorData("schemas", "schema names must not be empty", INVALID))
        else:
            spec.values["options"] = {"schemas": sorted({s.strip() for s in schemas})} if schemas else {}
    return spec


def _is_host(value: str) -> bool:
    """An IP address, or a name the resolver can be asked for: the drivers encode names with IDNA and raise on
    one it cannot encode (an empty or over-long label, a character IDNA forbids), before any connection."""
    try:
        ipaddress.ip_address(value.split("%", 1)[0])  # an IPv6 address may name its interface after '%'
        return True
    except ValueError:
        pass
    if len(value) > MAX_HOST or any(c.isspace() or not c.isprintable() for c in value):
        return False
    try:
        value.encode("idna")
    except UnicodeError:
        return False
    return True
