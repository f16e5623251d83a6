"""Headers of a download: the file name for every browser (RFC 6266), in any script."""

import unicodedata
from urllib.parse import quote

MAX_NAME = 100


def _readable(name: str) -> str:
    """Letters and digits of any script, `.`, `_`, `-`; anything else (quotes, slashes,
    spaces, controls) becomes `_`. A long name is cut before its extension."""
    kept = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    if len(kept) <= MAX_NAME:
        return kept
    stem, dot, extension = kept.rpartition(".")
    extension = extension[:10] if dot else ""
    return f"{(stem or kept)[: MAX_NAME - len(extension) - 1]}.{extension}".rstrip(".")


def _ascii(name: str, fallback: str) -> str:
    """The name in ASCII for clients that ignore `filename*`: accents dropped (é → e), other
    letters gone, the extension kept; the fallback's stem when nothing is left."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""

    def flat(text: str) -> str:
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()

    stem, extension = flat(stem), flat(extension)
    if not stem.strip("._-"):
        stem = fallback.rpartition(".")[0] or fallback
    return f"{stem}.{extension}" if extension else stem


def attachment_headers(filename: str, *, fallback: str = "download") -> dict[str, str]:
    """`Content-Disposition: attachment` with an ASCII `filename` and the exact UTF-8 name in
    `filename*` (RFC 8187). (`nosniff` is on every answer: app.core.headers.)"""
    name = _readable(filename) or fallback
    disposition = f'attachment; filename="{_ascii(name, fallback)}"'
    if not name.isascii():
        disposition += f"; filename*=UTF-8''{quote(name, safe='')}"
    return {"Content-Disposition": disposition}
