"""The registrar: JSON-RPC to Kamailio after commit, and the Kamailio process Roster ships.

Registrations made with credentials that no longer hold are dropped once the change committed
(never before: a rolled-back change must leave the phone registered). The drops are steps handed
to the users and tenants services where the application is built (roster.wiring), so those
domains know nothing of SIP.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import Settings, get_settings
from roster.core import audit, clock, events
from roster.core.errors import not_found
from roster.domains.devices import repository as devices_repo
from roster.domains.sip import repository as repo
from roster.domains.sip import rules
from roster.domains.sip.models import SipLock
from roster.domains.sip.schemas import RouteAnswer, RouteTarget
from roster.domains.tenants.models import Tenant
from roster.domains.users import rules as user_rules
from roster.domains.users.models import User

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


async def on_registrations_stale(db: AsyncSession, *, aors: list[str]) -> None:
    """Signal ``sip.registrations_stale`` (devices): those registrations go after commit."""
    queue_drop(db, aors)


def queue_routes_flush(db: AsyncSession) -> None:
    """After commit, empty Kamailio's cache of routing answers (a change may alter one)."""
    reg = registrar()
    if reg is None or not get_settings().sip_route_cache_s:
        return

    if any(getattr(e, "flushes_routes", False) for e in db.info.get("after_commit", [])):
        return  # once per transaction, however many users or devices it changed

    async def _effect() -> None:
        try:
            await reg.call("htable.flush", "routes")
        except (httpx.HTTPError, RegistrarError) as exc:
            log.warning("could not flush the routing cache: %s", exc)

    _effect.flushes_routes = True  # type: ignore[attr-defined]
    events.after_commit(db, _effect)


async def on_routes_changed(db: AsyncSession, **_: object) -> None:
    """Signal ``sip.routes_changed`` (devices), and a step after user and tenant changes: the
    routing cache is emptied once the change commits."""
    queue_routes_flush(db)


class FlushRoutes:
    """After users are written or deleted: Kamailio's cached routing answers are flushed."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        queue_routes_flush(db)


# --- presence: what the registrar knows now -------------------------------------------------

class Presence:
    """Registered addresses (usrloc) and users in a call (the dialog profile ``busy``), asked
    of Kamailio over JSON-RPC. Without a registrar nothing is registered and nobody is busy."""

    def __init__(self, reg: Registrar | None) -> None:
        self.reg = reg

    async def registered(self, aors: list[str]) -> set[str]:
        if self.reg is None or not aors:
            return set()
        found = await asyncio.gather(*(self.reg.contacts(a) for a in aors),
                                     return_exceptions=True)
        return {a for a, c in zip(aors, found, strict=True)
                if not isinstance(c, BaseException) and c}

    async def busy(self, user_ids: list[int]) -> set[int]:
        """The users among these in a call now (dialog profile ``busy``, one value per user)."""
        if self.reg is None or not user_ids:
            return set()
        sizes = await asyncio.gather(
            *(self.reg.call("dlg.profile_get_size", "busy", str(u)) for u in user_ids),
            return_exceptions=True)
        return {u for u, n in zip(user_ids, sizes, strict=True)
                if not isinstance(n, BaseException) and rules.profile_size(n) > 0}


def presence() -> Presence:
    return Presence(registrar())


# --- call routing (Kamailio asks, Roster answers) -------------------------------------------

def _refuse(code: int, reason: str) -> RouteAnswer:
    return RouteAnswer(code=code, reason=reason)


async def _line_owner(db: AsyncSession, tenant: Tenant, username: str
                      ) -> tuple[User | None, str | None]:
    """The user a SIP user name belongs to, and the device user name when it is a further
    device (``102-2``) rather than the user's own extension."""
    user = await repo.user_by_extension(db, tenant.id, username)
    if user is not None:
        return user, None
    device = await devices_repo.line_owner(db, tenant.id, username)
    if device is None:
        return None, None
    return await db.get(User, device.user_id), None if device.is_default else username


async def route_call(db: AsyncSession, *, domain: str, caller: str, number: str,
                     number_domain: str) -> RouteAnswer:
    """How Kamailio routes an INVITE from an authenticated line of ``domain``: ring a user's
    chain (DAK-20), offer a queue's call (OKI-32), or dial out through the gateway with the
    caller's lists and presentation (FCC-46, FCC-48). Never across tenants (X-T1)."""
    from roster.domains.devices import service as devices
    from roster.domains.queues import repository as queues_repo
    from roster.domains.queues import service as queues

    tenant = await repo.tenant_by_domain(db, domain)
    if tenant is None or not tenant.active:
        return _refuse(403, "Forbidden")
    caller_user, _ = await _line_owner(db, tenant, caller)
    if caller_user is None or not caller_user.active:
        return _refuse(403, "Forbidden")
    if number_domain.lower() != tenant.sip_domain:
        return _refuse(404, "Not Found")  # another tenant's address is not reachable
    callee, device_name = await _line_owner(db, tenant, number)
    via_queue = callee is None
    if callee is None:
        queue = await queues_repo.by_extension(db, tenant.id, number)
        if queue is not None:
            callee = await queues.offer_call(db, tenant=tenant, queue=queue, presence=presence())
            if callee is None:
                return _refuse(480, "No Agent Available")
    if callee is not None:
        if not callee.active:
            return _refuse(480, "Temporarily Unavailable")
        steps = await devices.ring_targets(db, tenant=tenant, user=callee, only=device_name)
        targets = rules.call_targets(steps, gateway=get_settings().sip_gateway)
        if not targets:
            return _refuse(480, "Temporarily Unavailable")
        # a user's ring chain may be cached by Kamailio (flushed after every change); a queue's
        # answer depends on who is free now, so it never is
        return RouteAnswer(code=200, reason="OK", targets=targets,
                           busy=sorted({caller_user.id, callee.id}), cache=not via_queue)
    return _outbound(tenant, caller_user, number)


