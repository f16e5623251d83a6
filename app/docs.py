"""The documentation pages, served from bundled assets: they work without internet access."""

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/static/docs"
# Nothing the docs pages load may come from elsewhere (ReDoc's bundle links a logo on a CDN).
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; connect-src 'self'; "
    # and no other site may frame them (clickjacking the Authorize dialog)
    "frame-ancestors 'none'"
)
DOCS_HEADERS = {"Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff"}
REDOC_PAGE = """<!DOCTYPE html>
<html>
<head>
<title>{title}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="shortcut icon" href="{static}/favicon.png">
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<div id="redoc"></div>
<script src="{static}/redoc.standalone.js"></script>
<script>Redoc.init("/openapi.json", {{}}, document.getElementById("redoc"));</script>
</body>
</html>
"""


def mount_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from bundled assets: the docs work without internet access."""
    app.mount(STATIC, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.png",
            init_oauth={"scopes": ""},
            swagger_ui_parameters={"persistAuthorization": True},
        )
        page.headers.update(DOCS_HEADERS)
        return page

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_redirect() -> HTMLResponse:
        page = get_swagger_ui_oauth2_redirect_html()
        page.headers.update(DOCS_HEADERS)
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(
            REDOC_PAGE.format(title=f"{app.title} - ReDoc", static=STATIC),
            headers=DOCS_HEADERS,
        )
