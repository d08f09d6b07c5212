"""Serve one Axiom process (the gateway or a subgraph of `subgraphs.registry`) with uvicorn."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from axiom.error_reporting import ErrorReportingMiddleware, init_error_reporting
from axiom.logs import LogSettings, configure_logging
from axiom.settings import Settings, warn_about_environment
from subgraphs.registry import subgraph_named

GATEWAY = "gateway"


def build_app(service: str, settings: Settings) -> ASGIApp:
    """The process's ASGI app, inside its error-reporting scope."""
    if service == GATEWAY:
        from gateway.main import create_app

        return ErrorReportingMiddleware(create_app(settings))
    return ErrorReportingMiddleware(subgraph_named(service).create_app(settings))


def bind_address(service: str, settings: Settings) -> tuple[str, int]:
    if service == GATEWAY:
        return settings.gateway_host, settings.gateway_port
    endpoint = settings.endpoint(service)
    return endpoint.host, endpoint.port


def serve(service: str, settings: Settings) -> None:
    configure_logging(LogSettings.of(settings), service)
    warn_about_environment()
    init_error_reporting(settings, service)
    host, port = bind_address(service, settings)
    uvicorn.run(
        build_app(service, settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
