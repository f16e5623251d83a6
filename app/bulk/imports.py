"""The CSV import of clients and establishments: each row an establishment, its client found
by SIREN or created from its first row. Each row is checked and written as the single creates
would, in a savepoint of its own; the import is all or nothing, and a dry run does everything
then rolls it all back, so that it reports what the import would answer, row by row."""

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.bulk.errors import ImportRejected
from app.bulk.models import ImportReport, ImportRow
from app.bulk.rules import COLUMNS, Row, Sheet, read_sheet, split_address
from app.clients import service as clients
from app.clients.models import ClientCreate, EstablishmentCreate
from app.core.principal import Principal
from app.errors import DomainError, FieldError, InvalidFields, ItemOutcome
from app.firms import service as firms
from app.problems import invalid_fields, item_problem

_PLACEHOLDER = uuid.UUID(int=0)  # the client's id, known once the client is found or made
_DIGITS = re.compile(r"^[0-9][0-9 \u00a0\u202f]*$")


@dataclass(slots=True)
class Plan:
    siren: str
    establishment: EstablishmentCreate
    client: ClientCreate | None  # None: an existing client, or one made by an earlier row


def _digits(text: str) -> str:
    return re.sub(r"\s", "", text)


def _named(errors: list[FieldError], columns: dict[str, str]) -> list[FieldError]:
    """The fields named as the file's columns are."""
    return [e.model_copy(update={"field": columns.get(e.field, e.field)}) for e in errors]


def _headcount(cell: str | None) -> Any:
    if cell is not None and _DIGITS.match(cell):
        return int(_digits(cell))  # "1 200" as a spreadsheet writes it
    return cell


def _plan(row: Row, columns: dict[str, str], new_client: dict[str, Row], known: bool) -> Any:
    """The row's creates, or the problem naming every invalid cell at once."""
    cells = row.cells
    street, postal_code, city = split_address(cells.get("address", ""))
    if "postal_code" in cells or "city" in cells:
        street = cells.get("address", "")
    values = {
        "client_id": str(_PLACEHOLDER),
        "siret": cells.get("siret"),
        "name": cells.get("name"),
        "address": street,
        "postal_code": cells.get("postal_code", postal_code),
        "city": cells.get("city", city),
    }
    errors: list[FieldError] = []
    establishment = client = None
    try:
        establishment = EstablishmentCreate.model_validate(
            {k: v for k, v in values.items() if v is not None}  # a blank cell: "missing"
        )
    except ValidationError as exc:
        errors += invalid_fields(exc.errors(include_url=False, include_input=False)).errors or []
    for error in errors:
        if error.field in ("postal_code", "city") and error.field not in columns:
            error.message = (
                f"{error.field}: {error.message}; the address must end with the postal code "
                "and the city (“3 quai des Indes, 56100 Lorient”), or columns give them"
            )
            error.field = "address"
    siren = cells.get("siren") or _digits(cells.get("siret", ""))[:9]
    if establishment is not None and _digits(siren) != establishment.siret[:9]:
        errors.append(
            FieldError(
                location="body",
                field="siren",
                type="siren_mismatch",
                message=f"SIREN {siren} is not the SIRET's first 9 digits (R2)",
            )
        )
    first = new_client.setdefault(_digits(siren), row) if not known else None
    if first is row:
        raw = {
            "siren": siren,
            "legal_name": cells.get("legal_name", cells.get("name")),
            "headcount": _headcount(cells.get("headcount")),
        }
        raw = {k: v for k, v in raw.items() if v is not None}
        try:
            client = ClientCreate.model_validate(raw)
        except ValidationError as exc:
            found = invalid_fields(exc.errors(include_url=False, include_input=False)).errors
            for e in found or []:
                if e.field == "headcount" and e.type == "missing":
                    e.message = (
                        f"required on the first row of SIREN {siren}, which creates its client "
                        "(a headcount or effectif column)"
                    )
            # The SIREN is the SIRET's (checked above); the legal name, unless given, the
            # establishment's name (its own error then).
            errors += [
                e
                for e in found or []
                if (e.field != "siren" or establishment is None)
                and (e.field != "legal_name" or "legal_name" in cells)
            ]
    elif first is not None:
        for field in ("headcount", "legal_name"):
            if field in cells and cells[field] != first.cells.get(field):
                errors.append(
                    FieldError(
                        location="body",
                        field=field,
                        type="client_inconsistent",
                        message=f"differs from line {first.line}, which creates the client "
                        f"of SIREN {siren}: give the same value, or leave the cell empty",
                    )
                )
    if errors:
        return InvalidFields(_named(errors, columns))
    assert establishment is not None
    return Plan(establishment.siret[:9], establishment, client)


