"""Filing an APLD agreement and recording its decision (R35, R36, R17's date rules, R38's
neutralisation basis)."""

import uuid
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import rules, service
from app.apld.errors import EntryDeadlinePassed, EstablishmentsNotHabilitated, IncompleteAgreement
from app.apld.models import (
    AgreementDecision,
    AgreementOutcome,
    AgreementPublic,
    AgreementStatus,
    NeutralisationInput,
)
from app.clients import service as clients
from app.contracts import service as contracts
from app.core.dates import not_in_future, not_in_future_at, paris_date
from app.core.principal import Principal
from app.errors import FieldError, InvalidInput, InvalidTransition
from app.habilitations import service as habilitations
from app.habilitations.errors import HabilitationRequired


async def file_agreement(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    filed_at: datetime,
    now: datetime,
) -> AgreementPublic:
    agreement = await service.get_agreement(session, principal, agreement_id, lock=True)
    if agreement.status != AgreementStatus.draft:
        raise InvalidTransition("APLD agreement", agreement.status, "filed")
    not_in_future_at("filed_at", filed_at, now)
    filed_on = paris_date(filed_at)
    covered = (await service.covered_of(session, [agreement.id]))[agreement.id]
    problems = rules.missing_for_filing(
        type=agreement.type,
        establishments=len(covered),
        start_on=agreement.start_on,
        duration_months=agreement.duration_months,
        max_reduction=agreement.max_reduction,
        activities=agreement.activities,
        employees_covered=agreement.employees_covered,
        diagnostic=agreement.diagnostic,
        commitments=agreement.commitments,
        information=agreement.information,
        has_cse=agreement.has_cse,
        has_document=agreement.document_id is not None,
        has_cse_opinion=agreement.cse_opinion_document_id is not None,
    )
    if problems:
        raise IncompleteAgreement(
            [
                FieldError(location="body", field=p.field, type=p.type, message=p.message)
                for p in problems
            ]
        )
    deadline = rules.entry_deadline(filed_on)
    if filed_on > deadline:
        raise EntryDeadlinePassed(
            f"APLD agreements are filed by {deadline} at the latest; filed on {filed_on} (R35)"
        )
    contract = await contracts.require_contract(
        session, principal, client_id=agreement.client_id, on=filed_on
    )
    not_ready: list[str] = []
    for establishment_id in covered:
        establishment = await clients.get_active_establishment(session, principal, establishment_id)
        try:
            await habilitations.require_habilitated(
                session, principal, establishment_id=establishment_id, on=filed_on
            )
        except HabilitationRequired as exc:
            not_ready.append(f"{establishment.siret}: {exc.detail}")
    if not_ready:
        raise EstablishmentsNotHabilitated(not_ready)
    agreement.status = AgreementStatus.filed
    agreement.filed_at = filed_at
    agreement.tacit_decision_at = rules.tacit_decision_at(filed_at, agreement.type)
    agreement.contract_id = contract.id
    agreement.updated_at = now
    session.add(agreement)
    await service.record_event(
        session, principal, agreement, "filed", None, now, before=AgreementStatus.draft
    )
    return await service.present(session, agreement, now)


async def decide(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    data: AgreementDecision,
    now: datetime,
    today: date,
) -> AgreementPublic:
    """R36 with R17's date rules: never dated before the filing nor in the future; a refusal
    carries its reason and is final; after silence, only the explicit confirmation."""
    agreement = await service.get_agreement(session, principal, agreement_id, lock=True)
    kind, tacit_at = agreement.type, agreement.tacit_decision_at
    before = rules.effective_status(agreement.status, kind, tacit_at, now)
    if agreement.filed_at is None:
        raise InvalidTransition("APLD agreement", before, f"decided ({data.outcome})")
    positive = rules.positive_outcome(kind)
    if data.outcome != AgreementOutcome.refused and data.outcome != positive:
        raise InvalidInput(
            "outcome",
            f"an APLD {kind} is {positive.value} or refused (R36)",
            type="outcome_for_another_type",
        )
    decided_on = data.decided_on or today
    not_in_future("decided_on", decided_on, today)
    filed_on = paris_date(agreement.filed_at)
    if decided_on < filed_on:
        raise InvalidInput(
            "decided_on", f"a decision is never dated before the filing ({filed_on}) (R17)"
        )
    on_that_day = rules.status_on(agreement.status, kind, tacit_at, decided_on)
    if data.outcome.value not in rules.allowed_outcomes(on_that_day, kind):
        raise InvalidTransition("APLD agreement", on_that_day, f"{data.outcome.value} (R36)")
    if data.outcome == AgreementOutcome.refused and not data.reason:
        raise InvalidInput("reason", "required for a refusal (R36)", type="missing")
    above = agreement.max_reduction is not None and agreement.max_reduction > 40
    if data.outcome != AgreementOutcome.refused and above and data.reduction_granted is None:
        raise InvalidInput(
            "reduction_granted",
            f"the agreement asks for a maximum reduction of {agreement.max_reduction} %: say "
            "whether the decision grants more than 40 % (R35)",
            type="missing",
        )
    agreement.status = AgreementStatus(data.outcome.value)
    agreement.decided_on = decided_on
    agreement.decision_reason = data.reason
    agreement.reduction_granted = data.reduction_granted
    agreement.updated_at = now
    session.add(agreement)
    await service.record_event(
        session, principal, agreement, data.outcome.value, None, now, before=before
    )
    return await service.present(session, agreement, now)


async def record_neutralisation(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    data: NeutralisationInput,
    now: datetime,
    today: date,
) -> AgreementPublic:
    """R38: an agreement decided before the automatic date has months 2020-11 – 2021-06
    neutralised only once an amendment or the stop of its public-facing activity is recorded."""
    agreement = await service.get_agreement(session, principal, agreement_id, lock=True)
    kind, tacit_at = agreement.type, agreement.tacit_decision_at
    decided = rules.decision_day(agreement.status, kind, tacit_at, agreement.decided_on, now)
    status = rules.effective_status(agreement.status, kind, tacit_at, now)
    if decided is None:
        raise InvalidTransition("APLD agreement", status, "neutralised (R38)")
    applies, automatic = rules.neutralisation_applies(decided, agreement.neutralisation_basis)
    if applies:
        why = "automatically (R38)" if automatic else "already (R38)"
        raise InvalidTransition("APLD agreement", status, f"neutralised: it is {why}")
    on = data.on or today
    not_in_future("on", on, today)
    agreement.neutralisation_basis = data.basis
    agreement.neutralisation_recorded_on = on
    agreement.updated_at = now
    session.add(agreement)
    await service.record_event(
        session, principal, agreement, "neutralised", status, now, before=status
    )
    return await service.present(session, agreement, now)
