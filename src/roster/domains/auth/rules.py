"""Sign-in rules as pure functions: lock-out (FCC-6 sign-in protection) and address limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockState:
    failures: int
    locked_until: datetime | None


def seconds_locked(state: LockState | None, now: datetime) -> int:
    """Seconds left on a lock (0 when not locked), rounded up for Retry-After."""
    if state is None or state.locked_until is None or state.locked_until <= now:
        return 0
    return max(1, math.ceil((state.locked_until - now).total_seconds()))


def after_failure(state: LockState | None, now: datetime, *, attempts: int, seconds: int
                  ) -> LockState:
    """The lock state after one more failed attempt: the ``attempts``-th failure locks."""
    failures = 0 if state is None else state.failures
    if state is not None and state.locked_until is not None and state.locked_until <= now:
        failures = 0  # the previous lock ended: a fresh count
    failures += 1
    if failures >= attempts:
        return LockState(0, now + timedelta(seconds=seconds))
    return LockState(failures, None if state is None else state.locked_until)


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