def _outbound(tenant: Tenant, caller: User, number: str) -> RouteAnswer:
    """FCC-48 lists and FCC-46 presentation on a call to a number outside the tenant."""
    if not rules.looks_external(number):
        return _refuse(404, "Not Found")
    e164, errors = user_rules.normalize_number(number, tenant.phone_region, "number")
    if errors or e164 is None:
        return _refuse(404, "Not Found")
    allowed, _, _ = user_rules.call_permission(e164, caller.blacklist or [],
                                               caller.whitelist or [])
    if not allowed:
        return _refuse(403, "Call Barred")
    uri = rules.gateway_uri(e164, get_settings().sip_gateway)
    if uri is None:
        return _refuse(404, "No Route To Number")
    shown = caller.presentation_number
    return RouteAnswer(code=200, reason="OK",
                       targets=[RouteTarget(uri=uri, after_s=0, lookup=False)],
                       pai=f"sip:{shown}@{tenant.sip_domain}" if shown else None,
                       busy=[caller.id])


# --- brute-force defence: accounts locked after failures from anywhere ----------------------

async def lock_account(db: AsyncSession, *, domain: str, username: str, failures: int,
                       source: str) -> SipLock | None:
    """Kamailio saw ``failures`` failed digest authentications for this account (from any
    number of sources): lock it like a panel sign-in (lockout_seconds), audit it, and drop its
    registrations. An unknown account locks nothing (the answer does not tell)."""
    tenant = await repo.tenant_by_domain(db, domain)
    if tenant is None:
        return None
    user, _ = await _line_owner(db, tenant, username)
    if user is None:
        return None
    until = clock.now() + timedelta(seconds=get_settings().lockout_seconds)
    lock = await repo.lock(db, tenant.id, username)
    if lock is None:
        lock = SipLock(tenant_id=tenant.id, username=username, user_id=user.id, locked_until=until)
        db.add(lock)
    else:
        lock.locked_until = until
    await db.flush()
    await audit.record(db, action="locked", entity="user", entity_id=user.id,
                       tenant_id=tenant.id,
                       after={"channel": "sip", "username": username, "failures": failures,
                              "address": source, "until": until.isoformat()})
    queue_drop(db, [rules.aor(username, tenant.sip_domain)])
    return lock


async def locks(db: AsyncSession, *, tenant: Tenant) -> list[SipLock]:
    return await repo.active_locks(db, tenant.id, clock.now())


async def unlock_account(db: AsyncSession, *, tenant: Tenant, username: str) -> None:
    """Lift a lock: the record goes, and after commit Kamailio forgets it."""
    lock = await repo.lock(db, tenant.id, username)
    if lock is None:
        raise not_found("lock")
    await db.delete(lock)
    await db.flush()
    reg = registrar()
    if reg is not None:
        key = rules.aor(username, tenant.sip_domain)

        async def _effect() -> None:
            try:
                await reg.call("htable.delete", "acctlock", key)
            except (httpx.HTTPError, RegistrarError) as exc:
                log.warning("could not lift the lock of %s on the registrar: %s", key, exc)

        events.after_commit(db, _effect)
    await audit.record(db, action="unlocked", entity="user", entity_id=lock.user_id or 0,
                       tenant_id=tenant.id, after={"channel": "sip", "username": username})


# --- Kamailio's configuration and process ---------------------------------------------------

def template() -> str:
    return resources.files("roster.domains.sip").joinpath("kamailio.cfg.tmpl").read_text()


def runtime_dir(settings: Settings) -> Path:
    return (settings.kamailio_runtime_dir or settings.data_dir / "kamailio").resolve()


