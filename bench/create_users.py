"""Creating 10,000 users through the service vs one batched SQL insert of the same rows.

Runs on a throwaway PostgreSQL database (127.0.0.1:5432, trust), serves Roster with uvicorn on
127.0.0.1, creates N users over HTTP (every rule checked, audited, one transaction each), then
inserts the same N rows into another tenant with one batched Core INSERT, and prints both rates
and their ratio. Usage: uv run python bench/create_users.py [N] [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("ROSTER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def psql(sql: str) -> None:
    subprocess.run(["psql", PG, "-qc", sql], check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(i: int) -> dict:
    return {"full_name": f"Agent {i}", "login": f"agent{i}",
            "roles": ["agent"], "extension": str(10000 + i), "sip_password": f"Sip-{i:05d}-pw!X"}


async def through_service(base: str, token: str, slug: str, n: int, concurrency: int) -> float:
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                 limits=limits, timeout=60) as c:
        async def one(i: int) -> None:
            async with sem:
                r = await c.post(f"/api/v1/tenants/{slug}/users", json=body(i))
                if r.status_code != 201:
                    raise SystemExit(f"create failed: {r.status_code} {r.text}")

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - start


async def batched_insert(url: str, tenant_id: int, domain: str, n: int) -> float:
    from sqlalchemy import insert

    from roster.core.secrets import sip_ha1, sip_ha1b
    from roster.db import create_engine
    from roster.domains.users.models import User

    rows = []
    for i in range(n):
        b = body(i)
        ext, pw = b["extension"], b["sip_password"]
        rows.append({"tenant_id": tenant_id, "full_name": b["full_name"], "login": b["login"],
                     "roles": "agent", "extension": ext,
                     "sip_ha1": sip_ha1(ext, domain, pw), "sip_ha1b": sip_ha1b(ext, domain, domain, pw),
                     "language": "en", "blacklist": [], "whitelist": [], "communication_means": [],
                     "extra": {}})
    engine = create_engine(url)
    start = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(insert(User), rows)
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    dbname = f"roster_bench_{secrets.token_hex(4)}"
    psql(f'CREATE DATABASE "{dbname}"')
    url = PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{dbname}"
    data = tempfile.mkdtemp(prefix="roster-bench-")
    env = os.environ | {"ROSTER_DATABASE_URL": url, "ROSTER_DATA_DIR": data,
                        "ROSTER_SECRET_KEY": "bench"}
    server = None
    try:
        run = [sys.executable, "-m", "roster.cli"]
        subprocess.run([*run, "db", "upgrade"], env=env, check=True, capture_output=True)
        token = subprocess.run([*run, "admin", "create-operator", "bench"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        for slug in ("svc", "sql"):
            subprocess.run([*run, "tenant", "create", slug, slug, "--sip-domain",
                            f"{slug}.bench.example"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "roster.app:create_app",
                                   "--factory", "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", "2", "--loop", "uvloop", "--http", "httptools",
                                   "--log-level", "warning"], env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/openapi.json").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        os.environ.update(env)
        svc = asyncio.run(through_service(base, token, "svc", n, concurrency))
        import asyncpg  # noqa: F401 - the driver the engine uses

        async def tenant_id() -> int:
            from sqlalchemy import text

            from roster.db import create_engine

            engine = create_engine(url)
            async with engine.connect() as conn:
                tid = (await conn.execute(text("SELECT id FROM tenants WHERE slug='sql'"))).scalar()
            await engine.dispose()
            return tid

        sql = asyncio.run(batched_insert(url, asyncio.run(tenant_id()), "sql.bench.example", n))
        print(f"users: {n}, HTTP concurrency: {concurrency}, server: uvicorn 2 workers, PostgreSQL")
        print(f"through the service (HTTP, rules, audit, 1 tx each): {n / svc:10.0f} users/s "
              f"({svc:.2f} s)")
        print(f"one batched SQL INSERT of the same rows:             {n / sql:10.0f} users/s "
              f"({sql:.2f} s)")
        print(f"ratio batched/service: {svc / sql:.1f}x")
    finally:
        if server:
            server.terminate()
            server.wait(10)
        psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
