"""Stations, hot-desking with the agent PIN, agent state and its history, daily login and the
phone's feature codes (FCC-4, FCC-5, FCC-11, DAK-21). Services flush, never commit."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import clock, events, lockout, secrets
from roster.core.errors import FieldErrors, Problem, conflict, found, not_found
from roster.domains.auth import service as auth_service
from roster.domains.devices import repository as devices_repo
from roster.domains.stations import repository as repo
from roster.domains.stations import rules
from roster.domains.stations.models import AgentState, AgentStateChange, Station
from roster.domains.stations.schemas import StationCreate
from roster.domains.tenants.models import Tenant
from roster.domains.users import rules as user_rules
from roster.domains.users import service as users_service
from roster.domains.users.models import User

# --- stations --------------------------------------------------------------------------------

async def create_station(db: AsyncSession, *, tenant: Tenant, data: StationCreate) -> Station:
    """A phone position agents log in to (DAK-21)."""
    errors = FieldErrors()
    errors.extend(user_rules.check_extension(data.extension))
    errors.raise_if_any()
    # FCC-42: one namespace with users' extensions; wait for anyone writing the same one.
    await users_service.lock_extensions(db, tenant_id=tenant.id, extensions=[data.extension])
    if await repo.by_extension(db, tenant.id, data.extension) is not None:
        raise conflict("extension", "extension_taken",
                       "This station extension is already used in the tenant.")
    if await repo.line_user(db, tenant.id, data.extension) is not None:
        raise conflict("extension", "extension_taken", "This extension is already used in the tenant.")
    station = Station(tenant_id=tenant.id, extension=data.extension, name=data.name)
    db.add(station)
    await db.flush()
    return station


async def extension_in_use(db: AsyncSession, tenant_id: int, extension: str) -> bool:
    """Whether a station or a user's line already has this extension."""
    return (await repo.by_extension(db, tenant_id, extension) is not None
            or await repo.line_user(db, tenant_id, extension) is not None)


async def get_station(db: AsyncSession, *, tenant: Tenant, station_id: int) -> Station:
    return found(await repo.get(db, tenant.id, station_id), "station")


async def delete_station(db: AsyncSession, *, tenant: Tenant, station: Station) -> None:
    if station.agent_id is not None:
        raise conflict("station", "station_in_use", "An agent is logged in at this station.")
    await db.delete(station)
    await db.flush()


# --- agent state -----------------------------------------------------------------------------

async def _release_station(db: AsyncSession, user: User, station: Station | None) -> None:
    if station is None:
        return
    station.reserved_for_id = rules.reservation_after_logout(
        keep_station_on_logout=user.keep_station_on_logout, agent_id=user.id,
        reserved_for_id=station.reserved_for_id)
    station.agent_id = None
    await db.flush()


async def _transition(db: AsyncSession, *, user: User, row: AgentState, state: str, source: str,
                      at: datetime, station_id: int | None) -> AgentState:
    previous = row.state
    if state == rules.LOGGED_OUT:
        await _release_station(db, user, await repo.of_agent(db, user.id))
        station_id = None
    row.state = state
    row.station_id = station_id
    row.changed_at = at
    db.add(AgentStateChange(tenant_id=user.tenant_id, user_id=user.id, at=at, previous=previous,
                            state=state, source=source, station_id=station_id))
    await db.flush()
    return row


async def _settle(db: AsyncSession, *, tenant: Tenant, user: User, row: AgentState,
                  now: datetime) -> AgentState:
    """FCC-4 applied lazily: a daily-login agent left logged in on an earlier day is logged out,
    dated at the end of the day it logged in."""
    if rules.logged_out_by_day_end(state=row.state, changed_at=row.changed_at, now=now,
                                   time_zone=tenant.time_zone,
                                   requires_daily_login=user.requires_daily_login):
        await _transition(db, user=user, row=row, state=rules.LOGGED_OUT, source="end_of_day",
                          at=rules.day_end(row.changed_at, tenant.time_zone), station_id=None)
    return row


