"""Use cases of APLD agreements: drafts, their documents, and how they read (R35–R38)."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import rules
from app.apld.models import (
    AgreementCreate,
    AgreementPublic,
    AgreementStatus,
    AgreementType,
    AgreementUpdate,
    ApldAgreement,
    ApldCoveredEstablishment,
    ApldRenewal,
    AuthorizationPeriod,
    DocumentKind,
    Neutralisation,
    RenewalStatus,
    Usage,
)
from app.apld.table import apld_table
from app.audit import service as audit
from app.clients import service as clients
from app.contracts import service as contracts
from app.contracts.models import Document
from app.core.dates import paris_date
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import InvalidInput, InvalidTransition, NotFound

# --- reading -----------------------------------------------------------------------------------


async def get_agreement(
    session: AsyncSession, principal: Principal, agreement_id: uuid.UUID, *, lock: bool = False
) -> ApldAgreement:
    return await get_scoped(
        session, ApldAgreement, agreement_id, principal, label="APLD agreement", for_update=lock
    )


async def covered_of(
    session: AsyncSession, agreement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in agreement_ids}
    if agreement_ids:
        stmt = (
            select(ApldCoveredEstablishment)
            .where(col(ApldCoveredEstablishment.agreement_id).in_(agreement_ids))
            .order_by(col(ApldCoveredEstablishment.establishment_id))
        )
        for row in await session.exec(stmt):
            out[row.agreement_id].append(row.establishment_id)
    return out


async def renewals_of(
    session: AsyncSession, agreement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ApldRenewal]]:
    out: dict[uuid.UUID, list[ApldRenewal]] = {i: [] for i in agreement_ids}
    if agreement_ids:
        stmt = (
            select(ApldRenewal)
            .where(col(ApldRenewal.agreement_id).in_(agreement_ids))
            .order_by(col(ApldRenewal.start_on), col(ApldRenewal.id))
        )
        for row in await session.exec(stmt):
            out[row.agreement_id].append(row)
    return out


async def digests(session: AsyncSession, ids: Sequence[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    stmt = select(Document.id, Document.sha256).where(col(Document.id).in_(wanted))
    return dict((await session.exec(stmt)).all())


def periods(
    agreement: ApldAgreement, renewals: Sequence[ApldRenewal], now: datetime
) -> tuple[list[AuthorizationPeriod], date | None, bool]:
    """The authorizations (R37): the first 6 months from the start once validated or
    homologated, then each granted renewal; the agreement's end; whether R38 neutralises."""
    decided = rules.decision_day(
        agreement.status, agreement.type, agreement.tacit_decision_at, agreement.decided_on, now
    )
    if decided is None or agreement.start_on is None or agreement.duration_months is None:
        return [], None, False
    neutralise, _ = rules.neutralisation_applies(decided, agreement.neutralisation_basis)
    end = rules.extended_end(agreement.start_on, agreement.duration_months, neutralise)
    first = rules.authorization_end(agreement.start_on, end)
    out = [
        AuthorizationPeriod(sequence=1, start_on=agreement.start_on, end_on=first, renewal_id=None)
    ]
    for r in renewals:
        if r.status == RenewalStatus.granted:
            out.append(
                AuthorizationPeriod(
                    sequence=len(out) + 1, start_on=r.start_on, end_on=r.end_on, renewal_id=r.id
                )
            )
    return out, end, neutralise


def usage(
    authorized: list[AuthorizationPeriod], agreement_end: date, neutralise: bool, today: date
) -> Usage:
    """R38: months used and left, under the cap a next bilan would meet (in force on the last
    day it can be filed, the current authorization's end, or today if earlier)."""
    cap = apld_table().duration_cap(min(today, authorized[-1].end_on))
    spans = [(p.start_on, p.end_on) for p in authorized]
    used = rules.months_used(spans, neutralise)
    first = authorized[0].start_on
    window_end = rules.extended_end(first, cap.window_months, neutralise)
    within = rules.months_used([(first, min(agreement_end, window_end))], neutralise)
    return Usage(
        months_used=used,
        months_left=max(0, min(cap.months, within) - used),
        cap_months=cap.months,
        window_months=cap.window_months,
        window_end_on=window_end,
        agreement_end_on=agreement_end,
    )


