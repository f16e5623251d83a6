from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

PARIS = ZoneInfo("Europe/Paris")


class Clock:
    """The service's notion of now. Tests replace it with a fixed one; nothing sleeps."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self._now().astimezone(UTC)

    def today(self) -> date:
        """Today in Europe/Paris, the default for every procedural date."""
        return self._now().astimezone(PARIS).date()


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(_clock)]
