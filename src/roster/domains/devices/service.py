"""Devices, ring plans and web-phone settings of users (OKI-20, DAK-20, WEB-21, WEB-22)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import clock, events, secrets
from roster.core.errors import FieldErrors, Problem, conflict, found, not_found, null_errors
from roster.domains.devices import repository as repo
from roster.domains.devices import rules
from roster.domains.devices.models import Device, TenantIce, UserNat
from roster.domains.devices.schemas import (
    DeviceCreate,
    DeviceOut,
    DeviceUpdate,
    IceServer,
    RingPlan,
    WebphoneConfig,
)
from roster.domains.tenants.models import Tenant
from roster.domains.users import rules as user_rules
from roster.domains.users.models import User


def _chain(devices: list[Device]) -> list[rules.ChainDevice]:
    return [rules.ChainDevice(d.id, d.kind, d.target, d.ring_after_s, d.position, d.enabled,
                              d.sip_username) for d in devices]


def render(tenant: Tenant, user: User, devices: list[Device]) -> list[DeviceOut]:
    """Devices in ring order; a line device shows the address it registers as."""
    by_id = {d.id: d for d in devices}
    out = []
    for c in rules.ring_chain(_chain(devices)):
        d = by_id[c.id]
        target = d.target
        if d.kind in rules.LINE_KINDS:
            target = (f"{d.sip_username or user.extension}@{tenant.sip_domain}"
                      if user.extension else None)
        own = d.sip_username is not None and d.sip_username != user.extension
        out.append(DeviceOut(
            id=d.id, kind=d.kind, target=target, ring_after_s=d.ring_after_s,
            position=d.position, enabled=d.enabled, is_default=d.is_default,
            sip_username=d.sip_username if d.kind in rules.LINE_KINDS else None,
            has_sip_password=bool(d.sip_ha1) if own else bool(
                d.kind in rules.LINE_KINDS and user.sip_ha1),
            mac=d.mac))
    return out


async def list_devices(db: AsyncSession, *, user: User) -> list[Device]:
    return await repo.of_user(db, user.id)


async def _ensure_distinct(db: AsyncSession, user: User, kind: str, target: str | None,
                           exclude: int | None = None) -> None:
    if target is None:  # line devices: each has its own SIP user name, several may share a kind
        return
    for d in await repo.of_user(db, user.id):
        if d.id != exclude and d.kind == kind and d.target == target:
            raise conflict("target", "device_exists", "The user already has this device.")


async def add_device(db: AsyncSession, *, tenant: Tenant, user: User, data: DeviceCreate) -> Device:
    """Add a device to the user's ring chain."""
    target, errs = rules.check_device(kind=data.kind, target=data.target,
                                      ring_after_s=data.ring_after_s, region=tenant.phone_region,
                                      has_extension=bool(user.extension))
    errors = FieldErrors()
    errors.extend(errs)
    mac = _check_line_extras(errors, kind=data.kind, sip_password=data.sip_password, mac=data.mac)
    errors.raise_if_any()
    if await repo.count(db, user.id) >= rules.MAX_DEVICES:
        raise conflict("kind", "too_many_devices", f"A user has at most {rules.MAX_DEVICES} devices.")
    await _ensure_distinct(db, user, data.kind, target)
    if mac is not None and await repo.by_mac(db, mac) is not None:
        raise conflict("mac", "mac_taken", "A device with this MAC address exists.")
    device = Device(tenant_id=tenant.id, user_id=user.id, kind=data.kind, target=target,
                    ring_after_s=data.ring_after_s, position=data.position, enabled=data.enabled,
                    mac=mac)
    if data.kind in rules.LINE_KINDS and user.extension:
        # DAK-20: a further line device registers on its own, as <extension>-<n>
        index = rules.next_line_index([d.sip_username for d in await repo.of_user(db, user.id)],
                                      user.extension)
        device.sip_username = rules.line_username(user.extension, index)
        if data.sip_password is not None:
            _set_password(device, tenant, data.sip_password)
    db.add(device)
    await db.flush()
    await events.emit(db, "sip.routes_changed")
    return device


