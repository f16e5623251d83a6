"""Long loops on the event loop give other requests a turn now and then: a worker serves many
requests at once, and a firm-wide list computed in one go would hold every one of them back
for as long as it takes (issue: nothing blocks the loop)."""

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

T = TypeVar("T")

# About a millisecond of work between two turns for the loops that use it.
EVERY = 40


async def next_turn() -> None:
    """Let the event loop run whatever else is ready, then carry on."""
    await asyncio.sleep(0)


async def taking_turns(items: Iterable[T], every: int = EVERY) -> AsyncIterator[T]:
    """`items`, with a turn for the others after each `every` of them."""
    for count, item in enumerate(items, start=1):
        yield item
        if count % every == 0:
            await next_turn()
