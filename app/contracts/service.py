import hashlib
import uuid
from datetime import date, datetime

import anyio.to_thread
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.clients import service as clients
from app.contracts.errors import ContractInUse, ContractRequired, UnsupportedFileType
from app.contracts.models import Contract, ContractStatus, Document
from app.core.dates import not_in_future
from app.core.pagination import PageParams, paginate
from app.core.pdf import PdfProblem, pdf_problem
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import InvalidInput, InvalidTransition

_PDF_RULES = {
    PdfProblem.encrypted: "the PDF is encrypted (password-protected): upload it unprotected",
    PdfProblem.no_pages: "the PDF has no page",
}


async def check_pdf(content: bytes) -> None:
    """R7: a document is a PDF that opens, is not encrypted and has a page (parsed off the
    event loop)."""
    problem = await anyio.to_thread.run_sync(pdf_problem, content)
    if problem is PdfProblem.not_a_pdf:
        raise UnsupportedFileType()
    if problem is not None:
        raise InvalidInput("document", _PDF_RULES[problem], type=problem.value)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def store_document(
    session: AsyncSession, principal: Principal, *, filename: str, content: bytes
) -> Document:
    await check_pdf(content)
    # A 10 MB document takes tens of milliseconds to hash: off the event loop.
    digest = await anyio.to_thread.run_sync(_sha256, content)
    document = Document(
        firm_account_id=principal.firm_account_id,
        media_type="application/pdf",
        filename=filename[:255] or "document.pdf",
        size=len(content),
        sha256=digest,
        content=content,
    )
    session.add(document)
    await session.flush()  # no ORM relationship orders the inserts: the row must exist first
    return document


async def create_contract(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID,
    signed_on: date,
    signatory_name: str,
    signatory_role: str,
    engagement_letter_on: date | None,
    filename: str,
    content: bytes,
    now: datetime,
    today: date,
) -> Contract:
    client = await clients.get_client(session, principal, client_id)
    not_in_future("signed_on", signed_on, today)
    if engagement_letter_on is not None:
        not_in_future("engagement_letter_on", engagement_letter_on, today)
    document = await store_document(session, principal, filename=filename, content=content)
    contract = Contract(
        firm_account_id=principal.firm_account_id,
        client_id=client.id,
        document_id=document.id,
        sha256=document.sha256,
        size=document.size,
        filename=document.filename,
        signed_on=signed_on,
        signatory_name=signatory_name,
        signatory_role=signatory_role,
        engagement_letter_on=engagement_letter_on,
    )
    session.add(contract)
    await session.flush()
    await audit.record(
        session,
        principal,
        action="contract.created",
        resource_type="contract",
        resource_id=contract.id,
        after=contract.status,
        at=now,
    )
    return contract


async def get_contract(
    session: AsyncSession, principal: Principal, contract_id: uuid.UUID
) -> Contract:
    return await get_scoped(session, Contract, contract_id, principal, label="Contract")


async def list_contracts(
    session: AsyncSession, principal: Principal, *, client_id: uuid.UUID, page: PageParams
) -> tuple[list[Contract], str | None]:
    await clients.get_client(session, principal, client_id)
    stmt = scoped(Contract, principal).where(Contract.client_id == client_id)
    rows, cursor = await paginate(session, stmt, Contract.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


async def get_document(
    session: AsyncSession, principal: Principal, contract_id: uuid.UUID
) -> Document:
    contract = await get_contract(session, principal, contract_id)
    return await get_stored_document(session, principal, contract.document_id)


async def get_stored_document(
    session: AsyncSession, principal: Principal, document_id: uuid.UUID
) -> Document:
    return await get_scoped(session, Document, document_id, principal, label="Document")


async def terminate_contract(
    session: AsyncSession,
    principal: Principal,
    *,
    contract_id: uuid.UUID,
    on: date,
    now: datetime,
    today: date,
) -> Contract:
    contract = await get_scoped(
        session, Contract, contract_id, principal, label="Contract", for_update=True
    )
    if contract.status != ContractStatus.active:
        raise InvalidTransition("contract", contract.status, "terminated")
    not_in_future("on", on, today)
    if on < contract.signed_on:
        raise InvalidInput("on", f"a contract signed on {contract.signed_on} ends after that date")
    contract.status = ContractStatus.terminated
    contract.terminated_on = on
    session.add(contract)
    await audit.record(
        session,
        principal,
        action="contract.terminated",
        resource_type="contract",
        resource_id=contract.id,
        before="active",
        after="terminated",
        at=now,
    )
    await session.flush()
    return contract


async def delete_contract(
    session: AsyncSession, principal: Principal, *, contract_id: uuid.UUID, now: datetime
) -> None:
    contract = await get_scoped(
        session, Contract, contract_id, principal, label="Contract", for_update=True
    )
    if contract.in_use:
        raise ContractInUse()
    document = await get_stored_document(session, principal, contract.document_id)
    await session.delete(contract)
    await session.flush()
    await session.delete(document)
    await audit.record(
        session,
        principal,
        action="contract.deleted",
        resource_type="contract",
        resource_id=contract.id,
        before=contract.status,
        at=now,
    )
    await session.flush()


async def require_contract(
    session: AsyncSession, principal: Principal, *, client_id: uuid.UUID, on: date
) -> Contract:
    """R6: a contract signed on or before `on` and not terminated on it; it then backs a filing
    and can no longer be deleted (R7)."""
    stmt = (
        scoped(Contract, principal)
        .where(
            Contract.client_id == client_id,
            col(Contract.signed_on) <= on,
            (col(Contract.terminated_on).is_(None)) | (col(Contract.terminated_on) > on),
        )
        .order_by(col(Contract.signed_on).desc())
        .with_for_update()
    )
    contract = (await session.exec(stmt)).first()
    if contract is None:
        raise ContractRequired(on)
    if not contract.in_use:
        contract.in_use = True
        session.add(contract)
    return contract


async def has_contracts(session: AsyncSession, *, client_id: uuid.UUID) -> bool:
    stmt = select(Contract.id).where(Contract.client_id == client_id).limit(1)
    return (await session.exec(stmt)).first() is not None
