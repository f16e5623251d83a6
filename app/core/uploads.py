"""Upload size limits: refused from the Content-Length header before the body is parsed, and
again while reading, for bodies sent without one."""

from typing import IO

from starlette.types import ASGIApp, Receive, Scope, Send

from app.contracts.errors import FileTooLarge
from app.errors import problem_response

# Room for the multipart envelope and the form fields around the file.
ENVELOPE_BYTES = 64 * 1024


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise FileTooLarge(limit)
    return content


class UploadSizeLimit:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope["headers"])
            length = headers.get(b"content-length")
            multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
            too_big = (
                length is not None
                and length.isdigit()
                and int(length) > self.limit + ENVELOPE_BYTES
            )
            if multipart and too_big:
                error = FileTooLarge(self.limit)
                response = problem_response(
                    status=error.status, code=error.code, title=error.title, detail=error.detail
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
