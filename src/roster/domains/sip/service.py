"""The registrar: JSON-RPC to Kamailio after commit, and the Kamailio process Roster ships.

Registrations made with credentials that no longer hold are dropped once the change committed
(never before: a rolled-back change must leave the phone registered). The drops are steps handed
to the users and tenants services where the application is built (roster.wiring), so those
domains know nothing of SIP.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import Settings, get_settings
from roster.core import events
from roster.domains.sip import repository as repo
from roster.domains.sip import rules
from roster.domains.tenants.models import Tenant

log = logging.getLogger("roster.sip")


class RegistrarError(Exception):
    pass


class Registrar:
    """Kamailio's JSON-RPC over HTTP (loopback, no authentication: keep it on 127.0.0.1)."""

    def __init__(self, url: str, timeout: float = 3.0) -> None:
        self.url = url
        self.timeout = timeout

    async def call(self, method: str, *params: Any) -> Any:
        body = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            r = await http.post(self.url, json=body)
        r.raise_for_status()
        data = r.json()
        if "error" in data:
            raise RegistrarError(data["error"].get("message", "JSON-RPC error"))
        return data.get("result")

    async def drop(self, aors: list[str]) -> None:
        """Remove every binding of these AoRs from memory and from ``location`` (idempotent)."""
        for a in aors:
            await self.call("ul.rm", "location", a)

    async def contacts(self, a: str) -> list[dict]:
        try:
            result = await self.call("ul.lookup", "location", a)
        except RegistrarError:  # "AOR not found"
            return []
        return [c["Contact"] for c in (result or {}).get("Contacts", [])]

    async def aors(self) -> list[str]:
        result = await self.call("ul.dump", "brief") or {}
        out: list[str] = []
        for domain in result.get("Domains", []):
            out += [a["AoR"] for a in domain.get("Domain", {}).get("AoRs", [])]
        return out

    async def version(self) -> str:
        return str(await self.call("core.version"))


def registrar(settings: Settings | None = None) -> Registrar | None:
    url = (settings or get_settings()).resolved_rpc_url()
    return Registrar(url) if url else None


def queue_drop(db: AsyncSession, aors: list[str]) -> None:
    """After commit, drop these registrations; a registrar that is down is logged, not raised."""
    reg = registrar()
    if not aors or reg is None:
        return

    async def _effect() -> None:
        try:
            await reg.drop(aors)
            log.info("dropped registrations %s", aors)
        except (httpx.HTTPError, RegistrarError) as exc:
            log.warning("could not drop registrations %s: %s", aors, exc)

    events.after_commit(db, _effect)


class DropStaleRegistrations:
    """After users change or are deleted: registrations made with credentials that no longer
    hold (deactivated, extension or SIP password changed, line removed) are dropped once the
    change commits."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        domain = batch.tenant.sip_domain
        aors: list[str] = []
        for row in batch.rows:
            if row.is_new:
                continue
            if batch.action == "delete":
                if row.before.get("extension") and row.before.get("sip_ha1"):
                    aors.append(rules.aor(row.before["extension"], domain))
                continue
            aors += rules.stale_aors_after_update(
                row.before, extension=row.after.get("extension"), sip_ha1=row.after.get("sip_ha1"),
                active=row.after.get("active"), sip_domain=domain)
        queue_drop(db, aors)


async def drop_tenant_registrations(db: AsyncSession, *, tenant: Tenant) -> None:
    """A deactivated tenant's phones are all unregistered once that commits."""
    queue_drop(db, [rules.aor(e, tenant.sip_domain)
                    for e in await repo.line_extensions(db, tenant.id)])


# --- Kamailio's configuration and process ---------------------------------------------------

def template() -> str:
    return resources.files("roster.domains.sip").joinpath("kamailio.cfg.tmpl").read_text()


def runtime_dir(settings: Settings) -> Path:
    return (settings.kamailio_runtime_dir or settings.data_dir / "kamailio").resolve()


