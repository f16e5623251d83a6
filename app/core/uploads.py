"""Body size limits: uploads (multipart) past MAX_UPLOAD_BYTES, any other body (JSON, forms)
past MAX_JSON_BYTES. Refused from the Content-Length header before the body is read, and again
while reading, for bodies sent without one (chunked), before they are parsed."""

from collections import Counter
from http import HTTPStatus

from fastapi import Request, UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class BodyTooLarge(DomainError):
    status, code, title = 413, "payload_too_large", HTTPStatus(413).phrase

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body exceeds the limit of {limit} bytes")


class BodySizeLimit:
    """Uploads are read to their limit by `read_limited`; every other body is counted here as
    it arrives and refused once past its limit, before anything parses it."""

    def __init__(self, app: ASGIApp, *, upload_limit: int, json_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.json_limit = json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.upload_limit + ENVELOPE_BYTES if multipart else self.json_limit
        if length is not None and length.isascii() and length.isdigit() and int(length) > limit:
            error = FileTooLarge(self.upload_limit) if multipart else BodyTooLarge(limit)
            response = problem_response(
                status=error.status, code=error.code, title=error.title, detail=error.detail
            )
            await response(scope, receive, send)
            return
        if multipart:
            await self.app(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException: FastAPI lets it through while reading the body, and the
                    # problem handler renders it as 413 payload_too_large.
                    raise HTTPException(413, detail=BodyTooLarge(limit).detail)
            return message

        await self.app(scope, counted, send)
