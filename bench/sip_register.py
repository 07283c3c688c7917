"""REGISTER throughput with sipp against Kamailio on Roster's schema (``sip_subscriber``: a table
kept by triggers on PostgreSQL, a view on SQLite) and, in the same run and database, against
Kamailio's stock ``subscriber`` table holding the same accounts. Prints every run, the median rate
of each side and their ratio.

    uv run python bench/sip_register.py [--n 2000] [--rate 0] [--rounds 5] [--backend both|postgresql|sqlite]

One call = REGISTER → 401 → REGISTER with digest → 200: one auth_db SELECT and one ``location``
INSERT (usrloc db_mode 1). Everything runs on 127.0.0.1 in a throwaway database: PostgreSQL at
ROSTER_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres) and a temporary SQLite
file. Kamailio runs 4 workers on PostgreSQL and 1 on SQLite (db_sqlite 5.6 has no busy timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SCENARIO = ROOT / "tests" / "sip" / "scenarios" / "register_auth.xml"
PG_ADMIN = os.environ.get("ROSTER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DOMAIN = "bench.pbx.example"

SUBSCRIBER_DDL = {  # Kamailio 5.6 auth_db-create.sql, both dialects
    "postgresql": "id SERIAL PRIMARY KEY NOT NULL",
    "sqlite": "id INTEGER PRIMARY KEY NOT NULL",
}


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   capture_output=True)


async def seed(url: str, n: int, work: Path) -> Path:
    """N accounts through Roster's tables (the view) and the same in ``subscriber``."""
    from sqlalchemy import insert, text

    from roster import models  # noqa: F401
    from roster.core.secrets import sip_ha1, sip_ha1b
    from roster.db import create_engine
    from roster.domains.tenants.models import Tenant
    from roster.domains.users.models import User

    engine = create_engine(url)
    dialect = engine.dialect.name
    accounts = [(str(100000 + i), f"Bench-{i:06d}-pw!A") for i in range(n)]
    async with engine.begin() as conn:
        tenant_id = (await conn.execute(insert(Tenant).values(
            slug="bench", name="Bench", sip_domain=DOMAIN).returning(Tenant.id))).scalar_one()
        rows = [{"tenant_id": tenant_id, "full_name": f"Agent {ext}", "login": f"a{ext}",
                 "extension": ext, "sip_ha1": sip_ha1(ext, DOMAIN, pw),
                 "sip_ha1b": sip_ha1b(ext, DOMAIN, DOMAIN, pw)} for ext, pw in accounts]
        for i in range(0, n, 1000):
            await conn.execute(insert(User), rows[i:i + 1000])
        await conn.execute(text(f"""CREATE TABLE subscriber (
            {SUBSCRIBER_DDL[dialect]},
            username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL,
            password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL,
            ha1b VARCHAR(128) DEFAULT '' NOT NULL,
            CONSTRAINT subscriber_account_idx UNIQUE (username, domain))"""))
        await conn.execute(text("CREATE INDEX subscriber_username_idx ON subscriber (username)"))
        await conn.execute(text("INSERT INTO version (table_name, table_version) "
                                "VALUES ('subscriber', 7)"))
        await conn.execute(text(
            "INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
            "SELECT username, domain, '', ha1, ha1b FROM sip_subscriber"))
        if dialect == "postgresql":
            await conn.execute(text("ANALYZE"))
        count = (await conn.execute(text("SELECT count(*) FROM subscriber"))).scalar_one()
        assert count == n, count
    await engine.dispose()
    path = work / "accounts.csv"
    with path.open("w") as f:
        f.write("SEQUENTIAL\n")
        for ext, pw in accounts:
            f.write(f"{ext};{DOMAIN};[authentication username={ext} password={pw}];{pw}\n")
    return path


async def clear_location(url: str) -> None:
    from sqlalchemy import text

    from roster.db import create_engine

    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM location"))
    await engine.dispose()


