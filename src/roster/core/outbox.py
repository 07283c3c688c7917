"""The outbox: side effects (mail, webhooks) written in the transaction that causes them and
delivered afterwards by a dispatcher, with retries and exponential backoff with jitter.

* :func:`enqueue` adds a message in the caller's transaction: it exists only if that transaction
  commits, and once committed a crash cannot lose it. No request waits for a mail server.
* A :class:`Dispatcher` claims due messages in a short transaction, hands each to the handler
  registered for its kind, and records the outcome. On PostgreSQL several dispatchers (one per
  process or machine) share the work with ``FOR UPDATE SKIP LOCKED``; SQLite serialises writers,
  so its in-process dispatchers take turns. A claim is a lease: a dispatcher killed before it
  recorded a delivery leaves the message to whichever dispatcher comes next once the lease ends.
  Delivery is therefore at least once; handlers give receivers what they need to drop a repeat
  (a mail's Message-ID is derived from the message id).
* Handlers are registered per kind where the application or the command line is built
  (roster.wiring), never by importing a module.
* :func:`backlog` and :func:`oldest_pending_age` tell operations how far behind delivery is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, String, Text, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from roster.core import clock, context, events
from roster.core.queries import dialect
from roster.db import Base, utcnow

log = logging.getLogger("roster.outbox")

PENDING, SENT, FAILED = "pending", "sent", "failed"


class OutboxMessage(Base):
    """One side effect to deliver: a mail to send, a webhook to call."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # for the audit entry when delivery finally fails; no foreign key: delivery outlives rows
    tenant_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # not before this instant: the next retry, or the end of a dispatcher's lease
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Message:
    """What a handler receives."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    tenant_id: int | None


Handler = Callable[[Message], Awaitable[None]]


class Permanent(Exception):  # noqa: N818 - reads as "raise Permanent(...)"
    """A delivery that can never succeed (a refused recipient): no more attempts."""


async def enqueue(db: AsyncSession, kind: str,
                  payloads: list[dict[str, Any]] | dict[str, Any], *,
                  tenant_id: int | None = None) -> None:
    """Add messages of ``kind`` in the caller's transaction (one batched insert)."""
    items = [payloads] if isinstance(payloads, dict) else payloads
    if not items:
        return
    now = clock.now()
    await db.execute(insert(OutboxMessage), [
        {"kind": kind, "payload": p, "tenant_id": tenant_id, "status": PENDING, "attempts": 0,
         "available_at": now, "created_at": now, "done_at": None, "last_error": None}
        for p in items])
    if _wake_local not in db.info.get("after_commit", ()):
        events.after_commit(db, _wake_local)  # this process delivers at once, others poll


async def _wake_local() -> None:
    for dispatcher in list(_LOCAL):
        dispatcher.wake()


_LOCAL: set[Dispatcher] = set()


