"""The pages a person opens in a browser: `/` (what this service is) and `/graphiql` (the IDE).

GraphiQL 3.9 is served from this package's own files (`api/static/graphiql/`: the UMD builds of
graphiql, which bundles graphql-js, react and react-dom, from npm, with their licenses), so the
page works without internet. It is public: the page holds no data, and every query it sends to
`/graphql` carries the token typed into its header editor. A browser's GET of `/graphql` (Accept
`text/html`, no `query`) gets the same page.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.ide_examples import DEFAULT_DOCUMENT, EXAMPLES

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"
IDE_PATH = "/graphiql"
ASSETS = f"{STATIC_PATH}/graphiql"

_PUBLIC = frozenset({"/", IDE_PATH})


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def wants_ide(scope: Scope) -> bool:
    """A browser opening `/graphql`: GET, accepts HTML, no `query` in the query string."""
    if scope.get("method") != "GET":
        return False
    accept = b""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            accept = value
    return b"text/html" in accept and b"query=" not in scope.get("query_string", b"")


def is_public(scope: Scope) -> bool:
    """Paths served without credentials: the pages and their assets (no data in them)."""
    path: str = scope.get("path", "")
    if path in _PUBLIC or path.startswith(ASSETS + "/"):
        return scope.get("method") in ("GET", "HEAD")
    return path == "/graphql" and wants_ide(scope)


def graphiql_html(auth_enabled: bool) -> str:
    """The IDE page: the vendored assets, the default document and one tab per example."""
    headers = '{\n  "Authorization": "Bearer <paste a token here>"\n}' if auth_enabled else ""
    tabs = [
        {
            "query": e.query,
            "variables": orjson.dumps(e.variables, option=orjson.OPT_INDENT_2).decode()
            if e.variables
            else None,
            "headers": headers or None,
        }
        for e in EXAMPLES
    ]
    config = {"url": "/graphql", "query": DEFAULT_DOCUMENT, "headers": headers, "tabs": tabs}
    # Inside <script>, only "</" could end the element early; JSON escapes it as "<\/".
    payload = orjson.dumps(config).decode().replace("</", "<\\/")
    return _PAGE.replace("__ASSETS__", ASSETS).replace("__CONFIG__", payload)


def index_html(ide: bool) -> str:
    link = (
        f'<li><a href="{IDE_PATH}">GraphiQL</a>: explore the schema and run queries in the '
        "browser (example operations for each kind of user in its tabs).</li>"
        if ide
        else ""
    )
    return _INDEX.replace("__IDE__", link)


async def index(request: Request) -> HTMLResponse:
    return HTMLResponse(index_html(request.app.state.settings.api_graphiql))


async def graphiql(request: Request) -> HTMLResponse:
    return HTMLResponse(graphiql_html(request.app.state.settings.auth_enabled))


_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>customer360</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .2em}</style></head>
<body><h1>customer360</h1>
<p>A GraphQL API over one graph of customers (people, households, organizations), brokers,
employees, their orders, interactions, survey answers, referrals and buying committees, with
lifetime value, churn risk and portfolio KPIs.</p>
<ul>
__IDE__
<li><code>POST /graphql</code>: the API (GraphQL over HTTP; send
<code>Authorization: Bearer &lt;token&gt;</code>).</li>
<li><code>GET /healthz</code>, <code>GET /readyz</code>: liveness and readiness.</li>
</ul>
<p>docs/api.md in the repository walks a frontend developer through the first hour.</p>
</body></html>
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>customer360 GraphiQL</title>
<style>body{margin:0;height:100vh;overflow:hidden}#graphiql{height:100vh}</style>
<link rel="stylesheet" href="__ASSETS__/graphiql.min.css">
<script src="__ASSETS__/react.production.min.js"></script>
<script src="__ASSETS__/react-dom.production.min.js"></script>
<script src="__ASSETS__/graphiql.min.js"></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="graphiql-config" type="application/json">__CONFIG__</script>
<script>
(function () {
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: new URL(config.url, location.href).href });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: config.query,
    defaultHeaders: config.headers,
    defaultTabs: config.tabs,
    headerEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: config.headers ? "headers" : false
  }));
})();
</script>
</body>
</html>
"""
