"""Call set-ups per second through Roster's routing, against Kamailio routing the same calls from a
static routing table (the registrar's own location table, nothing asked), in the same run and
database. Prints both rates and their ratio.

    uv run python bench/sip_calls.py [--calls 3000] [--backend both|postgresql|sqlite]

One call = INVITE → 407 → INVITE with digest → 180/200 → ACK → BYE → 200, all through Kamailio
(record-route). In the Roster run each INVITE is routed by POST /api/v1/sip/route on the app
served by uvicorn (2 workers): the ring chain of the dialled user, its registrations looked up by
Kamailio, the call put in the dialog profile. In the static run Kamailio looks the dialled
extension up in usrloc and relays. Callees are bound to one sipp UAS with ul.add; the caller is
one account (auth_db on the sip_subscriber view in both runs).

Kamailio keeps Roster's answers for calls to users (ROSTER_SIP_ROUTE_CACHE_S, flushed by Roster
after every change), so the "roster" run is measured after one warm-up call to every callee; the
"uncached" run asks Roster on every call (cache off), the cold worst case.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SCENARIO = ROOT / "bench" / "scenarios" / "call_auth.xml"
PG_ADMIN = os.environ.get("ROSTER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DOMAIN = "calls.pbx.example"
CALLEES = 200


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   capture_output=True)


async def seed(url: str, work: Path, calls: int) -> Path:
    """A tenant, one caller and CALLEES callees (each with its default device), through the
    tables Roster's services write; the calls file cycles through the callees."""
    from sqlalchemy import insert, select

    from roster import models  # noqa: F401
    from roster.core.secrets import sip_ha1, sip_ha1b
    from roster.db import create_engine
    from roster.domains.devices.models import Device
    from roster.domains.tenants.models import Tenant
    from roster.domains.users.models import User

    engine = create_engine(url)
    exts = ["100"] + [str(200000 + i) for i in range(CALLEES)]
    pw = "Bench-caller-pw!A1"
    async with engine.begin() as conn:
        tenant_id = (await conn.execute(insert(Tenant).values(
            slug="calls", name="Calls", sip_domain=DOMAIN).returning(Tenant.id))).scalar_one()
        await conn.execute(insert(User), [
            {"tenant_id": tenant_id, "full_name": f"Agent {e}", "login": f"a{e}",
             "roles": "agent", "extension": e, "sip_ha1": sip_ha1(e, DOMAIN, pw),
             "sip_ha1b": sip_ha1b(e, DOMAIN, DOMAIN, pw)} for e in exts])
        ids = (await conn.execute(select(User.id, User.extension))).all()
        await conn.execute(insert(Device), [
            {"tenant_id": tenant_id, "user_id": i, "kind": "sip_phone", "ring_after_s": 0,
             "position": 0, "enabled": True, "is_default": True, "sip_username": e}
            for i, e in ids])
    await engine.dispose()
    path = work / "calls.csv"
    with path.open("w") as f:
        f.write("SEQUENTIAL\n")
        for i in range(calls):
            f.write(f"100;{DOMAIN};[authentication username=100 password={pw}];{exts[1 + i % CALLEES]}\n")
    return path


def serve_app(url: str, app_port: int, rpc_url: str, work: Path) -> subprocess.Popen:
    env = dict(os.environ, ROSTER_DATABASE_URL=url, ROSTER_KAMAILIO_RPC_URL=rpc_url,
               ROSTER_SIP_CALLBACK_SECRET="bench", ROSTER_DATA_DIR=str(work))
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "roster.app:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(app_port), "--workers", "2", "--log-level", "warning",
         "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{app_port}/api/v1/openapi.json").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app did not start")