@dataclass(slots=True)
class _Done:
    client_id: uuid.UUID
    establishment_id: uuid.UUID
    client_created: bool


async def _write(
    session: AsyncSession,
    principal: Principal,
    plan: Plan,
    known: dict[str, uuid.UUID],
    today: date,
) -> _Done:
    created = False
    client_id = known.get(plan.siren)
    if client_id is None:
        if plan.client is None:  # the row that made the client was refused
            raise InvalidFields(
                [
                    FieldError(
                        location="body",
                        field="siren",
                        type="client_not_created",
                        message=f"the row that creates the client of SIREN {plan.siren} was "
                        "refused: correct it first",
                    )
                ]
            )
        client_id = (
            await clients.create_client(session, principal, data=plan.client, today=today)
        ).id
        created = True
    data = plan.establishment.model_copy(update={"client_id": client_id})
    establishment = await clients.create_establishment(session, principal, data=data)
    return _Done(client_id, establishment.id, created)


async def import_establishments(
    session: AsyncSession, principal: Principal, *, content: bytes, dry_run: bool, today: date
) -> ImportReport:
    sheet: Sheet = read_sheet(content)
    sirens = sorted({_digits(r.cells.get("siret", ""))[:9] for r in sheet.rows} - {""})
    existing = await clients.hold_clients(session, principal, sirens=sirens)
    await firms.lock_firm(session, firm_account_id=principal.firm_account_id)
    known = {c.siren: c.id for c in existing}
    firsts: dict[str, Row] = {}
    plans = [
        _plan(row, sheet.columns, firsts, _digits(row.cells.get("siret", ""))[:9] in known)
        for row in sheet.rows
    ]
    everything = await session.begin_nested() if dry_run else None
    items: list[ImportRow] = []
    for index, (row, plan) in enumerate(zip(sheet.rows, plans, strict=True)):
        outcome: _Done | DomainError
        if isinstance(plan, DomainError):
            outcome = plan
        else:
            try:
                async with session.begin_nested():
                    outcome = await _write(session, principal, plan, known, today)
            except DomainError as exc:
                if exc.errors:
                    exc.errors = _named(exc.errors, sheet.columns)
                outcome = exc
            else:
                known[plan.siren] = outcome.client_id
        items.append(_row(index, row, outcome, dry_run))
    if everything is not None:
        await everything.rollback()
    failed = sum(i.problem is not None for i in items)
    if failed and not dry_run:
        raise ImportRejected(
            [
                ItemOutcome(index=i.index, line=i.line, status=i.status, problem=i.problem)
                for i in items
            ]
        )
    return ImportReport(
        dry_run=dry_run,
        written=not dry_run,
        rows=len(items),
        clients_created=sum(i.client_created for i in items),
        establishments_created=len(items) - failed,
        failed=failed,
        columns={field: sheet.columns[field] for field in COLUMNS if field in sheet.columns},
        ignored_columns=sheet.ignored,
        items=items,
    )


def _row(index: int, row: Row, outcome: "_Done | DomainError", dry_run: bool) -> ImportRow:
    if isinstance(outcome, DomainError):
        return ImportRow(
            index=index,
            line=row.line,
            status=outcome.status,
            siret=row.cells.get("siret"),
            client_created=False,
            client_id=None,
            establishment_id=None,
            problem=item_problem(outcome),
        )
    return ImportRow(
        index=index,
        line=row.line,
        status=201,
        siret=row.cells.get("siret"),
        client_created=outcome.client_created,
        client_id=None if dry_run else outcome.client_id,
        establishment_id=None if dry_run else outcome.establishment_id,
    )
