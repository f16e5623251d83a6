"""The APLD parameters (R35–R41), loaded from `parameters.toml` beside this module and validated
once: dates, delays, caps and the APLD amounts table."""

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.core.dates import add_months
from app.legal.table import Flags, MonthNotCovered, ParameterFileError

PARAMETERS_FILE = Path(__file__).with_name("parameters.toml")


@dataclass(frozen=True)
class ApldRules:
    first_month: date
    authorization_months: int
    validation_silence_days: int
    homologation_silence_days: int
    base_max_reduction: Decimal  # fraction, 0.40
    raised_max_reduction: Decimal
    legal_month_hours: Decimal
    count_ordinary_hours: bool
    neutralised_from: date
    neutralised_to: date
    neutralised_automatic_from: date
    raised_floor: str
    flags: Flags


@dataclass(frozen=True)
class EntryDeadline:
    known_from: date
    deadline: date
    source: str


@dataclass(frozen=True)
class DurationCap:
    filed_from: date
    months: int
    window_months: int
    source: str


@dataclass(frozen=True)
class ApldAmounts:
    first_month: date
    last_month: date
    smic_hourly: Decimal
    indemnity_rate: Decimal  # fraction
    allocation_rate: Decimal
    allocation_floor: Decimal
    indemnity_floor: Decimal
    raised: bool
    flags: Flags


@dataclass(frozen=True)
class ApldTable:
    rules: ApldRules
    entry_deadlines: tuple[EntryDeadline, ...]
    duration_caps: tuple[DurationCap, ...]
    amounts: tuple[ApldAmounts, ...]

    def entry_deadline(self, on: date) -> date:
        """R35: the last day to file an agreement, as it stood on `on`."""
        return _in_force(self.entry_deadlines, on, "known_from").deadline

    def duration_cap(self, filed_on: date) -> DurationCap:
        """R38: the cap in force on a renewal's filing date."""
        return _in_force(self.duration_caps, filed_on, "filed_from")

    def amounts_for(self, month: date) -> ApldAmounts:
        month = month.replace(day=1)
        for row in self.amounts:
            if row.first_month <= month <= row.last_month:
                return row
        raise MonthNotCovered(month, self.amounts[0].first_month, self.amounts[-1].last_month)


def _in_force(rows: tuple[Any, ...], on: date, key: str) -> Any:
    found = [r for r in rows if getattr(r, key) <= on]
    return found[-1] if found else rows[0]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ParameterFileError(f"{where}: missing")
    return value


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ParameterFileError(f"{where}: a positive integer")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ParameterFileError(f"{where}: write true or false")
    return value


