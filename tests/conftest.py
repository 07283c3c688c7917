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
    yield application
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
