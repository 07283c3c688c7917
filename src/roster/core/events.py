"""Side effects queued during a transaction and run only after it commits."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("roster.events")
Effect = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, effect: Effect) -> None:
    """Queue an effect; it runs once the edge has committed, and never if it rolls back."""
    session.info.setdefault("after_commit", []).append(effect)


async def run_after_commit(session: AsyncSession) -> None:
    effects: list[Effect] = session.info.pop("after_commit", [])
    for effect in effects:
        try:
            await effect()
        except Exception:  # an effect failing must not turn a committed change into an error
            log.exception("after-commit effect failed")


def discard(session: AsyncSession) -> None:
    session.info.pop("after_commit", None)


# Bookkeeping of a refusal (a failed sign-in, a wrong PIN) must outlive the refusal itself: the
# request's own transaction rolls back, so the edge runs these afterwards, each in a transaction
# of its own that it commits.
Recorder = Callable[[AsyncSession], Awaitable[None]]


def record_even_if_refused(session: AsyncSession, recorder: Recorder) -> None:
    """Queue a write that is committed whatever the request's outcome (after its rollback)."""
    session.info.setdefault("even_if_refused", []).append(recorder)


async def run_refusal_records(session: AsyncSession, sessionmaker) -> None:
    recorders: list[Recorder] = session.info.pop("even_if_refused", [])
    for recorder in recorders:
        async with sessionmaker() as own:
            try:
                await recorder(own)
                await own.commit()
            except Exception:  # bookkeeping must not turn a 401 into a 500
                await own.rollback()
                log.exception("refusal record failed")


# In-process signals between domains that must not import each other (devices tell SIP that
# registrations went stale or routes changed). Subscribed where the application is built
# (roster.wiring), never at import; the rules of a write are steps of its service instead.
Handler = Callable[..., Awaitable[None]]
_subscribers: dict[str, list[Handler]] = {}


def subscribe(name: str, handler: Handler) -> None:
    """Idempotent: building the application twice subscribes a handler once."""
    handlers = _subscribers.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


async def emit(session: AsyncSession, name: str, **payload) -> None:
    for handler in _subscribers.get(name, []):
        await handler(session, **payload)
