"""Sign-in rules as pure functions: limits per client address. The lock-out itself (FCC-6
sign-in protection) is core.lockout, shared with PIN sign-in at stations."""

from __future__ import annotations

from datetime import datetime, timedelta

from roster.core.lockout import Window, window_after, window_wait

WINDOW = timedelta(minutes=1)


def address_blocked(window: Window | None, now: datetime, *, limit: int) -> int:
    """Seconds a client address must wait after too many failures this minute (0: may try)."""
    return window_wait(window, now, limit=limit, length=WINDOW)


def address_after_failure(window: Window | None, now: datetime) -> Window:
    return window_after(window, now, length=WINDOW)
