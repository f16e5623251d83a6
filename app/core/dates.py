"""Calendar helpers for the procedure's dates (all in Europe/Paris)."""

import calendar
from datetime import date, datetime

from app.core.clock import PARIS
from app.errors import InvalidInput


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def paris_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def not_in_future(field: str, value: date, today: date) -> date:
    if value > today:
        raise InvalidInput(
            field, f"{value} is in the future (today is {today} in Paris)", type="date_in_future"
        )
    return value


def not_in_future_at(field: str, value: datetime, now: datetime) -> datetime:
    if value > now:
        raise InvalidInput(field, f"{value.isoformat()} is in the future", type="date_in_future")
    return value