def _check_line_extras(errors: FieldErrors, *, kind: str, sip_password: str | None,
                       mac: str | None) -> str | None:
    """A device's own SIP password and MAC address: only line kinds have them (FCC-43 policy)."""
    if sip_password is not None:
        if kind not in rules.LINE_KINDS:
            errors.add("sip_password", "not_allowed", "Only a line device has a SIP password.")
        else:
            errors.extend(user_rules.check_sip_password(sip_password))
    if mac is None:
        return None
    if kind != "sip_phone":
        errors.add("mac", "not_allowed", "Only a SIP desk phone has a MAC address.")
        return None
    normalized, errs = rules.normalize_mac(mac)
    errors.extend(errs)
    return normalized


def _set_password(device: Device, tenant: Tenant, password: str) -> None:
    """Store a device's own credentials as HA1 digests (the realm is the tenant's SIP domain)."""
    device.sip_ha1 = secrets.sip_ha1(device.sip_username, tenant.sip_domain, password)
    device.sip_ha1b = secrets.sip_ha1b(device.sip_username, tenant.sip_domain,
                                       tenant.sip_domain, password)


def _own_aor(device: Device, tenant: Tenant) -> list[str]:
    """The registration a device's own credentials allow (none for the default line)."""
    if device.sip_username and device.sip_ha1:
        return [f"{device.sip_username}@{tenant.sip_domain}"]
    return []


async def update_device(db: AsyncSession, *, tenant: Tenant, user: User, device: Device,
                        data: DeviceUpdate) -> Device:
    """Change a device's place in the chain, its number or whether it rings."""
    values = data.model_dump(exclude_unset=True)
    errors = FieldErrors()
    errors.extend(null_errors(values, ("ring_after_s", "position", "enabled")))
    mac = _check_line_extras(errors, kind=device.kind, sip_password=values.get("sip_password"),
                             mac=values.get("mac"))
    if values.get("sip_password") is not None and device.is_default:
        errors.add("sip_password", "default_device",
                   "The default device registers with the user's own SIP password.")
    target = device.target
    if "target" in values or "ring_after_s" in values:
        new_target = values.get("target", device.target if device.kind in rules.FORWARD_KINDS
                                else None)
        target, errs = rules.check_device(kind=device.kind, target=new_target,
                                          ring_after_s=values.get("ring_after_s"),
                                          region=tenant.phone_region,
                                          has_extension=bool(user.extension))
        if device.kind in rules.LINE_KINDS:
            errs = [e for e in errs if e.code != "extension_required"]
        errors.extend(errs)
    errors.raise_if_any()
    if target != device.target:
        await _ensure_distinct(db, user, device.kind, target, exclude=device.id)
        device.target = target
    if "mac" in values and mac != device.mac:
        if mac is not None and await repo.by_mac(db, mac) is not None:
            raise conflict("mac", "mac_taken", "A device with this MAC address exists.")
        device.mac, device.provisioning_digest = mac, None
    stale = []
    if values.get("sip_password") is not None and device.sip_username:
        stale = _own_aor(device, tenant)
        _set_password(device, tenant, values["sip_password"])
    if values.get("enabled") is False and device.enabled:
        stale = _own_aor(device, tenant)
    for key in ("ring_after_s", "position", "enabled"):
        if values.get(key) is not None:
            setattr(device, key, values[key])
    await db.flush()
    await events.emit(db, "sip.registrations_stale", aors=stale)
    await events.emit(db, "sip.routes_changed")
    return device


async def delete_device(db: AsyncSession, *, tenant: Tenant, device: Device) -> None:
    """Remove a device; a registration made with its own credentials is dropped after commit."""
    stale = _own_aor(device, tenant)
    await db.delete(device)
    await db.flush()
    await events.emit(db, "sip.registrations_stale", aors=stale)
    await events.emit(db, "sip.routes_changed")


async def get_device(db: AsyncSession, *, user: User, device_id: int) -> Device:
    return found(await repo.get(db, user.id, device_id), "device")


