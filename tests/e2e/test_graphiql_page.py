"""GraphiQL in a real browser (headless Chromium) with no internet: the page and its files come from the gateway,
it opens with the demo token and the schema docs, runs a query, and streams a subscription over SSE."""

from __future__ import annotations

import re

import httpx
import pytest

from axiom.demo import DEMO_TENANT
from gateway.http.graphiql import install_assets
from tests.e2e.browser import SCREENSHOTS, OfflineNetwork, ensure_chromium

WATCH = 'subscription Watch {\n  cubeRefreshes(cube: "Sales") {\n    id\n    status\n    rows\n  }\n}\n'
REFRESH = "mutation($id: ID!) { refreshCube(id: $id) { run { id } userErrors { code } } }"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    install_assets()  # the project's own setup, as `axiom up` runs it
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh tab; its last state is saved as `test-output/<test name>.png`, passed or failed."""
    offline = OfflineNetwork()
    context = browser.new_context(viewport={"width": 1400, "height": 800})
    context.route("**/*", offline.route)
    page = context.new_page()
    page.offline = offline
    try:
        yield page
    finally:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
        context.close()


def _response_text(page) -> str:
    return page.locator(".graphiql-response .CodeMirror").evaluate("node => node.CodeMirror.getValue()")


def _start_refresh(gateway_url: str, token: str) -> str:
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway_url, headers=headers, timeout=30) as client:
        cube_id = client.post("/graphql", json={"query": '{ cube(name: "Sales") { id } }'}).json()["data"]["cube"]["id"]
        body = client.post("/graphql", json={"query": REFRESH, "variables": {"id": cube_id}}).json()
    assert body["data"]["refreshCube"]["userErrors"] == [], body
    return body["data"]["refreshCube"]["run"]["id"]


def test_graphiql_runs_offline_with_the_demo_token_docs_a_query_and_a_subscription(system, page, make_token):
    page.goto(system["gateway"] + "/graphql")
    page.wait_for_selector(".graphiql-container", timeout=20_000)

    headers = page.locator(".graphiql-editor-tool .CodeMirror").last.evaluate("node => node.CodeMirror.getValue()")
    assert re.search(r'"Authorization": "Bearer [\w-]+\.[\w-]+\.[\w-]+"', headers), headers
    # The Docs pane opens on the schema, fetched with that token.
    page.locator(".graphiql-doc-explorer").get_by_text("Query", exact=True).first.wait_for(timeout=20_000)

    page.locator(".graphiql-execute-button").click()  # the page's ready-made query
    page.wait_for_function(
        "() => document.querySelector('.graphiql-response').innerText.includes('order_lines')", timeout=20_000
    )
    assert '"name": "Sales"' in _response_text(page)

    page.locator(".graphiql-query-editor .CodeMirror").evaluate(f"(node) => node.CodeMirror.setValue({WATCH!r})")
    page.wait_for_timeout(1000)  # GraphiQL reads the edited document's operation names after a debounce
    page.locator(".graphiql-execute-button").click()
    page.wait_for_function(
        "() => document.querySelector('.graphiql-response').innerText.includes('cubeRefreshes')", timeout=20_000
    )
    latest = _response_text(page)  # first event: the latest run, from before the test
    run_id = _start_refresh(system["gateway"], make_token(DEMO_TENANT))
    assert f'"id": "{run_id}"' not in latest
    # Later events replace it in the result pane: the run just started, until it has succeeded.
    page.wait_for_function(
        "([id]) => { const text = document.querySelector('.graphiql-response').innerText;"
        " return text.includes(id) && text.includes('SUCCEEDED'); }",
        arg=[run_id],
        timeout=30_000,
    )
    assert page.offline.blocked == []
