"""Refusals counted per subject in a fixed window, and the wait once a subject used its budget.

Used where an answer must not become an oracle that can be asked at will: a password refused
because another user holds it (FCC-13) is counted per actor, and once the budget is spent every
password change by that actor waits, so the waiting itself tells nothing. Counters are rows of
``throttles``, counted atomically (see :func:`count`); the rules are core.lockout's windows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from roster.core.lockout import Window, window_after, window_wait
from roster.core.queries import insert_ignore
from roster.core.secrets import fingerprint
from roster.db import Base


class Throttle(Base):
    """Refusals of one subject (a keyed fingerprint of purpose and actor) in the current window."""

    __tablename__ = "throttles"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)


def subject(purpose: str, who: str) -> str:
    return fingerprint("throttle", f"{purpose}\x00{who}")


def _window(row: Throttle | None) -> Window | None:
    return None if row is None else Window(row.window_start, row.count)


async def wait(db: AsyncSession, key: str, now: datetime, *, limit: int, length: timedelta
               ) -> int:
    """Seconds ``key`` must wait (0: it may try)."""
    row = await db.get(Throttle, key)
    return window_wait(_window(row), now, limit=limit, length=length)


async def remaining(db: AsyncSession, key: str, now: datetime, *, limit: int,
                    length: timedelta) -> int:
    """How many more refusals ``key`` may have in the current window."""
    window = _window(await db.get(Throttle, key))
    if window is None or not (window.start <= now < window.start + length):
        return limit
    return max(0, limit - window.count)


async def count(db: AsyncSession, key: str, now: datetime, *, length: timedelta, by: int = 1
                ) -> None:
    """``by`` more refusals of ``key``. The row is created if missing without a race, then
    locked (PostgreSQL) or written under SQLite's single writer, so concurrent counts add up."""
    await insert_ignore(db, Throttle, {"subject": key, "window_start": now, "count": 0})
    row = (await db.execute(select(Throttle).where(Throttle.subject == key)
                            .with_for_update().execution_options(populate_existing=True))
           ).scalar_one()
    after = window_after(_window(row), now, length=length, by=by)
    row.window_start, row.count = after.start, after.count
    await db.flush()
