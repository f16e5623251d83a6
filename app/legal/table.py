"""The legal parameter table (R23, R27–R34), loaded from `parameters.toml` and validated once."""

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
    """An establishment's regime of a month (or a line's override of it)."""

    general = "general"
    protected = "protected"
    closed = "closed"


class PricingRegime(StrEnum):
    """The regime a line is computed with: its establishment's, or R34's own from 2021-04."""

    general = "general"
    protected = "protected"
    closed = "closed"
    vulnerable_or_childcare = "vulnerable_or_childcare"


@dataclass(frozen=True)
class RegimeRates:
    indemnity_rate: Decimal  # fraction, 0.70
    allocation_rate: Decimal
    allocation_floor: Decimal


@dataclass(frozen=True)
class Flags:
    uncertain: tuple[str, ...]
    single_source: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Period:
    first_month: date
    last_month: date
    smic_hourly: Decimal
    indemnity_floor: Decimal
    regimes: dict[Regime, RegimeRates]
    base_cap: bool
    net_ceiling: bool
    flags: Flags


@dataclass(frozen=True)
class AbsencePeriod:
    """A row of the `vulnerable_or_childcare` table (R34): one floor for both amounts."""

    first_month: date
    last_month: date
    rates: RegimeRates
    flags: Flags


@dataclass(frozen=True)
class LegalRules:
    """The hours and dates of R28–R34, read from the file's `[rules]`."""

    legal_month_hours: Decimal
    legal_week_hours: Decimal
    half_day_hours: Decimal
    day_hours: Decimal
    overtime_hours_from: date
    overtime_hours_until: date
    overtime_signed_before: date
    absence_from: date
    childcare_until: date
    childcare_pause_from: date
    childcare_pause_until: date
    rmm_month_hours: Decimal
    flags: Flags


@dataclass(frozen=True)
class MonthParameters:
    month: date
    regime: PricingRegime
    smic_hourly: Decimal
    hourly_cap: Decimal
    indemnity_rate: Decimal
    allocation_rate: Decimal
    indemnity_floor: Decimal
    allocation_floor: Decimal
    base_cap: bool
    net_ceiling: bool
    # R33: the month's own indemnity floor, whatever the regime, and the RMM's hours
    month_indemnity_floor: Decimal
    rmm_month_hours: Decimal
    # R30–R32: the legal working time of a whole month
    legal_month_hours: Decimal
    uncertain: tuple[str, ...]
    single_source: tuple[str, ...]
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
    absence_periods: tuple[AbsencePeriod, ...]
    rules: LegalRules

    @property
    def first_month(self) -> date:
        return self.periods[0].first_month

    @property
    def last_month(self) -> date:
        return self.periods[-1].last_month

    def _period(self, month: date) -> Period:
        for p in self.periods:
            if p.first_month <= month <= p.last_month:
                return p
        raise MonthNotCovered(month, self.first_month, self.last_month)

    def for_month(self, month: date, regime: Regime) -> MonthParameters:
        month = month.replace(day=1)
        p = self._period(month)
        r = p.regimes[Regime(regime)]
        return self._parameters(month, PricingRegime(regime), p, r, p.indemnity_floor, p.flags)

    def absence_regime_from(self) -> date:
        return self.absence_periods[0].first_month

    def for_absence(self, month: date) -> MonthParameters | None:
        """R34: the `vulnerable_or_childcare` row of the month, or None before its first
        month (the line then takes its establishment's regime)."""
        month = month.replace(day=1)
        p = self._period(month)
        for a in self.absence_periods:
            if a.first_month <= month <= a.last_month:
                floor = a.rates.allocation_floor  # both floors (R34)
                return self._parameters(
                    month, PricingRegime.vulnerable_or_childcare, p, a.rates, floor, a.flags
                )
        if month >= self.absence_regime_from():
            raise MonthNotCovered(
                month, self.absence_regime_from(), self.absence_periods[-1].last_month
            )
        return None

    def _parameters(
        self,
        month: date,
        regime: PricingRegime,
        p: Period,
        r: RegimeRates,
        indemnity_floor: Decimal,
        flags: Flags,
    ) -> MonthParameters:
        return MonthParameters(
            month=month,
            regime=regime,
            smic_hourly=p.smic_hourly,
            hourly_cap=self.cap_multiple * p.smic_hourly,
            indemnity_rate=r.indemnity_rate,
            allocation_rate=r.allocation_rate,
            indemnity_floor=indemnity_floor,
            allocation_floor=r.allocation_floor,
            base_cap=p.base_cap,
            net_ceiling=p.net_ceiling,
            month_indemnity_floor=p.indemnity_floor,
            rmm_month_hours=self.rules.rmm_month_hours,
            legal_month_hours=self.rules.legal_month_hours,
            uncertain=flags.uncertain,
            single_source=flags.single_source,
            source=flags.source,
        )


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


