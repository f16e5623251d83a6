import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.deps import Principal, Scoped
from app.core.clock import ClockDep
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.db import ReadSession, WriteSession
from app.habilitations import service
from app.habilitations.models import (
    Habilitation,
    HabilitationPublic,
    HabilitationStatus,
    HabilitationStep,
)
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

Read = Annotated[Principal, Scoped("establishments:read")]
Write = Annotated[Principal, Scoped("establishments:write")]

router = APIRouter(
    route_class=CheckedRoute,
    prefix="/v1/establishments/{establishment_id}/habilitation",
    tags=["habilitation"],
)


@router.get(
    "",
    operation_id="habilitation-get",
    response_model=HabilitationPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(),
)
async def get_habilitation(
    establishment_id: uuid.UUID, session: ReadSession, principal: Read, response: Response
) -> HabilitationPublic:
    """Where the establishment's APART account stands (R8)."""
    result = await service.get_habilitation(session, principal, establishment_id)
    await _tag(session, response, establishment_id)
    return result


async def _tag(session: AsyncSession, response: Response, establishment_id: uuid.UUID) -> None:
    # Before its first step an establishment's habilitation has no row: version 0.
    await tag(session, response, Habilitation, establishment_id, key="establishment_id", missing=0)


_ON = "An `on` in the future is a 422 (`date_in_future`)."


def _step(target: HabilitationStatus, path: str, operation_id: str, doc: str) -> None:
    @router.post(
        path,
        operation_id=operation_id,
        response_model=HabilitationPublic,
        responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
        description=doc,
    )
    async def step(
        establishment_id: uuid.UUID,
        body: HabilitationStep,
        session: WriteSession,
        principal: Write,
        clock: ClockDep,
        response: Response,
        _: Annotated[None, Depends(IfMatch(Habilitation, "establishment_id"))],
    ) -> HabilitationPublic:
        result = await service.advance(
            session,
            principal,
            establishment_id=establishment_id,
            target=target,
            on=body.on or clock.today(),
            now=clock.now(),
            today=clock.today(),
        )
        await _tag(session, response, establishment_id)
        return result


_step(
    HabilitationStatus.requested,
    "/request",
    "habilitation-request",
    "The firm asked APART for the establishment's space; needs a contract in force (R6). " + _ON,
)
_step(
    HabilitationStatus.credentials_sent,
    "/credentials-sent",
    "habilitation-credentials-sent",
    "APART sent the establishment's codes to the client (R8). " + _ON,
)
_step(
    HabilitationStatus.habilitated,
    "/habilitated",
    "habilitation-habilitated",
    "The client passed the habilitation to the firm: DAPs can now be filed (R8, R9). " + _ON,
)