def backoff(attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random
            ) -> float:
    """Seconds before attempt ``attempt + 1``: exponential, capped, with "equal jitter" (half
    fixed, half random) so retries of many messages failing together spread out."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay / 2 + rand() * delay / 2


@dataclass(frozen=True)
class Policy:
    lease_s: float = 60
    max_attempts: int = 10
    backoff_s: float = 2
    backoff_max_s: float = 900
    poll_s: float = 1.0
    batch: int = 20

    @classmethod
    def from_settings(cls, settings) -> Policy:
        return cls(lease_s=settings.outbox_lease_s, max_attempts=settings.outbox_max_attempts,
                   backoff_s=settings.outbox_backoff_s,
                   backoff_max_s=settings.outbox_backoff_max_s, poll_s=settings.outbox_poll_s)


class Dispatcher:
    """Delivers due messages with the handlers of their kinds."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession],
                 handlers: Mapping[str, Handler], policy: Policy = Policy()) -> None:
        self.sessionmaker = sessionmaker
        self.handlers = dict(handlers)
        self.policy = policy
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def _due(self) -> bool:
        """Whether anything is due, looked up without taking SQLite's write lock (polling must
        not hold up other writers such as Kamailio's registrations)."""
        async with self.sessionmaker() as db:
            await db.connection(execution_options={"read_only": True})
            stmt = (select(OutboxMessage.id).where(OutboxMessage.status == PENDING,
                                                   OutboxMessage.available_at <= clock.now())
                    .limit(1))
            return (await db.execute(stmt)).first() is not None

    async def _claim(self) -> list[Message]:
        if not await self._due():
            return []
        async with self.sessionmaker() as db:
            now = clock.now()
            stmt = (select(OutboxMessage)
                    .where(OutboxMessage.status == PENDING, OutboxMessage.available_at <= now)
                    .order_by(OutboxMessage.available_at, OutboxMessage.id)
                    .limit(self.policy.batch))
            if dialect(db) == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list((await db.execute(stmt)).scalars())
            lease = now + timedelta(seconds=self.policy.lease_s)
            for row in rows:
                row.attempts += 1
                row.available_at = lease
            claimed = [Message(r.id, r.kind, dict(r.payload), r.attempts, r.tenant_id)
                       for r in rows]
            await db.commit()
            return claimed

    async def _record(self, message: Message, error: BaseException | None) -> None:
        async with self.sessionmaker() as db:
            now = clock.now()
            values: dict[str, Any]
            if error is None:
                values = {"status": SENT, "done_at": now, "last_error": None}
            elif isinstance(error, Permanent) or message.attempt >= self.policy.max_attempts:
                values = {"status": FAILED, "done_at": now, "last_error": str(error)[:2000]}
                await _report_failure(db, message, error)
            else:
                wait = backoff(message.attempt, base=self.policy.backoff_s,
                               cap=self.policy.backoff_max_s)
                values = {"available_at": now + timedelta(seconds=wait),
                          "last_error": str(error)[:2000]}
            await db.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                             .values(**values))
            await db.commit()

    async def _deliver(self, message: Message) -> None:
        handler = self.handlers.get(message.kind)
        error: BaseException | None
        if handler is None:
            error = Permanent(f"no handler for {message.kind!r}")
        else:
            try:
                await handler(message)
                error = None
            except Exception as exc:  # any failure is retried (or given up), never raised
                error = exc
        if error is not None:
            log.warning("outbox %s #%s attempt %s failed: %s", message.kind, message.id,
                        message.attempt, error)
        await self._record(message, error)

    async def run_once(self) -> int:
        """Claim and deliver what is due now; the number of messages handled."""
        claimed = await self._claim()
        for message in claimed:
            await self._deliver(message)
        return len(claimed)

    async def run(self) -> None:
        """Deliver until :meth:`stop`; a failing database is retried, not fatal."""
        _LOCAL.add(self)
        try:
            while not self._stop.is_set():
                try:
                    if await self.run_once():
                        continue  # more may be due at once
                except Exception:
                    log.exception("outbox dispatcher round failed")
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.policy.poll_s)
        finally:
            _LOCAL.discard(self)

    def start(self) -> asyncio.Task:
        self._stop.clear()
        self._task = asyncio.get_running_loop().create_task(self.run(), name="outbox")
        return self._task

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None


async def _report_failure(db: AsyncSession, message: Message, error: BaseException) -> None:
    """Delivery given up: the audit log says so about what the message was about."""
    from roster.core import audit

    about = message.payload.get("about") or {}
    token = context.actor.set("system:outbox")
    try:
        await audit.record(db, action=f"{message.kind}_failed",
                           entity=about.get("entity", "outbox"),
                           entity_id=about.get("entity_id", message.id),
                           tenant_id=message.tenant_id,
                           after={"outbox_id": message.id, "attempts": message.attempt,
                                  "error": str(error)[:500]})
    finally:
        context.actor.reset(token)


async def backlog(db: AsyncSession) -> int:
    """Messages not delivered yet (for /metrics)."""
    stmt = select(func.count()).where(OutboxMessage.status == PENDING)
    return (await db.execute(stmt)).scalar_one()


async def oldest_pending_age(db: AsyncSession, now: datetime | None = None) -> float | None:
    """Seconds the oldest undelivered message has waited (None: nothing pending)."""
    stmt = select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == PENDING)
    oldest = (await db.execute(stmt)).scalar()
    if oldest is None:
        return None
    return max(0.0, ((now or clock.now()) - oldest).total_seconds())