def _day(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ParameterFileError(f"{where}: {value!r} is not a date YYYY-MM-DD") from exc


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ParameterFileError(f"{where}: write true or false")
    return value


def _flags(row: dict[str, Any], where: str) -> Flags:
    source = row.get("source") if "source" in row else row.get("sources")
    if not isinstance(source, str) or not source.strip():
        raise ParameterFileError(f"{where}: source missing")
    lists = []
    for name in ("uncertain", "single_source"):
        value = row.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParameterFileError(f"{where}.{name}: a list of field names")
        lists.append(tuple(value))
    return Flags(uncertain=lists[0], single_source=lists[1], source=source)


def _rates(cell: Any, where: str, floor_name: str = "allocation_floor") -> RegimeRates:
    if not isinstance(cell, dict):
        raise ParameterFileError(f"{where}: missing")
    values = {}
    for field, key in zip(
        RATE_FIELDS, ("indemnity_rate", "allocation_rate", floor_name), strict=True
    ):
        value = _decimal(cell.get(key), f"{where}.{key}")
        if field.endswith("_rate"):
            if value > 100:
                raise ParameterFileError(f"{where}.{key}: above 100 %")
            value = value / 100
        values[field] = value
    return RegimeRates(**values)


def _check_sequence(first: date, last: date, previous: date | None, where: str) -> None:
    if last < first:
        raise ParameterFileError(f"{where}: 'to' precedes 'from'")
    if previous is not None and first != add_months(previous, 1):
        kind = "overlap" if first <= previous else "gap"
        raise ParameterFileError(f"{where}: {kind} after {previous:%Y-%m}")


def _rules(data: Any) -> LegalRules:
    if not isinstance(data, dict):
        raise ParameterFileError("[rules] missing")
    hours = (
        "legal_month_hours",
        "legal_week_hours",
        "half_day_hours",
        "day_hours",
        "rmm_month_hours",
    )
    days = (
        "overtime_hours_from", "overtime_hours_until", "overtime_signed_before", "absence_from",
        "childcare_until", "childcare_pause_from", "childcare_pause_until",
    )  # fmt: skip
    values: dict[str, Any] = {name: _decimal(data.get(name), f"rules.{name}") for name in hours}
    values |= {name: _day(data.get(name), f"rules.{name}") for name in days}
    return LegalRules(**values, flags=_flags(data, "rules"))


def parse_table(data: dict[str, Any]) -> ParameterTable:
    """Validate the whole file: every field present, rates within 0–100 %, rows in order with
    neither gap nor overlap, in both tables."""
    cap = _decimal(data.get("hourly_cap_smic_multiple"), "hourly_cap_smic_multiple")
    rows = data.get("period")
    if not rows:
        raise ParameterFileError("no [[period]] rows")
    periods: list[Period] = []
    for i, row in enumerate(rows):
        where = f"period {i + 1} ({row.get('from')})"
        first, last = _month(row.get("from"), where), _month(row.get("to"), where)
        _check_sequence(first, last, periods[-1].last_month if periods else None, where)
        regimes = {}
        for regime in Regime:
            if not isinstance(row.get(regime.value), dict):
                raise ParameterFileError(f"{where}: regime '{regime}' missing")
            regimes[regime] = _rates(row[regime.value], f"{where}.{regime}")
        periods.append(
            Period(
                first_month=first,
                last_month=last,
                smic_hourly=_decimal(row.get("smic_hourly"), f"{where}.smic_hourly"),
                indemnity_floor=_decimal(row.get("indemnity_floor"), f"{where}.indemnity_floor"),
                regimes=regimes,
                base_cap=_bool(row.get("base_cap"), f"{where}.base_cap"),
                net_ceiling=_bool(row.get("net_ceiling"), f"{where}.net_ceiling"),
                flags=_flags(row, where),
            )
        )
    absences: list[AbsencePeriod] = []
    for i, row in enumerate(data.get("vulnerable_or_childcare") or ()):
        where = f"vulnerable_or_childcare {i + 1} ({row.get('from')})"
        first, last = _month(row.get("from"), where), _month(row.get("to"), where)
        _check_sequence(first, last, absences[-1].last_month if absences else None, where)
        if first < periods[0].first_month or last > periods[-1].last_month:
            raise ParameterFileError(f"{where}: outside the months of [[period]]")
        absences.append(
            AbsencePeriod(first, last, _rates(row, where, floor_name="floor"), _flags(row, where))
        )
    if not absences:
        raise ParameterFileError("no [[vulnerable_or_childcare]] rows")
    return ParameterTable(
        cap_multiple=cap,
        periods=tuple(periods),
        absence_periods=tuple(absences),
        rules=_rules(data.get("rules")),
    )


@lru_cache
def parameter_table(path: Path = PARAMETERS_FILE) -> ParameterTable:
    with path.open("rb") as f:
        return parse_table(tomllib.load(f))