def run_one(url: str, backend: str, routing: str, calls_csv: Path, calls: int,
            work: Path, *, cache_s: int = 60, warm: bool = True, label: str = "") -> dict:
    from roster.config import Settings
    from roster.domains.sip import service as sip

    http_port, sip_port, app_port = free_port(), free_port(socket.SOCK_DGRAM), free_port()
    uas_port = free_port(socket.SOCK_DGRAM)
    rpc_url = f"http://127.0.0.1:{http_port}/RPC"
    settings = Settings(database_url=url, data_dir=work, kamailio_sip_port=sip_port,
                        kamailio_http_port=http_port, kamailio_ws_port=free_port(),
                        kamailio_rpc_url=rpc_url, sip_callback_secret="bench",
                        sip_callback_base_url=f"http://127.0.0.1:{app_port}",
                        kamailio_runtime_dir=work / f"kamailio-{routing}-{cache_s}",
                        kamailio_log_level=1, kamailio_children=4, sip_route_cache_s=cache_s)
    app = serve_app(url, app_port, rpc_url, work) if routing == "roster" else None
    pid, _ = sip.start(settings, routing=routing)
    out = work / f"sipp-{routing}-{cache_s}-{int(warm)}"
    out.mkdir(exist_ok=True)
    uas = subprocess.Popen(["sipp", "-sf", str(ROOT / "bench" / "scenarios" / "uas.xml"),
                            "-i", "127.0.0.1", "-p", str(uas_port),
                            "-nostdin"], cwd=out, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        for i in range(CALLEES):
            body = {"jsonrpc": "2.0", "id": 1, "method": "ul.add",
                    "params": ["location", f"{200000 + i}@{DOMAIN}",
                               f"sip:{200000 + i}@127.0.0.1:{uas_port}", 3600, 1.0, "", 0, 0, 0]}
            answer = httpx.post(rpc_url, json=body).json()
            if "error" in answer:
                raise RuntimeError(answer["error"])
        def sipp(n: int, limit: int, stat: Path) -> subprocess.CompletedProcess:
            return subprocess.run(
                ["sipp", "-sf", str(SCENARIO), "-inf", str(calls_csv), "-i", "127.0.0.1",
                 "-p", str(free_port(socket.SOCK_DGRAM)), f"127.0.0.1:{sip_port}", "-m", str(n),
                 "-r", "100000", "-l", str(limit), "-nostdin", "-timeout", "300s",
                 "-timeout_error", "-trace_stat", "-stf", str(stat), "-fd", "1",
                 "-max_recv_loops", "5000", "-max_sched_loops", "5000"],
                capture_output=True, text=True, cwd=out)

        if warm:  # one call to every callee first: Kamailio's routing cache is then warm
            sipp(CALLEES, 10, out / "warm.csv")
        t0 = time.perf_counter()
        proc = sipp(calls, 100, out / "stat.csv")
        wall = time.perf_counter() - t0
    finally:
        sip.stop_pid(pid)
        uas.kill()
        uas.wait(10)
        if app is not None:
            app.terminate()
            app.wait(20)
    rows = list(csv.reader((out / "stat.csv").open(), delimiter=";"))
    head, last = rows[0], rows[-1]
    ok = int(last[head.index("SuccessfulCall(C)")])
    failed = int(last[head.index("FailedCall(C)")])
    return {"backend": backend, "routing": label or routing, "ok": ok, "failed": failed, "wall_s": wall,
            "rate": ok / wall if wall else 0.0, "sipp_rc": proc.returncode}


def bench(backend: str, calls: int) -> list[dict]:
    from roster.cli import migrate

    work = Path(tempfile.mkdtemp(prefix=f"roster-bench-calls-{backend}-"))
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
        calls_csv = asyncio.run(seed(url, work, calls))
        return [run_one(url, backend, "roster", calls_csv, calls, work, label="roster"),
                run_one(url, backend, "static", calls_csv, calls, work, label="static"),
                run_one(url, backend, "roster", calls_csv, max(CALLEES, calls // 5), work,
                        cache_s=0, warm=False, label="uncached")]
    finally:
        if dbname:
            psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--backend", default="both", choices=["both", "postgresql", "sqlite"])
    args = parser.parse_args()
    for tool in ("kamailio", "sipp"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on PATH")
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    print(f"Call set-ups, {args.calls} calls, 100 in flight, {CALLEES} callees")
    print(f"{'backend':<11} {'routing':<9} {'ok':>6} {'failed':>6} {'seconds':>8} {'calls/s':>8}")
    for backend in backends:
        results = bench(backend, args.calls)
        for r in results:
            print(f"{r['backend']:<11} {r['routing']:<9} {r['ok']:>6} {r['failed']:>6} "
                  f"{r['wall_s']:>8.2f} {r['rate']:>8.0f}")
        roster, static, uncached = results
        for r in (roster, uncached):
            ratio = r["rate"] / static["rate"] if static["rate"] else float("nan")
            print(f"{backend}: {r['routing']}/static = {ratio:.2f}")


if __name__ == "__main__":
    main()
