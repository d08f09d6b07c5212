"""Serve one Axiom process (the gateway or a subgraph of `subgraphs.registry`) with uvicorn."""

from __future__ import annotations

import importlib
import logging
import sys

import uvicorn
from starlette.types import ASGIApp

from axiom.error_reporting import ErrorReportingMiddleware, init_error_reporting
from axiom.logs import LogSettings, configure_logging
from axiom.settings import Settings, warn_about_environment
from axiom.standby import inherited_listener, standing_by, wait_for_promotion
from subgraphs.registry import subgraph_named

GATEWAY = "gateway"

log = logging.getLogger(__name__)

# Imported by a lifespan on first use rather than by the app (SQLAlchemy loads its dialect in create_engine): about
# half a second a promoted standby would spend before serving, so a standby imports them while it warms up.
LIFESPAN_IMPORTS = {
    "weaver": ("sqlalchemy.dialects.postgresql.asyncpg",),
    "vision": ("sqlalchemy.dialects.postgresql.asyncpg",),
}


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
    """Serve on the socket `up` passed down (else bind the service's address). A warm standby of `up` gets all
    the way to a loaded app first, then waits to be promoted (see `axiom.standby`)."""
    configure_logging(LogSettings.of(settings), service)
    warn_about_environment()
    init_error_reporting(settings, service)
    host, port = bind_address(service, settings)
    config = uvicorn.Config(
        build_app(service, settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    config.load()  # uvicorn's protocol classes and middleware: work a standby does before it is needed
    listener = inherited_listener()
    if standing_by():
        for module in LIFESPAN_IMPORTS.get(service, ()):
            importlib.import_module(module)
        log.info("standing by to take over from %s", service)
    if not wait_for_promotion():
        return  # `up` ended while we stood by
    server = uvicorn.Server(config)
    server.run(sockets=[listener] if listener else None)
    if not server.started:
        sys.exit(3)  # as uvicorn.run: the lifespan failed to start
