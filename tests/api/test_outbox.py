"""The outbox (issue 9): mail leaves after commit through a dispatcher, a slow mail server holds
no request, failures are retried with backoff or reported, and a dispatcher killed while mail
is pending loses nothing and sends nothing twice (a real process, SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from roster.core import outbox
from tests.conftest import unique


def _email() -> str:
    return f"{unique('ob.')}@example.com"


async def _message_to(app, address: str) -> outbox.OutboxMessage:
    async with app.state.sessionmaker() as db:
        rows = (await db.execute(select(outbox.OutboxMessage))).scalars().all()
    (row,) = [r for r in rows if r.payload.get("to") == address]
    return row


async def _until(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    low = [outbox.backoff(n, base=2, cap=60, rand=lambda: 0.0) for n in range(1, 8)]
    high = [outbox.backoff(n, base=2, cap=60, rand=lambda: 1.0) for n in range(1, 8)]
    assert low == [1, 2, 4, 8, 16, 30, 30]
    assert high == [2, 4, 8, 16, 32, 60, 60]


async def test_a_slow_mail_server_holds_no_request(mailbox, client, api):
    """The invitation of a new user is queued: the request answers while the server hangs."""
    email = _email()
    mailbox.gate.clear()
    try:
        r = await asyncio.wait_for(client.post(f"{api}/users", json={
            "full_name": "Slow Server", "email": email}), timeout=10)
        assert r.status_code == 201, r.text
        await _until(lambda: _arrived(mailbox, email))
        assert mailbox.to(email) == []  # the server has the data but has not answered
    finally:
        mailbox.gate.set()
    await mailbox.wait_for(email)


async def _arrived(mailbox, email: str) -> bool:
    return email in mailbox.arrivals


async def test_a_refused_delivery_is_retried_then_sent(app, mailbox, client, api):
    email = _email()
    mailbox.refuse[email] = ["451 4.3.0 try again later"]
    r = await client.post(f"{api}/users", json={"full_name": "Retry", "email": email})
    assert r.status_code == 201
    (msg,) = await mailbox.wait_for(email)
    row = await _message_to(app, email)
    await _until(lambda: _sent(app, email))
    row = await _message_to(app, email)
    assert row.attempts == 2 and row.last_error is None
    assert msg["Message-ID"].startswith(f"<outbox.{row.id}@")


async def _sent(app, email: str) -> bool:
    return (await _message_to(app, email)).status == outbox.SENT


async def test_a_permanent_refusal_is_reported_in_the_audit_log(app, mailbox, client, api):
    """An invitation that cannot be delivered is not reported as sent: the log says queued,
    then failed."""
    email = _email()
    mailbox.refuse[email] = ["550 5.1.1 no such mailbox"]
    user = (await client.post(f"{api}/users", json={"full_name": "Nobody",
                                                     "email": email})).json()

    async def failed() -> bool:
        return (await _message_to(app, email)).status == outbox.FAILED

    await _until(failed)
    entries = (await client.get(f"{api}/audit", params={
        "entity": "user", "entity_id": str(user["id"])})).json()["items"]
    actions = [e["action"] for e in entries]
    assert "invitation_queued" in actions and "mail_failed" in actions
    (failure,) = [e for e in entries if e["action"] == "mail_failed"]
    assert failure["actor"] == "system:outbox" and "550" in failure["after"]["error"]
    assert mailbox.to(email) == []


async def test_backlog_and_oldest_pending_age(app):
    async with app.state.sessionmaker() as db:
        before = await outbox.backlog(db)
        await outbox.enqueue(db, "mail", [{"to": "a@example.com"}, {"to": "b@example.com"}])
        assert await outbox.backlog(db) == before + 2
        assert await outbox.oldest_pending_age(db) >= 0
        await db.rollback()


async def _nothing_pending(app) -> bool:
    async with app.state.sessionmaker() as db:
        return await outbox.backlog(db) == 0


def _worker(backend, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "roster.cli", "worker"],
                            env=os.environ | env | {"ROSTER_DATABASE_URL": backend.url},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def test_a_dispatcher_killed_with_mail_pending_loses_nothing_and_sends_once(
        app, backend, mailbox, client, api):
    """`roster worker` takes a mail and is killed (SIGKILL) while the server holds it; after a
    restart the mail is sent, exactly once."""
    await _until(lambda: _nothing_pending(app), timeout=60)  # earlier tests' mail delivered
    await app.state.dispatcher.stop()  # only the worker process delivers in this test
    env = {"ROSTER_OUTBOX_LEASE_S": "1", "ROSTER_OUTBOX_POLL_S": "0.1"}
    email = _email()
    worker = None
    try:
        r = await client.post(f"{api}/users", json={"full_name": "Killed", "email": email})
        assert r.status_code == 201
        assert (await _message_to(app, email)).status == outbox.PENDING
        mailbox.gate.clear()
        worker = _worker(backend, env)
        await _until(lambda: _arrived(mailbox, email), timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        row = await _message_to(app, email)
        assert row.status == outbox.PENDING and row.attempts == 1
        mailbox.gate.set()
        assert mailbox.to(email) == []

        worker = _worker(backend, env)
        try:
            await mailbox.wait_for(email, timeout=60)
        except AssertionError:
            worker.kill()
            raise AssertionError(worker.communicate()[1].decode()[-3000:]) from None
        await _until(lambda: _sent(app, email))
        await asyncio.sleep(1.5)  # longer than a lease: a second delivery would have happened
        assert len(mailbox.to(email)) == 1
        row = await _message_to(app, email)
        assert row.status == outbox.SENT and row.attempts == 2
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0, worker.stderr.read().decode()[-2000:]
        worker = None
    finally:
        mailbox.gate.set()
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(10)
        app.state.dispatcher.start()


async def test_dispatchers_share_the_work_and_deliver_each_message_once(app):
    """Several dispatchers at once (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at
    a time) claim disjoint messages: 30 messages, 3 dispatchers, 30 deliveries."""
    delivered: list[int] = []

    async def handler(message: outbox.Message) -> None:
        await asyncio.sleep(0.01)
        delivered.append(message.payload["n"])

    await _until(lambda: _nothing_pending(app), timeout=60)
    await app.state.dispatcher.stop()
    try:
        async with app.state.sessionmaker() as db:
            await outbox.enqueue(db, "probe", [{"n": i} for i in range(30)])
            await db.commit()
        dispatchers = [outbox.Dispatcher(app.state.sessionmaker, {"probe": handler},
                                         outbox.Policy(batch=4)) for _ in range(3)]

        async def drain(d: outbox.Dispatcher) -> int:
            handled = 0
            while n := await d.run_once():
                handled += n
            return handled

        shares = await asyncio.gather(*(drain(d) for d in dispatchers))
        assert sorted(delivered) == list(range(30)) and sum(shares) == 30
        assert await _nothing_pending(app)
    finally:
        app.state.dispatcher.start()
