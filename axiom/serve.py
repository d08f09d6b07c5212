"""Serve one Axiom process (gateway, weaver or vision) with uvicorn."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

from axiom.error_reporting import ErrorReportingMiddleware, init_error_reporting
from axiom.logs import configure_logging
from axiom.settings import Settings


def build_app(service: str, settings: Settings) -> ASGIApp:
    """The process's ASGI app, inside its error-reporting scope."""
    create_app: Callable[[Settings], ASGIApp]
    if service == "weaver":
        from subgraphs.weaver.app import create_app
    elif service == "vision":
        from subgraphs.vision.app import create_app
    elif service == "gateway":
        from gateway.main import create_app
    else:
        raise ValueError(f"unknown service {service!r}")
    return ErrorReportingMiddleware(create_app(settings))


def bind_address(service: str, settings: Settings) -> tuple[str, int]:
    return {
        "gateway": (settings.gateway_host, settings.gateway_port),
        "weaver": (settings.weaver_host, settings.weaver_port),
        "vision": (settings.vision_host, settings.vision_port),
    }[service]


def serve(service: str, settings: Settings) -> None:
    configure_logging(settings, service)
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