def config_values(settings: Settings, auth_table: str = rules.AUTH_TABLE) -> dict[str, Any]:
    db_module, db_url = rules.kamailio_db_url(settings.resolved_database_url())
    base = (settings.sip_callback_base_url or settings.public_base_url).rstrip("/")
    return {
        "db_url": db_url, "db_module": db_module, "usrloc_db_url": db_url, "usrloc_db_mode": 1,
        "sqlite_modparams": ("# db_sqlite: no modparams on purpose (WAL is set by Roster; "
                             "db_set_readonly would make location read-only too)"
                             if db_module == "db_sqlite" else ""),
        "sip_port": settings.kamailio_sip_port, "http_port": settings.kamailio_http_port,
        "ws_port": settings.kamailio_ws_port,
        "auth_table": auth_table, "roster_url": f"{base}/api/v1",
        "roster_token": settings.resolved_sip_callback_secret(),
        "runtime_dir": str(runtime_dir(settings)),
        "children": rules.kamailio_children(db_module, settings.kamailio_children),
        "log_level": settings.kamailio_log_level, "mpath": settings.kamailio_module_path,
    }


def render_config(settings: Settings, auth_table: str = rules.AUTH_TABLE) -> str:
    return rules.render(template(), config_values(settings, auth_table))


@dataclass
class KamailioFiles:
    dir: Path

    @property
    def cfg(self) -> Path:
        return self.dir / "kamailio.cfg"

    @property
    def pid(self) -> Path:
        return self.dir / "kamailio.pid"

    @property
    def log(self) -> Path:
        return self.dir / "kamailio.log"


def prepare(settings: Settings, auth_table: str = rules.AUTH_TABLE
            ) -> tuple[KamailioFiles, list[str]]:
    """Write the configuration (mode 0600: it holds the callback secret); the command to run.
    ``auth_table`` is only changed by the benchmark (Kamailio's stock ``subscriber``)."""
    files = KamailioFiles(runtime_dir(settings))
    files.dir.mkdir(parents=True, exist_ok=True)
    files.cfg.write_text(render_config(settings, auth_table))
    files.cfg.chmod(0o600)
    check = subprocess.run([settings.kamailio_binary, "-c", "-f", str(files.cfg)],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"Kamailio refused its configuration:\n{check.stderr[-2000:]}")
    cmd = [settings.kamailio_binary, "-f", str(files.cfg), "-P", str(files.pid),
           "-Y", str(files.dir), "-w", str(files.dir), "-DD", "-E"]
    return files, cmd


def wait_ready(settings: Settings, proc: subprocess.Popen | None = None,
               timeout: float = 10.0) -> None:
    """Kamailio is ready when JSON-RPC answers (workers forked, modules initialised)."""
    url = settings.resolved_rpc_url() or f"http://127.0.0.1:{settings.kamailio_http_port}/RPC"
    deadline = time.monotonic() + timeout
    body = {"jsonrpc": "2.0", "method": "core.version", "id": 0}
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"Kamailio exited with {proc.returncode}")
        try:
            if httpx.post(url, json=body, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"Kamailio did not answer on {url} within {timeout} s")


def start(settings: Settings, auth_table: str = rules.AUTH_TABLE) -> tuple[int, KamailioFiles]:
    """Start Kamailio in the background on 127.0.0.1 and wait until it answers."""
    files, cmd = prepare(settings, auth_table)
    with files.log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        wait_ready(settings, proc)
    except RuntimeError:
        stop_pid(proc.pid)
        raise
    return proc.pid, files


def stop_pid(pid: int, timeout: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL after ``timeout``. True when the process was running."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return True
        except ChildProcessError:  # not our child: poll for its disappearance
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return True


def stop(settings: Settings) -> bool:
    files = KamailioFiles(runtime_dir(settings))
    if not files.pid.exists():
        return False
    return stop_pid(int(files.pid.read_text().strip()))