def run_one(url: str, backend: str, table: str, accounts: Path, n: int, rate: int,
            work: Path) -> dict:
    from roster.config import Settings
    from roster.domains.sip import service as sip

    asyncio.run(clear_location(url))
    http_port, sip_port = free_port(), free_port(socket.SOCK_DGRAM)
    settings = Settings(database_url=url, data_dir=work, kamailio_sip_port=sip_port,
                        kamailio_http_port=http_port, kamailio_ws_port=free_port(),
                        kamailio_rpc_url=f"http://127.0.0.1:{http_port}/RPC",
                        kamailio_runtime_dir=work / f"kamailio-{table}", kamailio_log_level=1,
                        kamailio_children=4, sip_callback_secret="bench")
    pid, _ = sip.start(settings, auth_table=table)
    out = work / f"sipp-{table}"
    out.mkdir(exist_ok=True)
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["sipp", "-sf", str(SCENARIO), "-inf", str(accounts), "-i", "127.0.0.1",
             "-p", str(free_port(socket.SOCK_DGRAM)), f"127.0.0.1:{sip_port}", "-m", str(n),
             "-r", str(rate or 100000), "-l", "200", "-nostdin", "-timeout", "300s",
             "-timeout_error", "-trace_stat", "-stf", str(out / "stat.csv"), "-fd", "1",
             "-max_recv_loops", "5000", "-max_sched_loops", "5000"],
            capture_output=True, text=True, cwd=out)
        wall = time.perf_counter() - t0
    finally:
        sip.stop_pid(pid)
    rows = list(csv.reader((out / "stat.csv").open(), delimiter=";"))
    head, last = rows[0], rows[-1]
    ok = int(last[head.index("SuccessfulCall(C)")])
    failed = int(last[head.index("FailedCall(C)")])
    return {"backend": backend, "table": table, "ok": ok, "failed": failed, "wall_s": wall,
            "rate": ok / wall if wall else 0.0, "sipp_rc": proc.returncode}


def bench(backend: str, n: int, rate: int, rounds: int) -> list[dict]:
    from roster.cli import migrate

    work = Path(tempfile.mkdtemp(prefix=f"roster-bench-sip-{backend}-"))
    dbname = None
    if backend == "postgresql":
        dbname = f"roster_bench_{secrets.token_hex(4)}"
        psql(f'CREATE DATABASE "{dbname}"')
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        url = f"{url}/{dbname}"
    else:
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    try:
        migrate(url)
        accounts = asyncio.run(seed(url, n, work))
        # Alternate the two tables round by round, so a burst of load elsewhere on the machine
        # weighs on both sides alike.
        return [run_one(url, backend, table, accounts, n, rate, work)
                for _ in range(rounds) for table in ("sip_subscriber", "subscriber")]
    finally:
        if dbname:
            psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="REGISTERs (one account each)")
    parser.add_argument("--rate", type=int, default=0, help="calls per second; 0 = as fast as possible")
    parser.add_argument("--backend", default="both", choices=["both", "postgresql", "sqlite"])
    parser.add_argument("--rounds", type=int, default=5,
                        help="runs of each table, alternated; the ratio is of the medians")
    args = parser.parse_args()
    for tool in ("kamailio", "sipp"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on PATH")
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    print(f"REGISTER throughput, {args.n} accounts, rate {args.rate or 'max'}, 200 in flight")
    print(f"{'backend':<11} {'auth table':<15} {'ok':>6} {'failed':>6} {'seconds':>8} {'REG/s':>8}")
    for backend in backends:
        results = bench(backend, args.n, args.rate, args.rounds)
        for r in results:
            print(f"{r['backend']:<11} {r['table']:<15} {r['ok']:>6} {r['failed']:>6} "
                  f"{r['wall_s']:>8.2f} {r['rate']:>8.0f}")
        medians = {t: statistics.median(r["rate"] for r in results if r["table"] == t)
                   for t in ("sip_subscriber", "subscriber")}
        ratio = medians["sip_subscriber"] / medians["subscriber"] if medians["subscriber"] else 0
        print(f"{backend}: median REG/s sip_subscriber {medians['sip_subscriber']:.0f}, "
              f"subscriber {medians['subscriber']:.0f}; Roster/stock = {ratio:.2f}")


if __name__ == "__main__":
    main()