def _decimal(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(_text(value, where))
    except ArithmeticError as exc:
        raise ParameterFileError(f"{where}: {value!r} is not a number") from exc
    if not number.is_finite() or number <= 0 or "e" in value.lower():
        raise ParameterFileError(f'{where}: a positive plain decimal, e.g. "8.03"')
    return number


def _rate(value: Any, where: str) -> Decimal:
    number = _decimal(value, where)
    if number > 100:
        raise ParameterFileError(f"{where}: above 100 %")
    return number / 100


def _day(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ParameterFileError(f"{where}: {value!r} is not a date YYYY-MM-DD") from exc


def _month(value: Any, where: str) -> date:
    return _day(f"{value}-01" if isinstance(value, str) else value, where)


def _flags(row: dict[str, Any], where: str) -> Flags:
    lists = []
    for name in ("uncertain", "single_source"):
        value = row.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParameterFileError(f"{where}.{name}: a list of field names")
        lists.append(tuple(value))
    source = _text(row.get("source") or row.get("sources"), f"{where}.source")
    return Flags(uncertain=lists[0], single_source=lists[1], source=source)


def _rules(data: Any) -> ApldRules:
    if not isinstance(data, dict):
        raise ParameterFileError("[rules] missing")
    w = "rules."
    rules = ApldRules(
        first_month=_month(data.get("first_month"), w + "first_month"),
        authorization_months=_int(data.get("authorization_months"), w + "authorization_months"),
        validation_silence_days=_int(data.get("validation_silence_days"), w + "validation"),
        homologation_silence_days=_int(data.get("homologation_silence_days"), w + "homologation"),
        base_max_reduction=_rate(data.get("base_max_reduction"), w + "base_max_reduction"),
        raised_max_reduction=_rate(data.get("raised_max_reduction"), w + "raised_max_reduction"),
        legal_month_hours=_decimal(data.get("legal_month_hours"), w + "legal_month_hours"),
        count_ordinary_hours=_bool(data.get("count_ordinary_hours"), w + "count_ordinary_hours"),
        neutralised_from=_month(data.get("neutralised_from"), w + "neutralised_from"),
        neutralised_to=_month(data.get("neutralised_to"), w + "neutralised_to"),
        neutralised_automatic_from=_day(
            data.get("neutralised_automatic_from"), w + "neutralised_automatic_from"
        ),
        raised_floor=_text(data.get("raised_floor"), w + "raised_floor"),
        flags=_flags(data, "rules"),
    )
    if rules.neutralised_to < rules.neutralised_from:
        raise ParameterFileError("rules.neutralised_to precedes neutralised_from")
    if rules.raised_max_reduction < rules.base_max_reduction:
        raise ParameterFileError("rules.raised_max_reduction is below base_max_reduction")
    return rules


def _ordered(rows: list[Any], key: str, where: str) -> None:
    if not rows:
        raise ParameterFileError(f"no [[{where}]] rows")
    days = [getattr(r, key) for r in rows]
    if days != sorted(set(days)):
        raise ParameterFileError(f"[[{where}]]: rows out of order or repeated")


def parse_table(data: dict[str, Any]) -> ApldTable:
    deadlines = [
        EntryDeadline(
            known_from=_day(r.get("known_from"), f"entry_deadline {i + 1}"),
            deadline=_day(r.get("deadline"), f"entry_deadline {i + 1}"),
            source=_text(r.get("source"), f"entry_deadline {i + 1}.source"),
        )
        for i, r in enumerate(data.get("entry_deadline") or ())
    ]
    _ordered(deadlines, "known_from", "entry_deadline")
    caps = [
        DurationCap(
            filed_from=_day(r.get("filed_from"), f"duration_cap {i + 1}"),
            months=_int(r.get("months"), f"duration_cap {i + 1}.months"),
            window_months=_int(r.get("window_months"), f"duration_cap {i + 1}.window_months"),
            source=_text(r.get("source"), f"duration_cap {i + 1}.source"),
        )
        for i, r in enumerate(data.get("duration_cap") or ())
    ]
    _ordered(caps, "filed_from", "duration_cap")
    if any(c.months > c.window_months for c in caps):
        raise ParameterFileError("duration_cap: months above window_months")
    amounts: list[ApldAmounts] = []
    for i, r in enumerate(data.get("amounts") or ()):
        where = f"amounts {i + 1} ({r.get('from')})"
        first, last = _month(r.get("from"), where), _month(r.get("to"), where)
        if last < first:
            raise ParameterFileError(f"{where}: 'to' precedes 'from'")
        if amounts and first != add_months(amounts[-1].last_month, 1):
            raise ParameterFileError(f"{where}: gap or overlap after {amounts[-1].last_month}")
        amounts.append(
            ApldAmounts(
                first_month=first,
                last_month=last,
                smic_hourly=_decimal(r.get("smic_hourly"), f"{where}.smic_hourly"),
                indemnity_rate=_rate(r.get("indemnity_rate"), f"{where}.indemnity_rate"),
                allocation_rate=_rate(r.get("allocation_rate"), f"{where}.allocation_rate"),
                allocation_floor=_decimal(r.get("allocation_floor"), f"{where}.allocation_floor"),
                indemnity_floor=_decimal(r.get("indemnity_floor"), f"{where}.indemnity_floor"),
                raised=_bool(r.get("raised"), f"{where}.raised"),
                flags=_flags(r, where),
            )
        )
    if not amounts:
        raise ParameterFileError("no [[amounts]] rows")
    return ApldTable(_rules(data.get("rules")), tuple(deadlines), tuple(caps), tuple(amounts))


@lru_cache
def apld_table(path: Path = PARAMETERS_FILE) -> ApldTable:
    with path.open("rb") as f:
        return parse_table(tomllib.load(f))
