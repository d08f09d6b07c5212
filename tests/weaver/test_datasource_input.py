import pytest

from subgraphs.weaver.service.datasource_input import validate_datasource

VALID = {"name": " dw ", "engine": "postgresql", "host": "db", "database": "dw", "username": "u"}


def codes(spec):
    return {(e.field, e.code) for e in spec.errors}


def test_valid_create_is_normalised_with_the_engine_default_port():
    spec = validate_datasource(VALID, creating=True)
    assert spec.errors == []
    assert spec.values["name"] == "dw" and spec.values["port"] == 5432


def test_create_reports_every_missing_field():
    spec = validate_datasource({}, creating=True)
    assert codes(spec) == {(f, "REQUIRED") for f in ("name", "engine", "host", "database", "username")}


def test_oracle_is_declared_unsupported_and_bad_ports_invalid():
    spec = validate_datasource({**VALID, "engine": "oracle", "port": 70000}, creating=True)
    assert codes(spec) == {("engine", "UNSUPPORTED"), ("port", "INVALID")}


def test_update_checks_only_given_fields():
    spec = validate_datasource({"host": ""}, creating=False)
    assert codes(spec) == {("host", "REQUIRED")}
    assert validate_datasource({"port": 6543}, creating=False).values == {"port": 6543}


def test_schema_filter_is_deduplicated_and_sorted():
    spec = validate_datasource({**VALID, "schemas": ["b", "a", "b"]}, creating=True)
    assert spec.values["options"] == {"schemas": ["a", "b"]}


@pytest.mark.parametrize("host", ["é" * 70, "a..b", ".é", "ß" * 300, "a\u0085b", "db\u2028x", "x\ud800", "a b"])
def test_a_host_no_resolver_can_look_up_is_invalid(host):
    spec = validate_datasource({**VALID, "host": host}, creating=True)
    assert codes(spec) == {("host", "INVALID")}


@pytest.mark.parametrize("host", ["db", "db.example.com", "bücher.example", "127.0.0.1", "::1", "fe80::1%eth0"])
def test_names_internationalised_names_and_addresses_are_valid_hosts(host):
    assert validate_datasource({**VALID, "host": host}, creating=True).errors == []
