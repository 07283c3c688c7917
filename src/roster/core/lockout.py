"""Lock-out after repeated failures, as pure functions: shared by password sign-in and PIN
sign-in at stations so both are limited the same way (settings lockout_attempts/seconds)."""

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
    """The lock state after one more failed attempt: the ``attempts``-th failure locks. An
    attempt made while locked is refused by the lock itself and not counted, so a burst of
    concurrent failures locks after exactly ``attempts`` of them."""
    if locked_now(state, now):
        return state
    failures = 0 if state is None else state.failures
    if state is not None and state.locked_until is not None and state.locked_until <= now:
        failures = 0  # the previous lock ended: a fresh count
    failures += 1
    if failures >= attempts:
        return LockState(0, now + timedelta(seconds=seconds))
    return LockState(failures, None if state is None else state.locked_until)


def locked_now(state: LockState | None, now: datetime) -> bool:
    return seconds_locked(state, now) > 0


# --- refusals counted in a fixed window (per client address, per actor) ----------------------

@dataclass(frozen=True)
class Window:
    start: datetime
    count: int


def window_wait(window: Window | None, now: datetime, *, limit: int, length: timedelta) -> int:
    """Seconds to wait before trying again after ``limit`` refusals in the current window
    (0: may try), rounded up for Retry-After."""
    if window is None or not (window.start <= now < window.start + length):
        return 0
    if window.count < limit:
        return 0
    return max(1, math.ceil((window.start + length - now).total_seconds()))


def window_after(window: Window | None, now: datetime, *, length: timedelta, by: int = 1
                 ) -> Window:
    """The window after ``by`` more refusals: a new one when the current one has ended."""
    if window is None or not (window.start <= now < window.start + length):
        return Window(now, by)
    return Window(window.start, window.count + by)
