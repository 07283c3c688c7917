"""Test fixtures. API tests run once on SQLite and once on PostgreSQL (the ``backend`` param)."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

_DATA = Path(tempfile.mkdtemp(prefix="roster-test-"))
os.environ["ROSTER_DATA_DIR"] = str(_DATA)
os.environ["ROSTER_SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ.setdefault("ROSTER_ARGON2_TIME_COST", "1")
os.environ.setdefault("ROSTER_ARGON2_MEMORY_KIB", "8192")
# In-process API tests run without Kamailio; tests/sip serve the app with a real registrar URL.
os.environ["ROSTER_KAMAILIO_RPC_URL"] = "off"
os.environ.setdefault("ROSTER_SIP_CALLBACK_SECRET", "test-sip-callback-secret")
# The outbox retries quickly in tests (production: seconds to minutes).
os.environ.setdefault("ROSTER_OUTBOX_BACKOFF_S", "0.2")
os.environ.setdefault("ROSTER_OUTBOX_POLL_S", "0.2")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Mail goes to a real SMTP server on loopback (the ``mailbox`` fixture), on a free port.
os.environ["ROSTER_SMTP_HOST"] = "127.0.0.1"
os.environ["ROSTER_SMTP_PORT"] = str(_free_port())

import httpx  # noqa: E402

from roster.config import Settings, get_settings  # noqa: E402

get_settings.cache_clear()

PG_ADMIN_DSN = os.environ.get("ROSTER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b for b in os.environ.get("ROSTER_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN_DSN, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   capture_output=True)


class Backend:
    """A throwaway database, migrated with Alembic (the only way the schema is made)."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "sqlite":
            self.url = f"sqlite+aiosqlite:///{_DATA / f'test-{secrets.token_hex(4)}.db'}"
            self.dbname = None
        else:
            self.dbname = f"roster_test_{secrets.token_hex(6)}"
            _psql(f'CREATE DATABASE "{self.dbname}"')
            base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            self.url = f"{base}/{self.dbname}"

    def migrate(self) -> None:
        from roster.cli import migrate

        migrate(self.url)

    def drop(self) -> None:
        if self.dbname:
            _psql(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> Backend:
    b = Backend(request.param)
    b.migrate()
    yield b
    b.drop()


@pytest.fixture(scope="session")
async def app(backend: Backend):
    from roster.app import create_app

    application = create_app(Settings(database_url=backend.url, data_dir=_DATA))
    application.state.backend = backend.name
    # The in-process transport runs no lifespan: start the outbox dispatcher as serving would.
    application.state.dispatcher.start()
    yield application
    await application.state.dispatcher.stop()
    await application.state.engine.dispose()


@pytest.fixture(scope="session")
async def operator_token(app) -> str:
    from roster.domains.auth.service import create_operator

    async with app.state.sessionmaker() as db:
        _, token = await create_operator(db, name=f"op-{secrets.token_hex(4)}")
        await db.commit()
    return token


@pytest.fixture(scope="session")
async def anon(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://roster.test") as c:
        yield c


@pytest.fixture(scope="session")
async def client(app, operator_token) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client acting as a platform operator."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://roster.test",
                                 headers={"Authorization": f"Bearer {operator_token}"}) as c:
        yield c


def unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


@pytest.fixture
async def tenant(client) -> dict:
    """A fresh tenant per test: tenants are isolated, so tests need no clean-up."""
    slug = unique("t-")
    r = await client.post("/api/v1/tenants", json={
        "slug": slug, "name": f"Tenant {slug}", "sip_domain": f"{slug}.pbx.example",
        "time_zone": "Europe/Warsaw", "default_language": "pl", "phone_region": "PL"})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def api(tenant) -> str:
    return f"/api/v1/tenants/{tenant['slug']}"


def run(coro):
    return asyncio.get_event_loop().run_until_complete(coro)


# --- access control: mail, signed-in users, tokens --------------------------------------------

class Mailbox:
    """What the loopback SMTP server received, parsed. ``gate`` cleared makes it a server that
    takes the data and does not answer (slow, or hung); ``refuse[address]`` lists replies to
    give that recipient's next deliveries instead of accepting them."""

    def __init__(self) -> None:
        import threading

        self.messages: list = []
        self.arrivals: list[str] = []  # recipients of every DATA, accepted or not
        self.gate = threading.Event()
        self.gate.set()
        self.refuse: dict[str, list[str]] = {}

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.arrivals.append(message["To"])
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        if server.transport is None or server.transport.is_closing():
            return "451 client gone"  # never answered: the mail was not accepted
        if self.refuse.get(message["To"]):
            return self.refuse[message["To"]].pop(0)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> list:
        """The mails to ``address`` once ``count`` arrived (the outbox delivers after commit)."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count:
            assert time.monotonic() < deadline, f"no mail to {address} within {timeout} s"
            await asyncio.sleep(0.02)
        return self.to(address)


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=int(os.environ["ROSTER_SMTP_PORT"]))
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def clock():
    """The service clock, moved by the test instead of sleeping: ``clock.advance(seconds=…)``."""
    from datetime import UTC, datetime, timedelta

    from roster.core import clock as service_clock

    class _Clock:
        def __init__(self) -> None:
            self.now = datetime.now(UTC)

        def advance(self, **delta) -> None:
            self.now += timedelta(**delta)

    c = _Clock()
    service_clock.set_clock(lambda: c.now)
    yield c
    service_clock.set_clock(None)


def client_for(app, token: str | None = None, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4711))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=transport, base_url="http://roster.test", headers=headers)


async def mint_token(app, user_id: int, role: str) -> str:
    """A session token for ``user_id`` acting as ``role``, without the password (tests only)."""
    from roster.domains.auth.service import issue_session
    from roster.domains.users.models import User

    async with app.state.sessionmaker() as db:
        user = await db.get(User, user_id)
        issued = await issue_session(db, user=user, role=role)
        await db.commit()
    return issued.token


async def login(anon, tenant_slug: str, login_name: str, password: str) -> httpx.Response:
    return await anon.post("/api/v1/auth/login", json={"tenant": tenant_slug, "login": login_name,
                                                        "password": password})


class SignedIn:
    def __init__(self, client: httpx.AsyncClient, user: dict, token: str, password: str):
        self.client, self.user, self.token, self.password = client, user, token, password

    @property
    def id(self) -> int:
        return self.user["id"]


@pytest.fixture
async def signed_in(app, client, anon, api, tenant):
    """``await signed_in(["supervisor"], **fields)``: a new user of the test's tenant, signed in
    with its password (or, for a back-office user who never signs in, a minted token)."""
    from tests.factories import strong_password, user_body

    opened: list[httpx.AsyncClient] = []

    async def make(roles: list[str], *, role: str | None = None, **fields) -> SignedIn:
        password = strong_password("Adm1n-Pass")
        r = await client.post(f"{api}/users", json=user_body(roles=roles, password=password,
                                                             **fields))
        assert r.status_code == 201, r.text
        user = r.json()
        r = await login(anon, tenant["slug"], user["login"], password)
        if r.status_code == 200:
            token = r.json()["access_token"]
            if role and role != r.json()["active_role"]:
                token = await mint_token(app, user["id"], role)
        else:
            token = await mint_token(app, user["id"], role or roles[0])
        c = client_for(app, token)
        opened.append(c)
        return SignedIn(c, user, token, password)

    yield make
    for c in opened:
        await c.aclose()
