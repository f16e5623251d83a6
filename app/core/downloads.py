"""Headers of a download: the file name for every browser (RFC 6266), in any script."""

import re
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


# A stored document is a PDF, and is also offered as plain bytes: some client generators read
# a download only under that name (openapi-python-client).
PDF_TYPES = ("application/pdf", "application/octet-stream")
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")  # RFC 9110, 12.4.2


def _quality(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The `q` of the most specific range of `Accept` that matches `media_type` (0: none)."""
    main = media_type.partition("/")[0]
    candidates = {media_type: 3, f"{main}/*": 2, "*/*": 1}
    best = (0, 0.0)
    for kind, q in ranges:
        rank = candidates.get(kind, 0)
        if rank > best[0]:
            best = (rank, q)
    return best[1]


def negotiated(accept: str | None, offered: tuple[str, ...]) -> str:
    """The media type of `offered` that `Accept` (RFC 9110, 12.5.1) rates highest; the first
    one on a tie, without `Accept`, or when `Accept` names none of them (no 406: a download is
    sent as what it is rather than refused)."""
    ranges: list[tuple[str, float]] = []
    for part in (accept or "*/*").split(","):
        kind, *params = part.split(";")
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = float(value) if _QVALUE.fullmatch(value.strip()) else 0.0
        ranges.append((kind.strip().lower(), q))
    scores = [_quality(ranges, media_type) for media_type in offered]
    best = max(scores)
    return offered[scores.index(best)] if best > 0 else offered[0]
