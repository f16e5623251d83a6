"""Response headers that say how answers may be kept and read: a plain ASGI middleware
(Starlette's BaseHTTPMiddleware would cost a task and a stream per request)."""

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = (b"cache-control", b"no-store")
NOSNIFF = (b"x-content-type-options", b"nosniff")
PRAGMA = (b"pragma", b"no-cache")


def set_headers(
    headers: Iterable[tuple[bytes, bytes]], extra: tuple[tuple[bytes, bytes], ...]
) -> list[tuple[bytes, bytes]]:
    """`headers` with each of `extra` set: a header already there is replaced, not repeated."""
    names = {name for name, _ in extra}
    return [h for h in headers if h[0].lower() not in names] + list(extra)


class SecurityHeaders:
    """Every answer is `nosniff`: a browser takes a download (a stored document, an export) or
    an answer for the type it is declared as, never for what its bytes look like. Token answers
    (RFC 6749 §5.1) and every answer to a request that carries credentials must not be stored
    by a cache either."""

    def __init__(self, app: ASGIApp, *, token_paths: Iterable[str]) -> None:
        self.app = app
        self.token_paths = frozenset(token_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra: tuple[tuple[bytes, bytes], ...]
        if scope["path"] in self.token_paths:
            extra = (NO_STORE, PRAGMA, NOSNIFF)
        elif any(name == b"authorization" for name, _ in scope["headers"]):
            extra = (NO_STORE, NOSNIFF)
        else:
            extra = (NOSNIFF,)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = set_headers(message.get("headers", ()), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)
