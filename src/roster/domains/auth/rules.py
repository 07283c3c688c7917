"""Sign-in rules as pure functions: limits per client address. The lock-out itself (FCC-6
sign-in protection) is core.lockout, shared with PIN sign-in at stations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class AddressWindow:
    window_start: datetime
    count: int


WINDOW = timedelta(minutes=1)


def address_blocked(window: AddressWindow | None, now: datetime, *, limit: int) -> int:
    """Seconds a client address must wait after too many failures this minute (0: may try)."""
    if window is None or not (window.window_start <= now < window.window_start + WINDOW):
        return 0
    if window.count < limit:
        return 0
    return max(1, math.ceil((window.window_start + WINDOW - now).total_seconds()))


def address_after_failure(window: AddressWindow | None, now: datetime) -> AddressWindow:
    if window is None or not (window.window_start <= now < window.window_start + WINDOW):
        return AddressWindow(now, 1)
    return AddressWindow(window.window_start, window.count + 1)