async def ring_plan(db: AsyncSession, *, tenant: Tenant, user: User) -> RingPlan:
    """DAK-20: the chain a PBX should follow for a call to this user."""
    steps = rules.ring_plan(_chain(await repo.of_user(db, user.id)), extension=user.extension,
                            sip_domain=tenant.sip_domain, active=user.active and tenant.active)
    return RingPlan.model_validate({"user_id": user.id, "steps": steps})


async def follow_extension(db: AsyncSession, *, tenant: Tenant, user_id: int,
                           extension: str | None, old_extension: str | None) -> None:
    """DAK-20: line devices' user names follow the user's extension. Their own HA1 digests hold
    the old user name, so they are cleared (a new password is needed) and the registrations
    made with them are dropped after commit."""
    if old_extension == extension:
        return
    stale: list[str] = []
    for d in await repo.of_user(db, user_id):
        if d.kind not in rules.LINE_KINDS:
            continue
        stale += _own_aor(d, tenant)
        d.sip_username = rules.renamed_username(d.sip_username or old_extension, old_extension,
                                                extension)
        d.sip_ha1 = d.sip_ha1b = None
    await db.flush()
    await events.emit(db, "sip.registrations_stale", aors=stale)


class LineDevicesFollowExtension:
    """After users change (DAK-20): the line devices of a user whose extension changed follow
    it (see ``follow_extension``)."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        if batch.action != "update":
            return
        for row in batch.rows:
            if row.changed("extension"):
                await follow_extension(db, tenant=batch.tenant, user_id=row.id,
                                       extension=row.after["extension"],
                                       old_extension=row.before["extension"])


class DefaultDevices:
    """After users are written (WEB-21): each with an extension and no device gets its default
    device (registering as the user's extension), for the whole batch in one look-up and one
    insert."""

    async def __call__(self, db: AsyncSession, batch) -> None:
        rows = [r for r in batch.rows if r.after.get("extension")]
        if batch.action == "update":
            have = await repo.users_with_devices(db, [r.id for r in rows])
            rows = [r for r in rows if r.id not in have]
        now = clock.now()
        await repo.insert_many(db, [
            {"tenant_id": batch.tenant.id, "user_id": r.id,
             "kind": rules.default_device_kind(r.after.get("communication_means")),
             "target": None, "ring_after_s": 0, "position": 0, "enabled": True,
             "is_default": True, "sip_username": r.after["extension"], "created_at": now,
             "updated_at": now} for r in rows])


async def ring_targets(db: AsyncSession, *, tenant: Tenant, user: User,
                       only: str | None = None) -> list[dict]:
    """DAK-20: the steps of the user's ring chain, each device as a URI and its delay (the
    routing's view of ``ring_plan``); ``only``: one line device's user name."""
    devices = await repo.of_user(db, user.id)
    if only is not None:
        devices = [d for d in devices if d.sip_username == only]
    steps = rules.ring_plan(_chain(devices), extension=user.extension,
                            sip_domain=tenant.sip_domain, active=user.active and tenant.active)
    return [{"after_s": step["after_s"], **dev} for step in steps for dev in step["devices"]]


# --- NAT (WEB-22) ---------------------------------------------------------------------------

async def get_nat(db: AsyncSession, *, user: User) -> bool:
    row = await repo.nat(db, user.id)
    return True if row is None else row.stun_turn


async def set_nat(db: AsyncSession, *, user: User, stun_turn: bool) -> bool:
    row = await repo.nat(db, user.id)
    if row is None:
        db.add(UserNat(user_id=user.id, tenant_id=user.tenant_id, stun_turn=stun_turn))
    else:
        row.stun_turn = stun_turn
    await db.flush()
    return stun_turn


async def get_ice_servers(db: AsyncSession, *, tenant: Tenant) -> list[IceServer]:
    row = await repo.ice(db, tenant.id)
    return [IceServer.model_validate(s) for s in (row.servers if row else [])]


async def set_ice_servers(db: AsyncSession, *, tenant: Tenant,
                          servers: list[IceServer]) -> list[IceServer]:
    raw = [s.model_dump(exclude_none=True) for s in servers]
    errors = FieldErrors()
    errors.extend(rules.check_ice_servers(raw))
    errors.raise_if_any()
    row = await repo.ice(db, tenant.id)
    if row is None:
        db.add(TenantIce(tenant_id=tenant.id, servers=raw))
    else:
        row.servers = raw
    await db.flush()
    return servers


async def webphone_config(db: AsyncSession, *, tenant: Tenant, user: User) -> WebphoneConfig:
    """WEB-22: what the user's web phone needs to register; never the SIP password."""
    if not user.extension or not user.sip_ha1:
        raise Problem(409, "Conflict", "The user has no SIP line (extension and SIP password).",
                      code="no_sip_line")
    stun_turn = await get_nat(db, user=user)
    return WebphoneConfig(
        sip_uri=f"sip:{user.extension}@{tenant.sip_domain}", authorization_user=user.extension,
        realm=tenant.sip_domain, display_name=user.full_name,
        websocket_url=get_settings().resolved_ws_url(), stun_turn=stun_turn,
        ice_servers=await get_ice_servers(db, tenant=tenant) if stun_turn else [])


# --- desk-phone provisioning ------------------------------------------------------------------

async def issue_provisioning(db: AsyncSession, *, tenant: Tenant, user: User,
                             device: Device) -> dict[str, str]:
    """A new provisioning token for a desk phone (shown once; the previous one stops working).
    Only a phone with a MAC and its own line (a further device, <extension>-<n>) qualifies:
    each fetch gives it a fresh SIP password, which the default line, shared with the
    user's own SIP password, cannot have."""
    if device.kind != "sip_phone" or not device.mac:
        raise conflict("mac", "mac_required", "Only a SIP desk phone with a MAC is provisioned.")
    if device.is_default or not device.sip_username or device.sip_username == user.extension:
        raise conflict("kind", "own_line_required",
                       "Provision a further desk phone (its own line), not the default device.")
    token, digest = secrets.new_token("rpv")
    device.provisioning_digest = digest
    await db.flush()
    base = get_settings().public_base_url.rstrip("/")
    return {vendor: f"{base}/provisioning/{vendor}/{token}/" for vendor in rules.VENDORS}


async def provisioning_file(db: AsyncSession, *, vendor: str, token: str,
                            mac: str) -> tuple[str, str]:
    """The phone's file: found by token digest AND MAC (both must match), with a fresh SIP
    password (stored as HA1; the file is the only place it exists in plain). Registrations
    made with the previous password are dropped after commit."""
    from roster.domains.sip import rules as sip_rules

    normalized, errs = rules.normalize_mac(mac)
    device = await repo.by_mac(db, normalized) if not errs else None
    if (device is None or vendor not in rules.VENDORS or not device.provisioning_digest
            or device.provisioning_digest != secrets.token_digest(token)):
        raise not_found("provisioning")
    user = await db.get(User, device.user_id)
    tenant = await db.get(Tenant, device.tenant_id)
    if user is None or tenant is None or not user.active or not user.extension:
        raise not_found("provisioning")
    password = _fresh_password()
    stale = _own_aor(device, tenant)
    _set_password(device, tenant, password)
    await db.flush()
    await events.emit(db, "sip.registrations_stale", aors=stale)
    settings = get_settings()
    listener = sip_rules.phone_listener(settings)
    host, port = listener.host, listener.port
    if settings.sip_advertise:
        host, _, adv_port = settings.sip_advertise.partition(":")
        port = int(adv_port) if adv_port else port
    did = await repo.did_of(db, user.id)
    return rules.provisioning_file(vendor, rules.PhoneAccount(
        username=device.sip_username, password=password, display_name=user.full_name,
        label=did or user.extension, domain=tenant.sip_domain, proxy_host=host,
        proxy_port=port, transport=listener.proto))


def _fresh_password() -> str:
    """A random SIP password meeting FCC-43 (lower, upper, digit, special; 20 characters)."""
    import secrets as random

    body = random.token_urlsafe(15).replace("-", "x").replace("_", "y")
    return f"{body}aZ7!"
