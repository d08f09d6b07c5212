import json
import logging

from axiom.logs import ConsoleFormatter, JsonFormatter
from axiom.redaction import redact
from axiom.secrets import SecretBox


def test_json_logs_redact_secret_fields():
    record = logging.LogRecord("weaver", logging.INFO, __file__, 1, "created %s", ("ds",), None)
    record.password = "hunter2"
    record.datasource_id = "ds-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "created ds" and line["datasource_id"] == "ds-1"
    assert line["password"] == "[redacted]" and "hunter2" not in json.dumps(line)


def test_log_lines_redact_statement_parameters_sealed_values_and_tokens():
    sealed = SecretBox("k" * 32).encrypt("hunter2", context="row-1")
    error_text = (
        f"(asyncpg.Error) boom\n[SQL: INSERT INTO t VALUES ($1, $2)]\n[parameters: ('row-1', '{sealed}')]\n"
        "(Background on this error at: https://sqlalche.me/e/21/dbapi)"
    )
    record = logging.LogRecord("weaver", logging.ERROR, __file__, 1, "failed: %s", (error_text,), None)
    record.headers = "Authorization: Bearer eyJabc.def.ghi"
    for line in (JsonFormatter().format(record), ConsoleFormatter("%(message)s").format(record)):
        assert "boom" in line and "INSERT INTO t" in line
        assert "row-1" not in line and sealed not in line and "eyJabc" not in line


def test_redact_hides_constraint_rows_url_passwords_and_password_pairs():
    text = redact("Failing row contains (1, secret-row). url postgresql://u:pw1@h/db password=pw2 token: 'pw3'")
    assert "secret-row" not in text and "pw1" not in text and "pw2" not in text and "pw3" not in text
    assert "postgresql://u:" in text


def test_every_sealed_value_is_recognised():
    box = SecretBox("k" * 32)
    for n in range(200):  # the nonce varies the second character
        sealed = box.encrypt(f"pw-{n}", context="row")
        assert sealed not in redact(f"value {sealed} end")
