"""The one rendering of errors: RFC 9457 problem details (application/problem+json)."""

import logging
import re
import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security.base import SecurityBase
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.errors import (
    DatabaseUnavailable,
    DomainError,
    FieldError,
    InvalidFields,
    ItemOutcome,
    ItemProblem,
    Overloaded,
    Problem,
    problem_type,
)

log = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Iterable[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    items: Iterable[ItemOutcome] | None = None,
) -> JSONResponse:
    body = Problem(
        type=problem_type(code),
        title=title,
        status=status,
        detail=detail,
        code=code,
        errors=list(errors) if errors is not None else None,
        items=list(items) if items is not None else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def problem_codes() -> list[str]:
    """Every `code` a problem can carry: the domain errors' (every domain imported by then) and
    those of the handlers here; the document lists them as `Problem.code`'s enum."""
    found, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo.extend(cls.__subclasses__())
    found |= set(_HTTP_CODES.values()) | {"http_error", "validation_error", "internal_error"}
    return sorted(found)


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc else "body"
        path = loc[1:] if len(loc) > 1 else []
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "unknown field, or a field that cannot be set here"
        if err.get("type") == "json_invalid":  # the location is a character position
            reason = (err.get("ctx") or {}).get("error", "")
            position = f" at character {path[0]}" if path else ""
            message, path = f"the body is not valid JSON{position}: {reason}".rstrip(": "), []
        out.append(
            FieldError(
                location=location,
                field=".".join(path) or location,
                type=str(err.get("type", "invalid")),
                message=message,
            )
        )
    return out


def domain_problem(exc: DomainError) -> JSONResponse:
    """The problem answer of a domain error."""
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        items=exc.items,
    )


def item_problem(exc: DomainError) -> ItemProblem:
    """The problem of one item of a batch: what `domain_problem` would answer for it alone."""
    return ItemProblem(
        type=problem_type(exc.code),
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        code=exc.code,
        errors=exc.errors,
    )


def invalid_fields(errors: Sequence[Any], location: str = "body") -> InvalidFields:
    """pydantic's errors of a value checked after the request was read (`ValidationError
    .errors()`), as the 422 a request body with them gets."""
    located = [{**e, "loc": (location, *e.get("loc", ()))} for e in errors]
    return InvalidFields(_field_errors(RequestValidationError(located)))


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_problem(exc)


Authenticate = Callable[[Request, list[str]], Awaitable[object]]


def _token_scopes(route: object) -> list[str] | None:
    """The scopes a route's security dependency asks for, or None when the route is not behind
    a token. A walk of a few nodes, on error answers only."""
    pending = list(getattr(getattr(route, "dependant", None), "dependencies", ()))
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, SecurityBase):
            return [*(dependant.parent_oauth_scopes or ()), *(dependant.own_oauth_scopes or ())]
        pending.extend(dependant.dependencies)
    return None