async def current_state(db: AsyncSession, *, tenant: Tenant, user: User) -> AgentState:
    """The agent's state now (a user never seen is logged out)."""
    row = await repo.state_of(db, user.id)
    if row is None:
        return AgentState(user_id=user.id, tenant_id=tenant.id, state=rules.LOGGED_OUT,
                          station_id=None, changed_at=None)
    return await _settle(db, tenant=tenant, user=user, row=row, now=clock.now())


async def change_state(db: AsyncSession, *, tenant: Tenant, user: User, state: str, source: str,
                       station_id: int | None = None) -> AgentState:
    """Move an agent to ``state``; every change is kept in the history (and audited)."""
    if not user.active:
        raise conflict("state", "user_inactive", "An inactive user cannot change state.")
    if state not in rules.STATES:
        raise Problem(422, "Invalid input", f"Unknown state {state!r}.", code="invalid_state")
    now = clock.now()
    row = await repo.state_of(db, user.id)
    if row is None:
        row = AgentState(user_id=user.id, tenant_id=tenant.id, state=rules.LOGGED_OUT,
                         station_id=None, changed_at=now)
        db.add(row)
        await db.flush()
    else:
        await _settle(db, tenant=tenant, user=user, row=row, now=now)
    if station_id is None and state != rules.LOGGED_OUT:
        station_id = row.station_id
    if row.state == state and row.station_id == station_id:
        return row
    return await _transition(db, user=user, row=row, state=state, source=source, at=now,
                             station_id=station_id)


async def history(db: AsyncSession, *, tenant: Tenant, user: User, page) -> list[AgentStateChange]:
    await current_state(db, tenant=tenant, user=user)
    return await repo.history(db, tenant.id, user.id, page)


async def end_of_day_logout(db: AsyncSession, now: datetime) -> int:
    """FCC-4: log out every daily-login agent still logged in from an earlier local day of its
    tenant. Run from cron (`roster agents end-of-day`); reads and changes also apply it lazily."""
    count = 0
    for row, user, tenant in await repo.logged_in_daily(db):
        if rules.logged_out_by_day_end(state=row.state, changed_at=row.changed_at, now=now,
                                       time_zone=tenant.time_zone,
                                       requires_daily_login=user.requires_daily_login):
            await _settle(db, tenant=tenant, user=user, row=row, now=now)
            count += 1
    return count


# --- hot-desking (FCC-5, FCC-11, DAK-21) -----------------------------------------------------

def pin_caller_subject(tenant_id: int, caller: str) -> str:
    """The lock-out subject of whoever submits PINs, so guesses spread over many stations are
    limited too."""
    return secrets.fingerprint("pin-caller", f"{tenant_id}:{caller}")


def _station_lock(station: Station) -> lockout.LockState:
    return lockout.LockState(station.failed_pins, station.pin_locked_until)


async def pin_login(db: AsyncSession, *, tenant: Tenant, station: Station, pin: str,
                    caller: str) -> AgentState:
    """Log the agent whose PIN this is in at ``station``. Wrong PINs are limited like passwords
    (core.lockout), per station and per caller."""
    now = clock.now()
    wait = max(lockout.seconds_locked(_station_lock(station), now),
               await auth_service.seconds_locked(
                   db, subject=pin_caller_subject(tenant.id, caller), now=now))
    if wait:
        raise Problem(429, "Too many attempts", "Too many wrong PINs; try again later.",
                      code="pin_locked", headers={"Retry-After": str(wait)})
    user = None
    if not user_rules.check_pin(pin):  # a PIN no user can hold is not looked up
        user = await repo.user_by_pin(db, tenant.id,
                                      secrets.fingerprint("pin", f"{tenant.id}:{pin}"))
    if user is None or not user.active:
        # The refusal rolls back; the failed attempt must still count.
        events.record_even_if_refused(db, partial(
            record_pin_failure, tenant_id=tenant.id, station_id=station.id, caller=caller))
        raise Problem(403, "Forbidden", "The agent PIN was not accepted.", code="pin_refused")
    await current_state(db, tenant=tenant, user=user)
    decision = rules.station_decision(agent_id=user.id, station_agent_id=station.agent_id,
                                      reserved_for_id=station.reserved_for_id)
    if decision == "taken":
        raise conflict("station", "station_taken", "This station is taken.")
    station.failed_pins = 0
    if decision == "ok":
        previous = await repo.of_agent(db, user.id)
        if previous is not None:
            previous.agent_id = None
            if previous.reserved_for_id == user.id:
                previous.reserved_for_id = None
            await db.flush()
        station.agent_id = user.id
        station.reserved_for_id = None
        await db.flush()
    row = await repo.state_of(db, user.id)
    state = row.state if row is not None and row.state != rules.LOGGED_OUT else rules.LOGGED_IN
    return await change_state(db, tenant=tenant, user=user, state=state, source="station",
                              station_id=station.id)


