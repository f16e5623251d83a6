from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import (
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app import health
from app.audit.routes import router as events_router
from app.auth.deps import authenticate
from app.auth.routes import router as auth_router
from app.authorizations.routes import router as authorizations_router
from app.claims.routes import router as claims_router
from app.clients.routes import clients, establishments
from app.config import Settings, get_settings
from app.contracts.routes import router as contracts_router
from app.core.clock import Clock
from app.core.uploads import UploadSizeLimit
from app.db import CloseReadSessions, SessionFactory, SessionSource, make_engine
from app.deadlines.routes import router as deadlines_router
from app.errors import install_error_handlers, problem_openapi
from app.firms.routes import router as firm_router
from app.firms.routes import users
from app.habilitations.routes import router as habilitations_router
from app.legal.routes import router as legal_router
from app.legal.table import parameter_table

DESCRIPTION = """
Back office for accounting firms that file French partial-activity (*activité partielle*)
requests for their client establishments. Every resource belongs to the caller's firm account.

Authenticate with **Authorize** (OAuth2 password flow: your e-mail and password).
Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`.
"""

STATIC = "/static/docs"
TAGS = [
    {"name": "auth", "description": "Log in (OAuth2 password flow), refresh, log out."},
    {"name": "firm", "description": "Sign-up, the firm account and the calling user."},
    {"name": "users", "description": "The firm's users and their roles."},
    {"name": "clients", "description": "Client companies (SIREN) and their regimes."},
    {"name": "establishments", "description": "Establishments (SIRET), 200 active at most."},
    {"name": "contracts", "description": "Signed service contracts (R6, R7)."},
    {"name": "habilitation", "description": "The establishment's APART account steps (R8)."},
    {"name": "authorization requests", "description": "DAPs, decisions, amendments."},
    {"name": "claims", "description": "Monthly indemnity claims (DI), exports, summaries."},
    {"name": "amounts", "description": "Legal parameters and simulations (R23)."},
    {"name": "deadlines", "description": "What is due next (R25)."},
    {"name": "events", "description": "The audit trail (R26)."},
    {"name": "health", "description": "Liveness and readiness probes."},
]
# Nothing the docs pages load may come from elsewhere (ReDoc's bundle links a logo on a CDN).
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; connect-src 'self'"
)
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


class _NoOverrides(dict[Any, Any]):
    """`app.dependency_overrides` that says it cannot work, instead of being silently ignored."""

    def __setitem__(self, key: Any, value: Any) -> None:
        raise RuntimeError(
            "dependency_overrides do not reach this app's routes (see create_app): "
            "pass session_factory or clock to create_app instead"
        )

    def update(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            self.__setitem__(None, None)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    session_factory: SessionSource | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    parameter_table()  # fail at start-up, not on a request, if the parameter file is invalid
    engine = make_engine(settings)
    read_engine = make_engine(settings, for_reads=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()
        read_engine.dispose()

    app = FastAPI(
        title="APART filings API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=TAGS,
        swagger_ui_oauth2_redirect_url="/docs/oauth2-redirect",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock or Clock()
    app.state.session_factory = session_factory or SessionFactory(
        read_engine=read_engine, write_engine=engine
    )

    install_error_handlers(app, authenticate=authenticate)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
        )
    # Routes are matched in order: the most requested first (the docs order comes from TAGS).
    # Each router's routes are added to the app's own list rather than with `include_router`,
    # which keeps every router as a level of its own that is matched twice on each request
    # (about 30 µs of CPU per request here). Our routers carry their prefix, tags and responses
    # on each route already, and have no lifespan, events or body limits of their own. What is
    # lost: `app.dependency_overrides` would not reach these routes, so it is refused outright;
    # tests give `create_app` their own session factory and clock instead.
    routers = (
        establishments,
        clients,
        health.router,
        auth_router,
        firm_router,
        users,
        contracts_router,
        habilitations_router,
        authorizations_router,
        claims_router,
        deadlines_router,
        events_router,
        legal_router,
    )
    for router in routers:
        app.router.routes.extend(router.routes)
    app.dependency_overrides = _NoOverrides()
    fastapi_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return problem_openapi(fastapi_openapi())

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(UploadSizeLimit, limit=settings.max_upload_bytes)
    app.add_middleware(CloseReadSessions)
    _mount_docs(app)
    return app


def _mount_docs(app: FastAPI) -> None:
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
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(
            REDOC_PAGE.format(title=f"{app.title} - ReDoc", static=STATIC),
            headers={"Content-Security-Policy": DOCS_CSP},
        )


_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    # `app.main:app` is built on first access, so importing this module has no side effects.
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = create_app()
    return _app