def to_public(
    agreement: ApldAgreement,
    covered: list[uuid.UUID],
    renewals: Sequence[ApldRenewal],
    shas: dict[uuid.UUID, str],
    now: datetime,
) -> AgreementPublic:
    status = rules.effective_status(
        agreement.status, agreement.type, agreement.tacit_decision_at, now
    )
    authorized, end, neutralise = periods(agreement, renewals, now)
    neutralisation = None
    if authorized:
        decided = rules.decision_day(
            agreement.status, agreement.type, agreement.tacit_decision_at, agreement.decided_on, now
        )
        applies, automatic = rules.neutralisation_applies(decided, agreement.neutralisation_basis)
        table = apld_table().rules
        neutralisation = Neutralisation(
            applies=applies,
            automatic=automatic,
            basis=agreement.neutralisation_basis,
            recorded_on=agreement.neutralisation_recorded_on,
            first_month=f"{table.neutralised_from:%Y-%m}",
            last_month=f"{table.neutralised_to:%Y-%m}",
        )
    explicit = agreement.status in (AgreementStatus.validated, AgreementStatus.homologated)
    return AgreementPublic.build(
        agreement,
        {
            "status": status,
            "establishment_ids": covered,
            "document_sha256": shas.get(agreement.document_id) if agreement.document_id else None,
            "cse_opinion_sha256": shas.get(agreement.cse_opinion_document_id)
            if agreement.cse_opinion_document_id
            else None,
            "entry_deadline": rules.entry_deadline(paris_date(now))
            if status == AgreementStatus.draft
            else None,
            "max_reduction_granted": rules.granted_reduction(
                agreement.max_reduction, agreement.reduction_granted, explicit
            )
            if status in rules.DECIDED
            else None,
            "neutralisation": neutralisation,
            "authorizations": authorized,
            "usage": usage(authorized, end, neutralise, paris_date(now)) if end else None,
        },
    )


async def present_many(
    session: AsyncSession, rows: Sequence[ApldAgreement], now: datetime
) -> list[AgreementPublic]:
    ids = [r.id for r in rows]
    covered = await covered_of(session, ids)
    renewals = await renewals_of(session, ids)
    shas = await digests(
        session, [d for r in rows for d in (r.document_id, r.cse_opinion_document_id)]
    )
    return [to_public(r, covered[r.id], renewals[r.id], shas, now) for r in rows]


async def present(
    session: AsyncSession, agreement: ApldAgreement, now: datetime
) -> AgreementPublic:
    return (await present_many(session, [agreement], now))[0]


async def get_public(
    session: AsyncSession, principal: Principal, agreement_id: uuid.UUID, now: datetime
) -> AgreementPublic:
    return await present(session, await get_agreement(session, principal, agreement_id), now)


async def list_agreements(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    now: datetime,
    client_id: uuid.UUID | None = None,
    status: AgreementStatus | None = None,
) -> tuple[list[AgreementPublic], str | None]:
    A = ApldAgreement
    stmt = scoped(A, principal)
    if client_id is not None:
        await clients.get_client(session, principal, client_id)
        stmt = stmt.where(A.client_id == client_id)
    implicit = {
        AgreementStatus.validated_implicitly: AgreementType.agreement,
        AgreementStatus.homologated_implicitly: AgreementType.unilateral_document,
    }
    if status in implicit:
        stmt = stmt.where(
            A.status == AgreementStatus.filed,
            col(A.tacit_decision_at) <= now,
            A.type == implicit[status],
        )
    elif status == AgreementStatus.filed:
        stmt = stmt.where(A.status == AgreementStatus.filed, col(A.tacit_decision_at) > now)
    elif status is not None:
        stmt = stmt.where(A.status == status)
    rows, cursor = await paginate(session, stmt, A.id, page)  # type: ignore[arg-type]
    return await present_many(session, list(rows), now), cursor


# --- drafts ------------------------------------------------------------------------------------


