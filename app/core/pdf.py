"""What makes an uploaded document a usable PDF, checked by parsing it (pypdf), not by looking
for a header in its first bytes: an HTML page or an executable with `%PDF-` inside is not one.
CPU work on untrusted bytes: run `pdf_problem` in a worker thread."""

import io
import logging
from enum import StrEnum

from pypdf import PdfReader

PDF_HEADER = b"%PDF-"


class PdfProblem(StrEnum):
    not_a_pdf = "not_a_pdf"  # 415: no PDF header at its start, or it does not parse
    encrypted = "pdf_encrypted"  # 422: protected by a password, cannot be read or checked
    no_pages = "pdf_no_pages"  # 422: a PDF with nothing in it


# pypdf logs a warning for every defect it steps over (a missing EOF marker, a bad header)
_pypdf_log = logging.getLogger("pypdf")
_pypdf_log.setLevel(logging.ERROR)


def pdf_problem(content: bytes) -> PdfProblem | None:
    """None for a PDF that opens, is not encrypted and has at least one page."""
    # Every PDF writer puts the header first; tolerating junk before it (as readers do) lets
    # in files that are something else too (HTML, executables) with a PDF tacked on.
    if not content.startswith(PDF_HEADER):
        return PdfProblem.not_a_pdf
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return PdfProblem.encrypted
        pages = len(reader.pages)
    except Exception:  # hostile bytes break a parser in many ways; any of them is a refusal
        return PdfProblem.not_a_pdf
    return None if pages > 0 else PdfProblem.no_pages
