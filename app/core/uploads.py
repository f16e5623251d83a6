"""Upload size limits: refused from the Content-Length header before the body is parsed, and
again while reading, for bodies sent without one."""

from collections import Counter

from fastapi import Request, UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import DomainError, FieldError
from app.problems import problem_response


class FileTooLarge(DomainError):
    status, code, title = 413, "file_too_large", "File too large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The document exceeds the limit of {limit} bytes")


class RepeatedFormFields(DomainError):
    status, code, title = 422, "validation_error", "Invalid input"

    def __init__(self, fields: list[str]) -> None:
        super().__init__(
            f"The request is invalid: {', '.join(fields)}",
            errors=[
                FieldError(
                    location="body",
                    field=field,
                    type="repeated_field",
                    message="given more than once: send each field once",
                )
                for field in fields
            ],
        )


async def single_form_values(request: Request) -> None:
    """A dependency of multipart routes: each field once. Otherwise the last of two `signed_on`
    (or of two documents) would silently be the one kept. The form is the one FastAPI has
    already read for the route, not read again."""
    form = await request.form()
    counts = Counter(key for key, _ in form.multi_items())
    repeated = sorted(key for key, n in counts.items() if n > 1)
    if repeated:
        raise RepeatedFormFields(repeated)


# Room for the multipart envelope and the form fields around the file.
ENVELOPE_BYTES = 64 * 1024


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    """The uploaded bytes (read off the event loop when the upload was spooled to disk)."""
    content = await upload.read(limit + 1)
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
