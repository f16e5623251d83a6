from dataclasses import asdict
from datetime import date
from decimal import Decimal

from app.authorizations.rules import annual_quota
from app.errors import InvalidInput
from app.legal.amounts import line_amounts
from app.legal.models import LegalParameters, SimulatedLine, Simulation, SimulationResult
from app.legal.table import MonthNotCovered, MonthParameters, Regime, parameter_table


def _params(month: date, regime: Regime, field: str, location: str = "body") -> MonthParameters:
    try:
        return parameter_table().for_month(month, regime)
    except MonthNotCovered as exc:
        raise InvalidInput(
            field,
            f"no legal parameters for {exc.month:%Y-%m}: the table covers "
            f"{exc.first:%Y-%m} to {exc.last:%Y-%m}",
            type="month_outside_parameters",
            location=location,
        ) from exc


def parameters_on(on: date, regime: Regime) -> LegalParameters:
    p = _params(on, regime, "on", location="query")
    return LegalParameters(
        on=on,
        month=f"{p.month:%Y-%m}",
        regime=regime,
        smic_hourly=p.smic_hourly,
        hourly_cap=p.hourly_cap,
        indemnity_rate=p.indemnity_rate,
        allocation_rate=p.allocation_rate,
        indemnity_floor=p.indemnity_floor,
        allocation_floor=p.allocation_floor,
        annual_quota_hours=annual_quota(on.year),
        uncertain=list(p.uncertain),
        source=p.source,
    )


def simulate(data: Simulation) -> SimulationResult:
    """R23 on lines that are not stored: what a payslip should show before filing."""
    month = date.fromisoformat(f"{data.month}-01")
    lines = []
    for line in data.lines:
        regime = line.regime or data.regime
        amounts = line_amounts(
            _params(month, regime, "month"), line.hourly_rate, line.hours_not_worked
        )
        lines.append(
            SimulatedLine(
                **{**asdict(amounts), "applied": list(amounts.applied)},
                regime=regime,
                employee_ref=line.employee_ref,
                contract_hours=line.contract_hours,
                hours_not_worked=line.hours_not_worked,
                hourly_rate=line.hourly_rate,
            )
        )
    zero = Decimal("0.00")
    indemnity = sum((x.indemnity_amount for x in lines), zero)
    allocation = sum((x.allocation_amount for x in lines), zero)
    return SimulationResult(
        month=data.month,
        lines=lines,
        total_hours=sum((x.hours_not_worked for x in lines), zero),
        total_indemnity=indemnity,
        total_allocation=allocation,
        employer_cost=indemnity - allocation,
    )
