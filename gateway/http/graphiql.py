"""GraphiQL for browsers, served by the gateway itself: the page at `/graphql` (for `Accept: text/html`) and its
files (React, GraphiQL, the graphql-sse client) under `/graphiql/`, taken from `tools/graphiql/node_modules`.

The files are npm packages pinned in `tools/graphiql/package-lock.json` and installed by `axiom up` (or
`npm ci --prefix tools/graphiql`); nothing is fetched from a CDN, so the page works offline. Without them the
page says how to install them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from axiom.npm_packages import NpmInstallError, install_locked

GRAPHIQL_PACKAGE_DIR = Path(__file__).resolve().parents[2] / "tools" / "graphiql"
ASSETS_PATH = "/graphiql/"
# URL name → file inside node_modules; only these are served (no path from the client reaches the disk).
ASSETS = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
    "graphql-sse.js": "graphql-sse/umd/graphql-sse.min.js",
}
_PAGE_TEMPLATE = (Path(__file__).with_name("graphiql.html")).read_text()
_NOT_INSTALLED = (
    "GraphiQL's files are not installed. Run <code>npm ci --prefix tools/graphiql</code> "
    "(<code>uv run axiom up</code> does it) and reload this page."
)
DEFAULT_QUERY = """# Welcome to Axiom. Run this with the ▶ button (Ctrl-Enter); the Docs pane lists everything.
query Cubes {
  cubes {
    name
    factTable { name }
  }
}
"""


class AssetsNotInstalled(RuntimeError):
    """npm could not install GraphiQL's files."""


def assets_installed(package_dir: Path = GRAPHIQL_PACKAGE_DIR) -> bool:
    """Whether every file the page loads is on disk."""
    modules = package_dir / "node_modules"
    return all((modules / relative).is_file() for relative in ASSETS.values())


def install_assets(package_dir: Path = GRAPHIQL_PACKAGE_DIR) -> None:
    """Install the lockfile-pinned packages unless they already are (`npm ci`, from the npm registry)."""
    try:
        install_locked(package_dir)
    except NpmInstallError as exc:
        raise AssetsNotInstalled(str(exc)) from exc
    if not assets_installed(package_dir):
        raise AssetsNotInstalled(f"npm ci in {package_dir} did not install every file the page loads")


def render_page(headers: Mapping[str, str] | None, installed: bool) -> str:
    """The GraphiQL page; `headers` prefill its Headers tab (development: the demo token)."""
    config = {"headers": json.dumps(headers or {"Authorization": "Bearer "}, indent=2), "query": DEFAULT_QUERY}
    # `</` cannot end the inline script, whatever the values hold.
    script_safe = json.dumps(config).replace("</", "<\\/")
    page = _PAGE_TEMPLATE.replace("/*axiom-config*/null", script_safe)
    if not installed:
        page = page.replace(
            "<!--axiom-assets-->",
            f'<p class="missing">{_NOT_INSTALLED}</p><script>window.AXIOM_ASSETS_MISSING = true;</script>',
        )
    return page


class GraphiQLPage:
    """ASGI middleware: a browser opening `path` gets GraphiQL, `/graphiql/<file>` its files; everything else
    (API clients, which do not ask for text/html) goes on to the GraphQL app. `prefill_headers` gives the
    Headers tab of each page served (a fresh token each time)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str = "/graphql",
        prefill_headers: Callable[[], Mapping[str, str]] | None = None,
        package_dir: Path = GRAPHIQL_PACKAGE_DIR,
    ) -> None:
        self.app = app
        self.path = path
        self.prefill_headers = prefill_headers
        self.modules = package_dir / "node_modules"
        self.package_dir = package_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            response = self._respond(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _respond(self, scope: Scope) -> Response | None:
        path = scope["path"]
        if path.startswith(ASSETS_PATH):
            relative = ASSETS.get(path[len(ASSETS_PATH) :])
            file = self.modules / relative if relative else None
            if file is None or not file.is_file():
                return PlainTextResponse("Not Found", status_code=404)
            # Pinned versions: a browser may keep them for a day.
            return FileResponse(file, headers={"cache-control": "public, max-age=86400"})
        if path == self.path and b"query=" not in scope.get("query_string", b""):
            accept = dict(scope["headers"]).get(b"accept", b"")
            if b"text/html" in accept:
                headers = self.prefill_headers() if self.prefill_headers else None
                page = render_page(headers, assets_installed(self.package_dir))
                return HTMLResponse(page, headers={"cache-control": "no-store"})
        return None
