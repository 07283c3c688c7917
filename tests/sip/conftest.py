"""Real SIP: Kamailio on Roster's test database (PostgreSQL and SQLite, via ``backend``), the app
served by uvicorn so Kamailio's http_client can reach it, and sipp as the phone. Everything binds
to 127.0.0.1 on free ports.

Without kamailio or sipp these tests skip with a reason; with ROSTER_REQUIRE_SIP=1 they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from roster.config import Settings
from tests.conftest import _DATA

SCENARIOS = Path(__file__).parent / "scenarios"
CALLBACK_SECRET = os.environ["ROSTER_SIP_CALLBACK_SECRET"]


def _tools() -> None:
    missing = [t for t in ("kamailio", "sipp", "baresip", "openssl", "espeak-ng", "sox")
               if shutil.which(t) is None]
    if missing:
        reason = f"SIP tests need {' and '.join(missing)} on PATH"
        if os.environ.get("ROSTER_REQUIRE_SIP") == "1":
            pytest.fail(reason + " (ROSTER_REQUIRE_SIP=1)")
        pytest.skip(reason)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_address() -> str:
    """A random address of the loopback network (127.0.0.0/8), never 127.0.0.1."""
    import random

    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def free_sip_port() -> int:
    """A port free for both UDP (SIP) and TCP, so Kamailio's listeners can take it."""
    while True:
        port = free_port(socket.SOCK_DGRAM)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue


@dataclass
class Stack:
    backend: str
    api_base: str
    rpc_url: str
    sip_port: int  # UDP and TCP
    work: Path
    ws_port: int = 0
    tls_port: int = 0
    gateway_port: int = 0  # ROSTER_SIP_GATEWAY of the served app: sip:127.0.0.1:<port>
    ctl_socket: Path | None = None

    def rpc(self, method: str, *params) -> dict:
        body = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}
        return httpx.post(self.rpc_url, json=body, timeout=5).json()

    def contacts(self, aor: str) -> list[dict]:
        result = self.rpc("ul.lookup", "location", aor).get("result") or {}
        return result.get("Contacts", [])

    def sipp(self, scenario: str, ext: str, domain: str, password: str, *extra: str,
             name: str = "run", source: str | None = None, transport: str = "udp"
             ) -> tuple[int, str]:
        """Run one sipp call; its exit code (0: the scenario went as written) and its log.
        Each run comes from its own loopback address unless ``source`` is given, so the
        failures tests provoke on purpose never add up to a ban of one source."""
        source = source or loopback_address()
        out = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work))
        csv = out / "account.csv"
        csv.write_text("SEQUENTIAL\n"
                       f"{ext};{domain};[authentication username={ext} password={password}];"
                       f"{password}\n")
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        port = self.tls_port if transport == "tls" else self.sip_port
        mode = {"udp": [], "tcp": ["-t", "t1"], "tls": ["-t", "l1"]}[transport]
        cmd = ["sipp", "-sf", str(SCENARIOS / scenario), "-inf", str(csv), "-i", source,
               "-p", str(free_port(kind)), *mode, f"127.0.0.1:{port}", "-m", "1",
               "-nostdin", "-timeout", "15s", "-timeout_error", "-trace_logs",
               "-log_file", str(out / "logs.log"), "-trace_err", "-error_file",
               str(out / "errors.log"), *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=out)
        log = (out / "logs.log").read_text() if (out / "logs.log").exists() else ""
        return proc.returncode, log + proc.stdout[-2000:]

    def register(self, ext: str, domain: str, password: str, source: str | None = None,
                 transport: str = "udp") -> int:
        return self.sipp("register_auth.xml", ext, domain, password, name=f"reg-{ext}",
                         source=source, transport=transport)[0]

    def register_refused(self, ext: str, domain: str, password: str,
                         source: str | None = None) -> int:
        return self.sipp("register_expect_fail.xml", ext, domain, password,
                         name=f"refused-{ext}", source=source)[0]

    def dial(self, ext: str, domain: str, password: str, code: str,
             register: bool = True) -> str:
        """Dial a feature code; the final SIP answer, e.g. "603 Feature Code Accepted"."""
        scenario = "feature_code.xml" if register else "invite_feature.xml"
        rc, log = self.sipp(scenario, ext, domain, password, "-key", "code",
                            code.replace("#", "%23"), name=f"dial-{ext}")
        match = re.search(r"FINAL (\d{3}) ([^\n]*?) ext=", log)
        assert match, f"sipp rc={rc}: {log}"
        return f"{match.group(1)} {match.group(2)}"


def _self_signed(work: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for Kamailio's TLS listener."""
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


@pytest.fixture(scope="session")
def sip_stack(backend) -> Iterator[Stack]:
    """Kamailio + the served app on the backend's database, for the whole session."""
    _tools()
    from roster.domains.sip import service as sip

    work = Path(tempfile.mkdtemp(prefix=f"sip-{backend.name}-", dir=_DATA))
    app_port, http_port, ws_port, tls_port = free_port(), free_port(), free_port(), free_port()
    sip_port, gateway_port = free_sip_port(), free_sip_port()
    cert, key = _self_signed(work)
    listen = [f"udp:127.0.0.1:{sip_port}", f"tcp:127.0.0.1:{sip_port}",
              f"tls:127.0.0.1:{tls_port}", f"ws:127.0.0.1:{ws_port}"]
    settings = Settings(
        database_url=backend.url, data_dir=_DATA, kamailio_sip_port=sip_port,
        kamailio_http_port=http_port, kamailio_ws_port=ws_port,
        kamailio_rpc_url=f"http://127.0.0.1:{http_port}/RPC",
        sip_callback_base_url=f"http://127.0.0.1:{app_port}", sip_callback_secret=CALLBACK_SECRET,
        sip_tls_certificate=cert, sip_tls_private_key=key, sip_account_failures=5,
        kamailio_runtime_dir=work / "kamailio", kamailio_children=2, kamailio_log_level=2)
    env = dict(os.environ, ROSTER_DATABASE_URL=backend.url,
               ROSTER_KAMAILIO_RPC_URL=settings.kamailio_rpc_url,
               ROSTER_KAMAILIO_HTTP_PORT=str(http_port), ROSTER_KAMAILIO_SIP_PORT=str(sip_port),
               ROSTER_KAMAILIO_WS_PORT=str(ws_port), ROSTER_KAMAILIO_WS_URL="",
               ROSTER_SIP_LISTEN=",".join(listen),
               ROSTER_SIP_GATEWAY=f"sip:127.0.0.1:{gateway_port}")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "roster.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(app_port), "--log-level", "warning"],
        env=env, stdout=(work / "uvicorn.log").open("wb"), stderr=subprocess.STDOUT)
    kamailio_pid = None
    try:
        _wait_http(f"http://127.0.0.1:{app_port}/api/v1/openapi.json", server)
        kamailio_pid, files = sip.start(settings, listen=listen)
        yield Stack(backend.name, f"http://127.0.0.1:{app_port}", settings.kamailio_rpc_url,
                    sip_port, work, ws_port, tls_port, gateway_port,
                    files.dir / "kamailio_ctl")
    finally:
        if kamailio_pid is not None:
            sip.stop_pid(kamailio_pid)
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
async def served(sip_stack, operator_token) -> httpx.AsyncClient:
    """The API as served for real (uvicorn), acting as a platform operator."""
    async with httpx.AsyncClient(base_url=sip_stack.api_base, timeout=15,
                                 headers={"Authorization": f"Bearer {operator_token}"}) as c:
        yield c
