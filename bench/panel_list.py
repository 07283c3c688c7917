"""The users list page of the panel (50 rows, HTML) against the equivalent API list call (50
rows, JSON), side by side on one server. Goal: the page within 1.5x of the API's time.

Runs on a throwaway PostgreSQL database (127.0.0.1:5432, trust; ROSTER_BENCH_PG to change),
serves Roster with uvicorn (1 worker) on a free 127.0.0.1 port, creates N users with groups and
roles, signs in once through the panel's form and once through the API, then times both calls,
interleaved, and prints the medians and their ratio.
Usage: uv run python bench/panel_list.py [USERS] [ROUNDS]
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import statistics
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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    dbname = f"roster_bench_{secrets.token_hex(4)}"
    psql(f'CREATE DATABASE "{dbname}"')
    url = PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{dbname}"
    env = os.environ | {"ROSTER_DATABASE_URL": url, "ROSTER_DATA_DIR": tempfile.mkdtemp(),
                        "ROSTER_SECRET_KEY": "bench", "ROSTER_KAMAILIO_RPC_URL": "off",
                        "ROSTER_MAIL_MODE": "console"}
    server = None
    try:
        run = [sys.executable, "-m", "roster.cli"]
        subprocess.run([*run, "db", "upgrade"], env=env, check=True, capture_output=True)
        token = subprocess.run([*run, "admin", "create-operator", "bench"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        subprocess.run([*run, "tenant", "create", "bench", "Bench", "--sip-domain",
                        "bench.example"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "roster.app:create_app",
                                   "--factory", "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", "1", "--loop", "uvloop", "--http", "httptools",
                                   "--log-level", "warning"], env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/openapi.json").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        api = f"{base}/api/v1/tenants/bench"
        op = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30)
        groups = [op.post(f"{api}/groups", json={"name": f"g{i}", "color": "#1E88E5"}).json()
                  for i in range(5)]
        password = "Bench-Admin-Pass-1!"
        op.post(f"{api}/users", json={"full_name": "Admin", "login": "admin", "password": password,
                                      "roles": ["administrator"]}).raise_for_status()
        for i in range(n):
            u = op.post(f"{api}/users", json={"full_name": f"Agent {i:04d}", "login": f"a{i}",
                                              "extension": str(1000 + i),
                                              "roles": ["agent"]}).json()
            op.post(f"{api}/groups/{groups[i % 5]['id']}/members", json={"user_id": u["id"]})
        bearer = op.post(f"{base}/api/v1/auth/login", json={
            "tenant": "bench", "login": "admin", "password": password}).json()["access_token"]
        api_client = httpx.Client(headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
        panel = httpx.Client(base_url=base, timeout=30)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', panel.get("/login").text).group(1)
        panel.post("/login", data={"csrf_token": csrf, "tenant": "bench", "login": "admin",
                                   "password": password})
        page_url, api_url = "/users?sort=full_name", f"{api}/users?sort=full_name&limit=50"
        assert panel.get(page_url).text.count('href="/users/') >= 50
        assert len(api_client.get(api_url).json()["items"]) == 50
        times: dict[str, list[float]] = {"api": [], "page": []}
        for _ in range(20):  # warm-up
            api_client.get(api_url)
            panel.get(page_url)
        for _ in range(rounds):
            t = time.perf_counter()
            api_client.get(api_url).raise_for_status()
            times["api"].append(time.perf_counter() - t)
            t = time.perf_counter()
            panel.get(page_url).raise_for_status()
            times["page"].append(time.perf_counter() - t)
        a, p = statistics.median(times["api"]), statistics.median(times["page"])
        print(f"users in tenant: {n + 1}, rows per call: 50, rounds: {rounds}, "
              "server: uvicorn 1 worker, PostgreSQL")
        print(f"API  GET /users?limit=50 (JSON):  median {a * 1000:7.2f} ms")
        print(f"page GET /users (HTML, 50 rows):  median {p * 1000:7.2f} ms")
        print(f"ratio page/API: {p / a:.2f}x (goal: at most 1.5x)")
    finally:
        if server:
            server.terminate()
            server.wait(10)
        psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
