"""Error reports (Sentry): the gateway process reports an unexpected fault with its tags, and every event is
scrubbed of tokens, cookies, passwords and sealed values before it leaves the process."""

from __future__ import annotations

import httpx
import pytest
import sentry_sdk

from axiom.auth import issue_token
from axiom.error_reporting import init_error_reporting, scrub_event
from axiom.secrets import SecretBox
from axiom.serve import build_app
from gateway.transport import HttpTransport
from tests.sentry_receiver import SentryReceiver


@pytest.fixture
def reporting_to_receiver(services_settings):
    """This test process reports to a local receiver; reporting is switched off again afterwards."""
    with SentryReceiver() as receiver:
        assert init_error_reporting(services_settings.replace(sentry_dsn=receiver.dsn), "gateway")
        try:
            yield receiver
        finally:
            sentry_sdk.get_client().close(timeout=2)
            sentry_sdk.init()  # no DSN: nothing is sent any more


async def test_a_gateway_fault_is_reported_with_tenant_and_request_id_and_no_token(
    services_settings, reporting_to_receiver, monkeypatch, tenant_id
):
    async def broken_send(self, subgraph, url, body, headers, **_):
        # A fault whose text carries the caller's headers, as careless error messages do.
        raise RuntimeError(f"upstream {subgraph} rejected headers {dict(headers)}")

    monkeypatch.setattr(HttpTransport, "send", broken_send)
    token = issue_token(services_settings, tenant_id=tenant_id, subject="u", roles=("analyst",))
    app = build_app("gateway", services_settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        response = await client.post(
            "/graphql", json={"query": "{ dataSources { totalCount } }"}, headers={"authorization": f"Bearer {token}"}
        )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    sentry_sdk.flush(timeout=5)
    event = reporting_to_receiver.wait_for_event(lambda e: (e.get("tags") or {}).get("tenant") == tenant_id)
    assert event["tags"]["service"] == "gateway" and len(event["tags"]["request_id"]) == 24
    assert "rejected headers" in event["exception"]["values"][0]["value"]
    assert token not in "".join(reporting_to_receiver.raw)


def test_scrub_event_removes_tokens_cookies_passwords_and_sealed_values():
    sealed = SecretBox("k" * 32).encrypt("hunter2", context="row-1")
    event = {
        "request": {
            "headers": {
                "Authorization": "Bearer eyJ.secret.sig",
                "Cookie": "session=abc",
                "Accept": "application/json",
            },
            "cookies": {"session": "abc"},
            "data": {"password": "hunter2"},
            "query_string": "token=t1",
        },
        "exception": {
            "values": [
                {
                    "value": f"failed for password=hunter2 with {sealed}",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"password": "hunter2"}}]},
                }
            ]
        },
        "logentry": {"message": "connect postgresql://u:pg-pass@db/x", "params": ["Bearer eyJ.other.sig"]},
        "extra": {"api_key": "sk-123", "datasource": {"password_encrypted": sealed, "name": "ok"}},
        "breadcrumbs": {"values": [{"message": "sent Authorization: Bearer eyJ.third.sig"}]},
    }
    scrubbed = str(scrub_event(event))
    for secret in ("eyJ", "session=abc", "hunter2", sealed, "pg-pass", "sk-123", "t1"):
        assert secret not in scrubbed, secret
    assert "application/json" in scrubbed and "'name': 'ok'" in scrubbed
