"""The CSV file a firm keeps of its clients' establishments, read: UTF-8 (with or without its
byte order mark), `;` or `,` between cells, a header line whose names may be English or
French. Pure: bytes in, rows of named cells out, or the file's problem."""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from app.bulk.errors import ImportFileInvalid, ImportTooManyRows

MAX_ROWS = 200  # a firm manages at most 200 active establishments (R3)
MAX_BYTES = 1024 * 1024

# Each field and the header names it is known by (compared without case, accents or
# punctuation: "Code postal", "code_postal" and "CODE-POSTAL" are one name).
COLUMNS: dict[str, tuple[str, ...]] = {
    "siren": ("siren", "n siren", "numero siren"),
    "siret": ("siret", "n siret", "numero siret"),
    "name": (
        "name",
        "establishment name",
        "establishment",
        "nom",
        "nom etablissement",
        "nom de l etablissement",
        "etablissement",
        "enseigne",
    ),
    "address": ("address", "street", "adresse", "adresse postale", "rue"),
    "postal_code": ("postal code", "postcode", "zip", "zip code", "code postal", "cp"),
    "city": ("city", "town", "ville", "commune", "localite"),
    "headcount": ("headcount", "employees", "staff", "effectif", "effectifs", "salaries"),
    "legal_name": (
        "legal name",
        "company",
        "company name",
        "client",
        "raison sociale",
        "denomination",
        "entreprise",
        "societe",
    ),
}
REQUIRED = ("siret", "name", "address")
_ALIASES = {alias: field for field, aliases in COLUMNS.items() for alias in aliases}
# "3 quai des Indes, 56100 Lorient": the street, then the postal code and the city.
_ADDRESS = re.compile(r"^(?P<street>.*?)[\s,]+(?P<postal_code>[0-9]{5})\s+(?P<city>\S.*)$")


def header_key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split())


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # in the file, the header being line 1
    cells: dict[str, str]  # by field (`COLUMNS`), trimmed; a blank cell is left out


@dataclass(frozen=True, slots=True)
class Sheet:
    columns: dict[str, str]  # field: the header name as the file writes it
    ignored: list[str]  # header names of no known field
    rows: list[Row]


def _text(content: bytes) -> str:
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileInvalid(
            "not_csv", "a spreadsheet workbook, not CSV: save it as “CSV UTF-8” and send that"
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileInvalid(
            "encoding",
            f"the file is not UTF-8 (byte {exc.start + 1}): save it as “CSV UTF-8”",
        ) from None


def _separator(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


def _columns(header: list[str]) -> tuple[dict[int, str], dict[str, str], list[str]]:
    by_index: dict[int, str] = {}
    named: dict[str, str] = {}
    ignored: list[str] = []
    for i, raw in enumerate(header):
        field = _ALIASES.get(header_key(raw))
        if field is None:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if field in named:
            raise ImportFileInvalid(
                "duplicate_column",
                f"line 1: the columns “{named[field]}” and “{raw.strip()}” both give {field}",
            )
        by_index[i], named[field] = field, raw.strip()
    missing = [f for f in REQUIRED if f not in named]
    if missing:
        known = "; ".join(f"{f}: {', '.join(COLUMNS[f][:4])}…" for f in missing)
        raise ImportFileInvalid(
            "missing_column", f"line 1: no column for {', '.join(missing)} (names read: {known})"
        )
    return by_index, named, ignored


def read_sheet(content: bytes) -> Sheet:
    """The file's rows, or `ImportFileInvalid` (not UTF-8, a header without SIRET, name and
    address, a column given twice, a row longer than the header, no row) or
    `ImportTooManyRows`. Blank lines are skipped; their numbers still count."""
    text = _text(content)
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise ImportFileInvalid("empty", "line 1: the file has no header line")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first))
    try:
        header = next(reader)
        by_index, named, ignored = _columns(header)
        rows: list[Row] = []
        number = reader.line_num + 1
        for record in reader:
            start, number = number, reader.line_num + 1  # a quoted cell may span lines
            if not any(cell.strip() for cell in record):
                continue
            if any(cell.strip() for cell in record[len(header) :]):
                raise ImportFileInvalid(
                    "row_too_long",
                    f"line {start}: {len(record)} cells for {len(header)} columns "
                    "(a separator inside a cell? put the cell in double quotes)",
                )
            cells = {
                by_index[i]: cell.strip()
                for i, cell in enumerate(record)
                if i in by_index and cell.strip()
            }
            rows.append(Row(start, cells))
            if len(rows) > MAX_ROWS:
                raise ImportTooManyRows(MAX_ROWS)
    except csv.Error as exc:
        raise ImportFileInvalid("malformed", f"line {reader.line_num}: not CSV: {exc}") from None
    if not rows:
        raise ImportFileInvalid("empty", "the file has a header but no row")
    return Sheet(named, ignored, rows)


def split_address(address: str) -> tuple[str, str | None, str | None]:
    """The street, and the postal code and city when the address ends with them."""
    match = _ADDRESS.match(address)
    if match is None:
        return address, None, None
    return match["street"].rstrip(" ,"), match["postal_code"], match["city"].strip()
