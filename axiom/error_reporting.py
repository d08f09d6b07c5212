"""Unhandled errors of every process reported to Sentry (SENTRY_DSN), tagged with the service, the tenant and
the request id, and scrubbed of secrets before they leave the process.

What is reported: every log record at ERROR with a traceback (a masked resolver error, a gateway execution
failure, a failed ETL sync — the places our code catches faults so that clients never see them) and any
exception escaping the ASGI app. Client mistakes are not ERROR records, so they are not reported.

No request bodies, local variables or default PII (off by default) are attached; `scrub_event` then redacts
Authorization headers, cookies, passwords, tokens and sealed values from whatever remains (messages, exception
values, breadcrumbs, extras).
"""

from __future__ import annotations

import secrets
from typing import Any

import sentry_sdk
from starlette.types import ASGIApp, Receive, Scope, Send

from axiom.redaction import REDACTED, redact, redact_value
from axiom.settings import Settings

_MAX_DEPTH = 12
# Set once reporting starts: checked on every request, where even asking Sentry's client costs time for nothing.
_reporting = False


def init_error_reporting(settings: Settings, service: str) -> bool:
    """Start reporting when SENTRY_DSN is set; True when it was."""
    if not settings.sentry_dsn:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.app_env,
        include_local_variables=False,  # frames' locals hold passwords and tokens
        max_request_body_size="never",
        auto_enabling_integrations=False,  # no framework integration attaches request data behind our back
        before_send=scrub_event,  # type: ignore[arg-type]  # sentry types events as TypedDicts; ours are plain dicts
        before_breadcrumb=_scrub_breadcrumb,
    )
    sentry_sdk.set_tag("service", service)
    global _reporting
    _reporting = True
    return True


def tag_request(*, tenant: str | None = None, request_id: str | None = None) -> None:
    """Tag errors reported for the current request (a no-op without SENTRY_DSN)."""
    if not _reporting:
        return
    if tenant is not None:
        sentry_sdk.set_tag("tenant", tenant)
    if request_id is not None:
        sentry_sdk.set_tag("request_id", request_id)


class ErrorReportingMiddleware:
    """One error-reporting scope per HTTP request or WebSocket: its tags (request id, tenant) stay with its
    errors; an exception escaping the app is reported, then re-raised."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Without a DSN nothing is reported: no scope to open, no request id to draw (per-request CPU).
        if not _reporting or scope["type"] not in ("http", "websocket") or sentry_sdk.get_client().transport is None:
            await self.app(scope, receive, send)
            return
        with sentry_sdk.isolation_scope():
            # A subgraph replaces this with the gateway's operation id once the call's signature is verified.
            tag_request(request_id=secrets.token_hex(12))
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                sentry_sdk.capture_exception(exc)
                raise


def scrub_event(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event with secrets removed; applied to every event before it is sent."""
    request = event.get("request")
    if isinstance(request, dict):
        for name in ("cookies", "data", "query_string"):
            if name in request:
                request[name] = REDACTED
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: redact_value(k, v) for k, v in headers.items()}
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = redact(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for key in ("logentry", "extra", "contexts", "breadcrumbs", "tags", "message"):
        if key in event:
            event[key] = _scrub(event[key], key, 0)
    return event


def _scrub_breadcrumb(crumb: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    scrubbed: dict[str, Any] = _scrub(crumb, "breadcrumb", 0)
    return scrubbed


def _scrub(value: Any, key: str, depth: int) -> Any:
    """Redact recursively: values under secret-looking keys entirely, other strings by pattern."""
    if depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, dict):
        return {k: _scrub(redact_value(str(k), v), str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(item, key, depth + 1) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value