async def _cover(
    session: AsyncSession,
    principal: Principal,
    agreement: ApldAgreement,
    establishment_ids: list[uuid.UUID],
) -> None:
    """R35: the covered establishments, each of the agreement's client (another firm's: 404)."""
    wanted = list(dict.fromkeys(establishment_ids))
    for i, establishment_id in enumerate(wanted):
        establishment = await clients.get_establishment(session, principal, establishment_id)
        if establishment.client_id != agreement.client_id:
            raise InvalidInput(
                f"establishment_ids[{i}]",
                f"establishment {establishment_id} is not one of the agreement's client (R35)",
                type="establishment_of_another_client",
            )
    await session.exec(
        delete(ApldCoveredEstablishment).where(
            col(ApldCoveredEstablishment.agreement_id) == agreement.id
        )
    )
    for establishment_id in wanted:
        session.add(
            ApldCoveredEstablishment(
                agreement_id=agreement.id,
                establishment_id=establishment_id,
                firm_account_id=principal.firm_account_id,
            )
        )


async def _apply(
    session: AsyncSession,
    principal: Principal,
    agreement: ApldAgreement,
    data: AgreementCreate | AgreementUpdate,
) -> None:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"establishment_ids"})
    agreement.sqlmodel_update(changes)
    session.add(agreement)
    await session.flush()
    if "establishment_ids" in data.model_fields_set:
        await _cover(session, principal, agreement, data.establishment_ids or [])


async def create_agreement(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID,
    data: AgreementCreate,
    now: datetime,
) -> AgreementPublic:
    client = await clients.get_client(session, principal, client_id)
    agreement = ApldAgreement(firm_account_id=principal.firm_account_id, client_id=client.id)
    await _apply(session, principal, agreement, data)
    await record_event(session, principal, agreement, "created", None, now)
    return await present(session, agreement, now)


async def update_agreement(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    data: AgreementUpdate,
    now: datetime,
) -> AgreementPublic:
    agreement = await get_agreement(session, principal, agreement_id, lock=True)
    if agreement.status != AgreementStatus.draft:
        raise InvalidTransition("APLD agreement", agreement.status, "edited (R35)")
    if not data.model_fields_set:
        return await present(session, agreement, now)
    await _apply(session, principal, agreement, data)
    agreement.updated_at = now
    session.add(agreement)
    await record_event(
        session, principal, agreement, "updated", None, now, before=AgreementStatus.draft
    )
    return await present(session, agreement, now)


async def attach_document(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    kind: DocumentKind,
    filename: str,
    content: bytes,
    now: datetime,
) -> AgreementPublic:
    """The agreement (or unilateral document) itself, or the CSE opinion: PDFs kept with their
    SHA-256 like contracts (R7), while the agreement is a draft."""
    agreement = await get_agreement(session, principal, agreement_id, lock=True)
    if agreement.status != AgreementStatus.draft:
        raise InvalidTransition("APLD agreement", agreement.status, f"given a new {kind} document")
    document = await contracts.store_document(
        session, principal, filename=filename, content=content
    )
    if kind == DocumentKind.agreement:
        agreement.document_id = document.id
    else:
        agreement.cse_opinion_document_id = document.id
    agreement.updated_at = now
    session.add(agreement)
    await record_event(
        session,
        principal,
        agreement,
        f"{kind.value}_document_attached",
        None,
        now,
        before=AgreementStatus.draft,
    )
    return await present(session, agreement, now)


async def get_document(
    session: AsyncSession, principal: Principal, agreement_id: uuid.UUID, kind: DocumentKind
) -> Document:
    agreement = await get_agreement(session, principal, agreement_id)
    document_id = (
        agreement.document_id
        if kind == DocumentKind.agreement
        else agreement.cse_opinion_document_id
    )
    if document_id is None:
        raise NotFound(f"The agreement's {kind.value} document")
    return await contracts.get_stored_document(session, principal, document_id)


async def record_event(
    session: AsyncSession,
    principal: Principal,
    agreement: ApldAgreement,
    verb: str,
    after: str | None,
    now: datetime,
    *,
    before: str | None = None,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"apld_agreement.{verb}",
        resource_type="apld_agreement",
        resource_id=agreement.id,
        before=before,
        after=after if after is not None else agreement.status,
        at=now,
    )
