from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import Principal, Scoped
from app.core.models import Day
from app.core.routing import CheckedRoute
from app.legal import service
from app.legal.models import LegalParameters, Simulation, SimulationResult
from app.legal.table import PricingRegime
from app.openapi import problem_responses

router = APIRouter(route_class=CheckedRoute, tags=["amounts"])


@router.get(
    "/v1/legal-parameters",
    operation_id="legal-parameters-get",
    response_model=LegalParameters,
    responses=problem_responses(422),
)
async def legal_parameters(
    on: Annotated[Day, Query(description="Any day of the month of the hours not worked")],
    regime: Annotated[
        PricingRegime,
        Query(
            description="An establishment's regime, or vulnerable_or_childcare (R34, from 2021-04)"
        ),
    ] = PricingRegime.general,
) -> LegalParameters:
    """The partial-activity parameters in force for a month and regime (public). A month the
    legal table does not cover is a 422 `month_outside_parameters` (R23: the table grows with
    the law, so the document bounds dates to their years only)."""
    return service.parameters_on(on, regime)


@router.post(
    "/v1/simulations",
    operation_id="simulations-create",
    response_model=SimulationResult,
    responses=problem_responses(401, 403, 422),
)
async def simulate(
    body: Simulation, principal: Annotated[Principal, Scoped("claims:read")]
) -> SimulationResult:
    """Compute indemnity and allocation for lines without storing anything (R23, R27–R34). A
    `month` the legal table does not cover is a 422 `month_outside_parameters`; the line rules
    of R30 (`forfait_*`), R31 (`overtime_*`) and R34 (`absence_*`, `childcare_ended`) are 422s
    naming the line's field."""
    return service.simulate(body)
