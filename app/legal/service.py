from datetime import date
from decimal import Decimal

from app.authorizations.rules import annual_quota
from app.errors import InvalidInput
from app.legal import rules
from app.legal.models import LegalParameters, SimulatedLine, Simulation, SimulationResult
from app.legal.table import (
    MonthNotCovered,
    MonthParameters,
    ParameterTable,
    PricingRegime,
    Regime,
    parameter_table,
)

# The input fields a simulated line shows as given (and hours_not_worked as computed, R30).
_ECHOED = (
    "employee_ref",
    *(name for name in SimulatedLine.model_fields if name in rules.LineFacts.__annotations__),
)


def _outside(
    exc: MonthNotCovered, field: str, location: str, what: str = "legal parameters"
) -> InvalidInput:
    return InvalidInput(
        field,
        f"no {what} for {exc.month:%Y-%m}: the table covers {exc.first:%Y-%m} to {exc.last:%Y-%m}",
        type="month_outside_parameters",
        location=location,
    )


def _params_on(table: ParameterTable, on: date, regime: PricingRegime) -> MonthParameters:
    try:
        if regime is PricingRegime.vulnerable_or_childcare:
            params = table.for_absence(on)
            if params is None:
                first = table.absence_regime_from()
                raise MonthNotCovered(
                    on.replace(day=1), first, table.absence_periods[-1].last_month
                )
            return params
        return table.for_month(on, Regime(regime.value))
    except MonthNotCovered as exc:
        what = (
            f"{regime} parameters"
            if regime is PricingRegime.vulnerable_or_childcare
            else "legal parameters"
        )
        raise _outside(exc, "on", "query", what) from exc


def parameters_on(on: date, regime: PricingRegime) -> LegalParameters:
    p = _params_on(parameter_table(), on, regime)
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
        base_cap=p.base_cap,
        net_ceiling=p.net_ceiling,
        annual_quota_hours=annual_quota(on.year),
        uncertain=list(p.uncertain),
        single_source=list(p.single_source),
        source=p.source,
    )


def simulate(data: Simulation) -> SimulationResult:
    """R23, R27–R34 on lines that are not stored: what a payslip should show before filing."""
    table = parameter_table()
    month = date.fromisoformat(f"{data.month}-01")
    lines = []
    for i, line in enumerate(data.lines):
        field = f"lines.{i}"
        rules.check_line_shape(line, field, table)
        try:
            rules.check_line_month(month, line, field, table)
            params = rules.month_parameters(month, line, line.regime or data.regime, table)
        except MonthNotCovered as exc:
            raise _outside(exc, "month", "body") from exc
        amounts = rules.price_line(params, line)
        lines.append(
            SimulatedLine(
                **vars(amounts),
                **{name: getattr(line, name) for name in _ECHOED},
                regime=params.regime,
                warnings=rules.line_warnings(month, line, table.rules),
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
        total_rmm_complement=sum((x.rmm_complement or zero for x in lines), zero),
    )
