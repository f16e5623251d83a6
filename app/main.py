import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import health
from app.api_clients.routes import router as api_clients_router
from app.apld.routes import router as apld_router
from app.apld.table import apld_table
from app.audit.routes import router as events_router
from app.auth.deps import authenticate
from app.auth.routes import router as auth_router
from app.authorizations.routes import router as authorizations_router
from app.bulk.routes import methods as batch_methods
from app.bulk.routes import router as bulk_router
from app.claims.apld.routes import router as apld_claims_router
from app.claims.claw_backs.routes import router as claw_backs_router
from app.claims.routes import router as claims_router
from app.clients.routes import clients, establishments
from app.config import Settings, get_settings
from app.contracts.routes import router as contracts_router
from app.core import crypto
from app.core.clock import Clock
from app.core.headers import SecurityHeaders
from app.core.uploads import BodySizeLimit
from app.db import (
    CloseReadSessions,
    Gate,
    SessionFactory,
    SessionSource,
    make_engine,
    write_concurrency,
)
from app.deadlines.routes import router as deadlines_router
from app.docs import mount_docs
from app.firms.routes import router as firm_router
from app.firms.routes import users
from app.habilitations.routes import router as habilitations_router
from app.idempotency.middleware import IdempotencyKeys
from app.idempotency.openapi import declare_idempotency
from app.legal.routes import router as legal_router
from app.legal.table import parameter_table
from app.openapi import contract_openapi, method_not_allowed_openapi, problem_openapi
from app.openapi_answers import response_examples_openapi
from app.openapi_apld_examples import APLD_EXAMPLES
from app.openapi_bulk_examples import BULK_ANSWERS, BULK_REQUESTS
from app.openapi_examples import REQUEST_EXAMPLES, RESPONSE_EXAMPLES
from app.openapi_responses import SCHEMA_EXAMPLES
from app.openapi_steps import OPERATION_EXAMPLES
from app.openapi_webhook_examples import WEBHOOK_EXAMPLES, WEBHOOK_REQUEST_EXAMPLES
from app.problems import install_error_handlers, problem_codes
from app.webhooks import worker as webhooks_worker
from app.webhooks.routes import router as webhooks_router

DESCRIPTION = """
Back office for accounting firms that file French partial-activity (*activité partielle*)
requests for their client establishments. Every resource belongs to the caller's firm account.

Authenticate with **Authorize**: the OAuth2 password flow (your e-mail and password), or the
client credentials flow (an API client's id and secret, see `POST /v1/api-clients`).
Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`.
"""

TAGS = [
    {
        "name": "auth",
        "description": "Log in (OAuth2 password or client credentials flow), refresh, log out.",
    },
    {"name": "firm", "description": "Sign-up, the firm account and the calling user."},
    {"name": "users", "description": "The firm's users and their roles."},
    {
        "name": "api clients",
        "description": "Machine clients (payroll software): OAuth2 client credentials.",
    },
    {"name": "clients", "description": "Client companies (SIREN) and their regimes."},
    {"name": "establishments", "description": "Establishments (SIRET), 200 active at most."},
    {"name": "contracts", "description": "Signed service contracts (R6, R7)."},
    {"name": "habilitation", "description": "The establishment's APART account steps (R8)."},
    {"name": "authorization requests", "description": "DAPs, decisions, amendments."},
    {"name": "apld", "description": "APLD agreements, decisions, authorizations (R35–R38)."},
    {"name": "claims", "description": "Monthly indemnity claims (DI), exports, summaries."},
    {"name": "amounts", "description": "Legal parameters and simulations (R23)."},
    {"name": "deadlines", "description": "What is due next (R25)."},
    {
        "name": "bulk",
        "description": "Batches of up to 200 creates, and the CSV import of establishments.",
    },
    {"name": "events", "description": "The audit trail (R26)."},
    {"name": "webhooks", "description": "Signed event deliveries (Standard Webhooks)."},
    {"name": "health", "description": "Liveness and readiness probes."},
]


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


# Objects the collector lets accumulate (allocations less deallocations) before it looks at
# the youngest generation; Python's default is 700. A request allocates thousands (a claim of
# 300 lines, tens of thousands), nearly all freed by their reference counts when it ends: at
# 700 the collector ran every few hundred microseconds of such a request, walking objects still
# in use, and promoted them to older generations, whose collections walk them again.
YOUNG_GENERATION = 10_000


def settle_memory() -> None:
    """Once per process, when it starts serving: everything made at start-up (the app, the
    parameter table, imported modules) lives as long as the process, out of the collector's
    reach, so that full collections stay short; then the young generation's threshold."""
    if gc.get_freeze_count():  # tests make many apps
        return
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, old)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    session_factory: SessionSource | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    parameter_table()  # fail at start-up, not on a request, if the parameter file is invalid
    apld_table()
    crypto.install(crypto.FieldCipher(settings.nir_keys))
    engine = make_engine(settings)
    read_engine = make_engine(settings, for_reads=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settle_memory()
        stop = asyncio.Event()
        delivering = None
        if settings.webhook_worker_in_process:  # SQLite's single writer: deliver from here
            sender = webhooks_worker.sender(engine, settings, app.state.clock)
            delivering = asyncio.create_task(
                webhooks_worker.run(
                    sender,
                    poll_seconds=settings.webhook_poll_seconds,
                    scan_seconds=settings.webhook_scan_interval_seconds,
                    stop=stop,
                )
            )
        yield
        stop.set()
        if delivering is not None:
            await delivering
        await engine.dispose()
        await read_engine.dispose()

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
    app.state.write_gate = Gate(
        limit=write_concurrency(settings), timeout=settings.db_admission_timeout_seconds
    )
    app.state.heavy_read_gate = Gate(
        limit=settings.heavy_reads_in_flight, timeout=settings.heavy_read_wait_seconds
    )
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
        batch_methods,
        establishments,
        clients,
        health.router,
        auth_router,
        firm_router,
        users,
        api_clients_router,
        contracts_router,
        habilitations_router,
        authorizations_router,
        apld_router,
        claims_router,
        apld_claims_router,
        claw_backs_router,
        deadlines_router,
        events_router,
        webhooks_router,
        legal_router,
        bulk_router,
    )
    for router in routers:
        app.router.routes.extend(router.routes)
    app.dependency_overrides = _NoOverrides()
    fastapi_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        document = contract_openapi(
            problem_openapi(declare_idempotency(fastapi_openapi())),
            {**REQUEST_EXAMPLES, **BULK_REQUESTS, **WEBHOOK_REQUEST_EXAMPLES},
            problem_codes(),
            {**RESPONSE_EXAMPLES, **BULK_ANSWERS},
        )
        document = response_examples_openapi(
            document, {**SCHEMA_EXAMPLES, **APLD_EXAMPLES, **WEBHOOK_EXAMPLES}, OPERATION_EXAMPLES
        )
        return method_not_allowed_openapi(document)

    app.openapi = openapi  # type: ignore[method-assign]
    # Inside the body limits (a keyed request's body is read whole here) and the read sessions'
    # closing (the caller is authenticated here).
    app.add_middleware(IdempotencyKeys, authenticate=authenticate)
    app.add_middleware(
        BodySizeLimit,
        upload_limit=settings.max_upload_bytes,
        json_limit=settings.max_json_bytes,
    )
    app.add_middleware(CloseReadSessions)
    app.add_middleware(SecurityHeaders, token_paths=("/v1/auth/token", "/v1/auth/refresh"))
    mount_docs(app)
    return app


_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    # `app.main:app` is built on first access, so importing this module has no side effects.
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = create_app()
    return _app
