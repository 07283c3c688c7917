"""100,000 users through the write path vs batched executemany of the same rows, on PostgreSQL.

A throwaway database (127.0.0.1:5432, trust) is migrated; then, each in one transaction:

1. ``users.service.create_users`` creates N users in tenant "svc" (every rule, the set-based
   look-ups, roles, default devices, the audit log: what an import of N users costs);
2. baseline "same rows": every row step 1 wrote (users, user_roles, devices, audit_entries) is
   read back and inserted again into tenant "raw" with one batched executemany per table;
3. baseline "users rows": only the users rows, inserted the same way into tenant "usr".

It prints the rate of each and the ratios (service rate / baseline rate): how close the write
path comes to writing what it writes with no rule at all (goal >= 0.5), and, for reference,
to writing the users rows alone.

Usage: uv run python bench/create_users.py [N]   (default 100000)
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time

PG = os.environ.get("ROSTER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def psql(sql: str) -> None:
    subprocess.run(["psql", PG, "-qc", sql], check=True, capture_output=True)


def form(i: int) -> dict:
    """A realistic row of an import: name, login, e-mail-less agent with a SIP line."""
    return {"full_name": f"Agent {i}", "login": f"agent{i}", "roles": ["agent"],
            "extension": str(100000 + i), "sip_password": f"Sip-{i:06d}-pw!X"}


async def main(n: int, url: str) -> None:
    from sqlalchemy import insert, select

    from roster import models, wiring
    from roster.db import create_engine, create_sessionmaker
    from roster.domains.audit.models import AuditEntry
    from roster.domains.devices.models import Device
    from roster.domains.tenants.schemas import TenantCreate
    from roster.domains.tenants.service import create_tenant
    from roster.domains.users import service
    from roster.domains.users.models import User, UserRole
    from roster.domains.users.schemas import UserCreate

    assert models  # complete metadata
    wiring.build()
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    tenants = {}
    async with sessionmaker() as db:
        for slug in ("svc", "raw", "usr"):
            tenants[slug] = await create_tenant(db, data=TenantCreate(
                slug=slug, name=slug, sip_domain=f"{slug}.bench.example"))
        await db.commit()

    forms = [UserCreate.model_validate(form(i)) for i in range(n)]
    start = time.perf_counter()
    async with sessionmaker() as db:
        await service.create_users(db, tenant=tenants["svc"], rows=forms)
        await db.commit()
    t_service = time.perf_counter() - start

    svc, raw, usr = tenants["svc"].id, tenants["raw"].id, tenants["usr"].id
    async with engine.connect() as conn:
        def rows(model, order):
            return select(model.__table__).where(model.__table__.c.tenant_id == svc).order_by(
                *order)
        users = [dict(r) for r in (await conn.execute(rows(User, [User.id]))).mappings()]
        roles = [dict(r) for r in (await conn.execute(
            rows(UserRole, [UserRole.user_id, UserRole.role]))).mappings()]
        devices = [dict(r) for r in (await conn.execute(rows(Device, [Device.id]))).mappings()]
        audit = [dict(r) for r in (await conn.execute(rows(AuditEntry, [AuditEntry.id])))
                 .mappings()]
    counts = {"users": len(users), "user_roles": len(roles), "devices": len(devices),
              "audit_entries": len(audit)}

    def moved(items, tenant_id, user_ids=None):
        out = []
        for r in items:
            r = {k: v for k, v in r.items() if k != "id"} | {"tenant_id": tenant_id}
            if user_ids is not None:
                r["user_id"] = user_ids[r["user_id"]]
            out.append(r)
        return out

    same = moved(users, raw)
    alone = moved(users, usr)
    start = time.perf_counter()
    async with engine.begin() as conn:
        result = await conn.execute(insert(User).returning(User.id, sort_by_parameter_order=True),
                                    same)
        user_ids = {old["id"]: new for old, (new,) in zip(users, result, strict=True)}
        await conn.execute(insert(UserRole), moved(roles, raw, user_ids))
        await conn.execute(insert(Device), moved(devices, raw, user_ids))
        await conn.execute(insert(AuditEntry), moved(audit, raw))
    t_same = time.perf_counter() - start
    start = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(insert(User), alone)
    t_users = time.perf_counter() - start
    await engine.dispose()

    print(f"users: {n}, PostgreSQL, one transaction each; rows written per run: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"create_users (rules, look-ups, hashing, roles, devices, audit): "
          f"{n / t_service:9.0f} users/s ({t_service:.2f} s)")
    print(f"executemany of the same rows (4 tables, no rule):               "
          f"{n / t_same:9.0f} users/s ({t_same:.2f} s)")
    print(f"executemany of the users rows alone:                            "
          f"{n / t_users:9.0f} users/s ({t_users:.2f} s)")
    print(f"ratio service / same rows:  {t_same / t_service:.2f}  (goal >= 0.5)")
    print(f"ratio service / users rows: {t_users / t_service:.2f}")


def run() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    dbname = f"roster_bench_{secrets.token_hex(4)}"
    psql(f'CREATE DATABASE "{dbname}"')
    url = PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{dbname}"
    os.environ.update({"ROSTER_DATABASE_URL": url,
                       "ROSTER_DATA_DIR": tempfile.mkdtemp(prefix="roster-bench-"),
                       "ROSTER_SECRET_KEY": "bench", "ROSTER_KAMAILIO_RPC_URL": "off"})
    try:
        from roster.cli import migrate

        migrate(url)
        asyncio.run(main(n, url))
    finally:
        psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    run()
