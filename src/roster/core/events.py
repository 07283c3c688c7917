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


# In-process domain signals: a domain announces what happened; others (SIP clean-up, webhooks)
# subscribe and usually queue an after-commit effect. Keeps domains from importing each other.
Handler = Callable[..., Awaitable[None]]
_subscribers: dict[str, list[Handler]] = {}


def subscribe(name: str, handler: Handler) -> None:
    _subscribers.setdefault(name, []).append(handler)


async def emit(session: AsyncSession, name: str, **payload) -> None:
    for handler in _subscribers.get(name, []):
        await handler(session, **payload)