def config_values(settings: Settings, auth_table: str = rules.AUTH_TABLE,
                  listen: list[str] | None = None, routing: str = "roster") -> dict[str, Any]:
    """The template's values. ``listen`` (``proto:host:port`` entries) replaces the settings'
    listeners; ``routing="static"`` (the benchmark's baseline) routes calls straight to the
    registered contact of the dialled extension without asking Roster."""
    db_module, db_url = rules.kamailio_db_url(settings.resolved_database_url())
    base = (settings.sip_callback_base_url or settings.public_base_url).rstrip("/")
    specs = listen if listen else rules.split_listen_setting(settings.sip_listen)
    found = rules.listeners(specs, sip_port=settings.kamailio_sip_port,
                            ws_port=settings.kamailio_ws_port)
    advertise = f" advertise {settings.sip_advertise}" if settings.sip_advertise else ""
    listen_lines = [f"listen={entry.socket}{advertise if entry.proto not in ('ws', 'wss') else ''}"
                    for entry in found]
    run = runtime_dir(settings)
    defines = []
    tls = any(entry.proto in ("tls", "wss") for entry in found)
    if tls:
        if not (settings.sip_tls_certificate and settings.sip_tls_private_key):
            raise ValueError("a tls or wss listener needs ROSTER_SIP_TLS_CERTIFICATE and "
                             "ROSTER_SIP_TLS_PRIVATE_KEY")
        defines.append("#!define WITH_TLS")
    if settings.sip_rtpengine:
        defines.append("#!define WITH_RTPENGINE")
    if settings.sip_route_cache_s > 0:
        defines.append("#!define WITH_ROUTE_CACHE")
    if routing == "static":
        defines.append("#!define WITH_STATIC_ROUTING")
    ws_ports = sorted({entry.port for entry in found if entry.proto in ("ws", "wss")})
    loop = next((entry for entry in found if entry.proto == "udp"), None) or next(
        (entry for entry in found if entry.proto == "tcp"), None)
    if loop is None:
        raise ValueError("Kamailio needs a udp or tcp listener (delayed ring-chain branches "
                         "loop through it)")
    secret = settings.resolved_sip_callback_secret()
    return {
        "db_url": db_url, "db_module": db_module, "usrloc_db_url": db_url, "usrloc_db_mode": 1,
        "sqlite_modparams": ("# db_sqlite: no modparams on purpose (WAL is set by Roster; "
                             "db_set_readonly would make location read-only too)"
                             if db_module == "db_sqlite" else ""),
        "defines": "\n".join(defines), "listen_lines": "\n".join(listen_lines),
        "http_port": settings.kamailio_http_port,
        "ws_ports_test": " || ".join(f"$Rp == {p}" for p in ws_ports) or "0",
        "loop_addr": f"{loop.host}:{loop.port}",
        "loop_params": "" if loop.proto == "udp" else ";transport=tcp",
        "tls_config": str(run / "tls.cfg"), "ctl_socket": str(run / "kamailio_ctl"),
        "rtpengine_sock": settings.sip_rtpengine or "udp:127.0.0.1:2223",
        "auth_table": auth_table, "roster_url": f"{base}/api/v1",
        "device_auth_table": (rules.DEVICE_AUTH_TABLE if auth_table == rules.AUTH_TABLE
                              else auth_table),
        "lockout_s": settings.lockout_seconds,
        "roster_token": secret,
        "robot_user": rules.ROBOT_USER, "robot_password": rules.robot_password(secret),
        "source_failures": settings.sip_source_failures,
        "source_window_s": settings.sip_source_window_s,
        "source_ban_s": settings.sip_source_ban_s,
        "account_failures": settings.sip_account_failures,
        "account_window_s": settings.sip_account_window_s,
        "route_cache_s": settings.sip_route_cache_s,
        "runtime_dir": str(run),
        "children": rules.kamailio_children(db_module, settings.kamailio_children),
        "log_level": settings.kamailio_log_level, "mpath": settings.kamailio_module_path,
    }


def render_config(settings: Settings, auth_table: str = rules.AUTH_TABLE,
                  listen: list[str] | None = None, routing: str = "roster") -> str:
    return rules.render(template(), config_values(settings, auth_table, listen, routing),
                        lines=("defines", "listen_lines"))


def tls_config(settings: Settings) -> str:
    """The tls module's configuration: the given certificate for every server socket; as a
    client (calls to TLS phones) Kamailio does not verify certificates."""
    return (f"[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\n"
            f"require_certificate = no\ncertificate = {settings.sip_tls_certificate}\n"
            f"private_key = {settings.sip_tls_private_key}\n\n"
            f"[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\n"
            f"require_certificate = no\n")


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


def prepare(settings: Settings, auth_table: str = rules.AUTH_TABLE,
            listen: list[str] | None = None, routing: str = "roster"
            ) -> tuple[KamailioFiles, list[str]]:
    """Write the configuration (mode 0600: it holds the callback secret); the command to run.
    ``auth_table`` and ``routing`` are only changed by the benchmark (Kamailio's stock
    ``subscriber``, a static routing table)."""
    files = KamailioFiles(runtime_dir(settings))
    files.dir.mkdir(parents=True, exist_ok=True)
    files.cfg.write_text(render_config(settings, auth_table, listen, routing))
    files.cfg.chmod(0o600)
    if settings.sip_tls_certificate:
        (files.dir / "tls.cfg").write_text(tls_config(settings))
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


def start(settings: Settings, auth_table: str = rules.AUTH_TABLE,
          listen: list[str] | None = None, routing: str = "roster") -> tuple[int, KamailioFiles]:
    """Start Kamailio in the background and wait until it answers."""
    files, cmd = prepare(settings, auth_table, listen, routing)
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