async def _unauthenticated(request: Request) -> JSONResponse | None:
    """FastAPI reads and checks the body before it runs the route's dependencies, so a caller
    who may not use the route would learn about the body first (a 400 or 422). The caller
    comes first: the token, the user and the scopes are checked here as the route would."""
    authenticate: Authenticate | None = getattr(request.app.state, "authenticate", None)
    scopes = _token_scopes(request.scope.get("route"))
    if authenticate is None or scopes is None:
        return None
    try:
        await authenticate(request, scopes)
    except DomainError as exc:
        return await _domain_error(request, exc)
    return None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if (refused := await _unauthenticated(request)) is not None:
        return refused
    errors = _field_errors(exc)
    fields = ", ".join(sorted({e.field for e in errors}))
    return problem_response(
        status=422,
        code="validation_error",
        title="Invalid input",
        detail=f"The request is invalid: {fields}",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    if status == 400 and (refused := await _unauthenticated(request)) is not None:
        return refused
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405 and "Allow" in headers:  # from a route (not from the static files)
        headers["Allow"] = _allowed_methods(request) or headers["Allow"]
    return problem_response(
        status=status,
        code=_HTTP_CODES.get(status, "http_error"),
        title=phrase,
        detail=detail,
        headers=headers or None,
    )


def _allowed_methods(request: Request) -> str:
    """Every method the path answers to: each method of a path is a route of its own, and the
    route that answers 405 knows only its own methods."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(dict(request.scope))[0] != Match.NONE:
            methods |= route_methods
    return ", ".join(sorted(methods))


# SQLSTATE classes of a database that cannot serve now: connection exceptions, insufficient
# resources (too many connections), and the server shutting down or starting up.
_UNAVAILABLE_CLASSES = ("08", "53")
_UNAVAILABLE_STATES = ("57P01", "57P02", "57P03")


def database_unavailable(exc: BaseException) -> bool:
    """A database error that says the database cannot be reached or take a connection now."""
    if not isinstance(exc, OperationalError):
        return False
    if exc.connection_invalidated:
        return True
    if not hasattr(exc.orig, "sqlstate"):  # SQLite's errors have no SQLSTATE
        return False
    state: str | None = getattr(exc.orig, "sqlstate", None)
    # psycopg gives no SQLSTATE when it could not connect at all (refused, unreachable)
    return state is None or state.startswith(_UNAVAILABLE_CLASSES) or state in _UNAVAILABLE_STATES


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    """No pooled connection within the pool's timeout, or SQLite's write lock still held after
    its busy timeout: the service is overloaded, not broken. A database that cannot be reached
    or take another connection: unavailable for now. Anything else is a bug."""
    if isinstance(exc, PoolTimeout) or (
        isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)
    ):
        log.warning("overloaded: %s", type(exc).__name__)
        return await _domain_error(request, Overloaded())
    if database_unavailable(exc):
        log.warning("database unavailable: %s", _describe(exc, set()))
        return await _domain_error(request, DatabaseUnavailable())
    return await _unexpected(request, exc)


# A social security number (NIR) as written, spaced or not: sex, year, month, department (2A
# and 2B for Corsica), commune, order number, and its key when present.
_NIR = re.compile(r"\b[1-478](?:\s?\d){4}\s?(?:\d\d|2[AB])(?:\s?\d){6}(?:\s?\d\d)?\b", re.I)
_STATEMENT_CHARS = 500


def _describe(exc: BaseException, drivers: set[int]) -> str:
    """What the log says of one exception of the chain. A database error's text carries the
    data: the statement's parameters (unless the engine hides them) and, from the server,
    the values of a refused row; only its kind, code and statement are kept."""
    if isinstance(exc, StatementError):
        orig = exc.orig
        drivers.add(id(orig))
        code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
        statement = (exc.statement or "")[:_STATEMENT_CHARS]
        return f"{type(orig).__name__}{f' ({code})' if code else ''} on: {statement}"
    if id(exc) in drivers:
        return "(the database's message is not logged: it may hold the row's values)"
    return _NIR.sub("<nir>", str(exc))


def safe_traceback(exc: BaseException) -> str:
    """The traceback of an unexpected error, oldest exception first as Python prints it, with
    no personal data: frames (code, never values) and `_describe`d messages."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    drivers: set[int] = set()
    described = [(e, _describe(e, drivers)) for e in chain]
    parts = []
    for e, text in reversed(described):
        frames = "".join(traceback.format_tb(e.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{type(e).__qualname__}: {text}")
    return "\n\nwhich led to:\n".join(parts)


class SafeTracebacks(logging.Filter):
    """For the server's logger: Starlette raises an unexpected error again once the 500 is
    sent, and uvicorn logs it with its traceback, whose text can carry personal data. The
    record keeps its message and gets `safe_traceback` in place of the exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            text = safe_traceback(record.exc_info[1])
            record.msg, record.args = f"{record.getMessage().rstrip()}\n{text}", None
            record.exc_info, record.exc_text = None, None
        return True


def _filter_server_log() -> None:
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, SafeTracebacks) for f in server_log.filters):
        server_log.addFilter(SafeTracebacks())


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error\n%s", safe_traceback(exc))
    return problem_response(
        status=500,
        code="internal_error",
        title="Internal Server Error",
        detail="An unexpected error occurred; it has been logged.",
    )


def install_error_handlers(app: FastAPI, *, authenticate: Authenticate | None = None) -> None:
    """`authenticate(request, scopes)` raises a DomainError (401, 403) when the caller may not
    use a route that needs those scopes; with it, such a caller hears that before any complaint
    about the body."""
    app.state.authenticate = authenticate
    _filter_server_log()
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(Exception, _unexpected)
