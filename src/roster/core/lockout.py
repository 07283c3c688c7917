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
    """The lock state after one more failed attempt: the ``attempts``-th failure locks."""
    failures = 0 if state is None else state.failures
    if state is not None and state.locked_until is not None and state.locked_until <= now:
        failures = 0  # the previous lock ended: a fresh count
    failures += 1
    if failures >= attempts:
        return LockState(0, now + timedelta(seconds=seconds))
    return LockState(failures, None if state is None else state.locked_until)
