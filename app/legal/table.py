"""The legal parameter table (R23), loaded from `parameters.toml` and validated once."""

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.core.dates import add_months

PARAMETERS_FILE = Path(__file__).with_name("parameters.toml")
RATE_FIELDS = ("indemnity_rate", "allocation_rate", "allocation_floor")


class Regime(StrEnum):
    general = "general"
    protected = "protected"
    closed = "closed"


@dataclass(frozen=True)
class RegimeRates:
    indemnity_rate: Decimal  # fraction, 0.70
    allocation_rate: Decimal
    allocation_floor: Decimal


@dataclass(frozen=True)
class Period:
    first_month: date
    last_month: date
    smic_hourly: Decimal
    indemnity_floor: Decimal
    regimes: dict[Regime, RegimeRates]
    uncertain: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class MonthParameters:
    month: date
    regime: Regime
    smic_hourly: Decimal
    hourly_cap: Decimal
    indemnity_rate: Decimal
    allocation_rate: Decimal
    indemnity_floor: Decimal
    allocation_floor: Decimal
    uncertain: tuple[str, ...]
    source: str


class ParameterFileError(ValueError):
    pass


class MonthNotCovered(LookupError):
    def __init__(self, month: date, first: date, last: date) -> None:
        super().__init__(month)
        self.month, self.first, self.last = month, first, last


@dataclass(frozen=True)
class ParameterTable:
    cap_multiple: Decimal
    periods: tuple[Period, ...]

    @property
    def first_month(self) -> date:
        return self.periods[0].first_month

    @property
    def last_month(self) -> date:
        return self.periods[-1].last_month

    def for_month(self, month: date, regime: Regime) -> MonthParameters:
        month = month.replace(day=1)
        for p in self.periods:
            if p.first_month <= month <= p.last_month:
                r = p.regimes[regime]
                return MonthParameters(
                    month=month,
                    regime=regime,
                    smic_hourly=p.smic_hourly,
                    hourly_cap=self.cap_multiple * p.smic_hourly,
                    indemnity_rate=r.indemnity_rate,
                    allocation_rate=r.allocation_rate,
                    indemnity_floor=p.indemnity_floor,
                    allocation_floor=r.allocation_floor,
                    uncertain=p.uncertain,
                    source=p.source,
                )
        raise MonthNotCovered(month, self.first_month, self.last_month)


def _decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise ParameterFileError(f'{where}: write numbers as strings, e.g. "8.03"')
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise ParameterFileError(f"{where}: {value!r} is not a number") from exc
    if not number.is_finite() or "e" in value.lower():
        raise ParameterFileError(f"{where}: {value!r} is not a plain decimal number")
    if number <= 0:
        raise ParameterFileError(f"{where}: must be positive")
    return number


def _month(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError) as exc:
        raise ParameterFileError(f"{where}: {value!r} is not a month YYYY-MM") from exc


def parse_table(data: dict[str, Any]) -> ParameterTable:
    """Validate the whole file: every field present, rates within 0–100 %, rows in order with
    neither gap nor overlap."""
    cap = _decimal(data.get("hourly_cap_smic_multiple"), "hourly_cap_smic_multiple")
    rows = data.get("period")
    if not rows:
        raise ParameterFileError("no [[period]] rows")
    periods: list[Period] = []
    for i, row in enumerate(rows):
        where = f"period {i + 1} ({row.get('from')})"
        first, last = _month(row.get("from"), where), _month(row.get("to"), where)
        if last < first:
            raise ParameterFileError(f"{where}: 'to' precedes 'from'")
        if periods and first != add_months(periods[-1].last_month, 1):
            kind = "overlap" if first <= periods[-1].last_month else "gap"
            raise ParameterFileError(f"{where}: {kind} after {periods[-1].last_month:%Y-%m}")
        regimes = {}
        for regime in Regime:
            cell = row.get(regime.value)
            if not isinstance(cell, dict):
                raise ParameterFileError(f"{where}: regime '{regime}' missing")
            values = {}
            for field in RATE_FIELDS:
                value = _decimal(cell.get(field), f"{where}.{regime}.{field}")
                if field.endswith("_rate"):
                    if value > 100:
                        raise ParameterFileError(f"{where}.{regime}.{field}: above 100 %")
                    value = value / 100
                values[field] = value
            regimes[regime] = RegimeRates(**values)
        source = row.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ParameterFileError(f"{where}: source missing")
        periods.append(
            Period(
                first_month=first,
                last_month=last,
                smic_hourly=_decimal(row.get("smic_hourly"), f"{where}.smic_hourly"),
                indemnity_floor=_decimal(row.get("indemnity_floor"), f"{where}.indemnity_floor"),
                regimes=regimes,
                uncertain=tuple(row.get("uncertain", ())),
                source=source,
            )
        )
    return ParameterTable(cap_multiple=cap, periods=tuple(periods))


@lru_cache
def parameter_table(path: Path = PARAMETERS_FILE) -> ParameterTable:
    with path.open("rb") as f:
        return parse_table(tomllib.load(f))