async def record_pin_failure(db: AsyncSession, *, tenant_id: int, station_id: int,
                             caller: str) -> None:
    """Count a failed PIN against the station and the caller (run as a refusal record)."""
    now = clock.now()
    station = await repo.get(db, tenant_id, station_id)
    if station is not None:
        s = get_settings()
        state = lockout.after_failure(_station_lock(station), now, attempts=s.lockout_attempts,
                                      seconds=s.lockout_seconds)
        station.failed_pins, station.pin_locked_until = state.failures, state.locked_until
    await auth_service.count_failure(db, subject=pin_caller_subject(tenant_id, caller),
                                     tenant_id=tenant_id, now=now)
    await db.flush()


async def station_logout(db: AsyncSession, *, tenant: Tenant, station: Station) -> Station:
    """Log out whoever is logged in at the station (FCC-11 decides whether it stays reserved)."""
    if station.agent_id is not None:
        user = await db.get(User, station.agent_id)
        if user is not None:
            await change_state(db, tenant=tenant, user=user, state=rules.LOGGED_OUT,
                               source="station")
    return station


# --- feature codes from the phone (FCC-4) ----------------------------------------------------

async def feature_code(db: AsyncSession, *, domain: str, extension: str,
                       code: str) -> tuple[User, AgentState]:
    """Apply a feature code dialled by a line Kamailio authenticated and found registered.
    An unknown tenant, extension or code is refused and changes nothing."""
    try:
        state = rules.parse_feature_code(code)
    except rules.MalformedCode:
        raise Problem(422, "Invalid input", "Not a feature code.", code="malformed_code") from None
    tenant = await repo.tenant_by_domain(db, domain)
    if tenant is None or not tenant.active:
        raise not_found("line")
    # SIP accounts are users' lines and their further devices (the sip_subscriber view)
    user = await repo.line_user(db, tenant.id, extension)
    if user is None:
        device = await devices_repo.line_owner(db, tenant.id, extension)
        user = await db.get(User, device.user_id) if device and device.sip_ha1 else None
    elif not user.sip_ha1:
        user = None
    if user is None:
        raise not_found("line")
    if not user.active:
        raise Problem(403, "Forbidden", "The user is not active.", code="user_inactive")
    if state is None:
        raise Problem(404, "Not found", "Unknown feature code.", code="unknown_feature_code")
    if not await _registered(extension, tenant.sip_domain):
        raise Problem(403, "Forbidden", "The extension is not registered.", code="not_registered")
    return user, await change_state(db, tenant=tenant, user=user, state=state, source="phone")


async def _registered(extension: str, sip_domain: str) -> bool:
    """Kamailio checked the caller is registered before calling; check again when the registrar
    is configured, so a replayed or forged callback for an unregistered line changes nothing."""
    from roster.domains.sip import service as sip

    reg = sip.registrar()
    if reg is None:
        return True
    try:
        return bool(await reg.contacts(f"{extension}@{sip_domain}"))
    except (httpx.HTTPError, sip.RegistrarError):
        raise Problem(503, "Registrar unavailable", "Cannot check the registration.",
                      code="registrar_unavailable") from None


class LogOutDeactivatedAgents:
    """After users change: a deactivated agent is logged out and leaves its station."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        if batch.action != "update":
            return
        gone = [r.id for r in batch.rows if r.before["active"] and not r.after["active"]]
        if not gone:
            return
        now = clock.now()
        for row in await repo.logged_in(db, gone):
            user = await db.get(User, row.user_id)
            await _transition(db, user=user, row=row, state=rules.LOGGED_OUT, source="api",
                              at=now, station_id=None)
