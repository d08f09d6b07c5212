import json
import logging

from axiom.logs import JsonFormatter


def test_json_logs_redact_secret_fields():
    record = logging.LogRecord("weaver", logging.INFO, __file__, 1, "created %s", ("ds",), None)
    record.password = "hunter2"
    record.datasource_id = "ds-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "created ds" and line["datasource_id"] == "ds-1"
    assert line["password"] == "[redacted]" and "hunter2" not in json.dumps(line)
