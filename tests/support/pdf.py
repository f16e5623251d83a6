"""Real PDFs for upload tests (pypdf writes them), and hostile files that only look like one."""

import io
import random

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf(*, pages: int = 1, title: str = "", padding: int = 0, password: str = "") -> bytes:
    """A valid PDF of `pages` blank A4 pages; `title` makes it distinct, `padding` adds that
    many random bytes (every byte value, CR/LF, NUL) in an unreferenced stream, `password`
    encrypts it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if title:
        writer.add_metadata({"/Title": title})
    if padding:
        stream = DecodedStreamObject()
        stream.set_data(random.Random(padding).randbytes(padding))
        stream[NameObject("/Type")] = NameObject("/Padding")
        writer._add_object(stream)
    if password:
        writer.encrypt(password)
    return _written(writer)


def pdf_of_size(size: int) -> bytes:
    """A valid one-page PDF exactly `size` bytes long (at least about 1 KiB)."""
    overhead = len(blank_pdf(padding=1)) - 1
    padding = size - overhead
    for _ in range(3):  # the stream's /Length may take a digit more or less
        content = blank_pdf(padding=padding)
        if len(content) == size:
            return content
        padding += size - len(content)
    raise AssertionError(f"no PDF of exactly {size} bytes")


PDF = blank_pdf()

# Files that carry `%PDF-` without being a usable PDF.
HOSTILE = {
    "html_with_script": b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body>"
    b"</html>\n%%EOF\n",
    "executable_with_header_at_512": b"MZ\x90\x00" + b"\x00" * 508 + b"%PDF-1.7\n" + b"\x00" * 200,
    "header_alone": b"%PDF-1.7\n",
    "html_then_header": b"<!doctype html><script>alert(1)</script>\n%PDF-1.7\n%%EOF\n",
    "truncated": PDF[: len(PDF) // 2],
}
