"""Devices, ring plans and web-phone settings of users (OKI-20, DAK-20, WEB-21, WEB-22)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import clock
from roster.core.errors import FieldErrors, Problem, conflict, found, null_errors
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
from roster.domains.users.models import User


def _chain(devices: list[Device]) -> list[rules.ChainDevice]:
    return [rules.ChainDevice(d.id, d.kind, d.target, d.ring_after_s, d.position, d.enabled)
            for d in devices]


def render(tenant: Tenant, user: User, devices: list[Device]) -> list[DeviceOut]:
    """Devices in ring order; a line device shows the address it registers as."""
    by_id = {d.id: d for d in devices}
    out = []
    for c in rules.ring_chain(_chain(devices)):
        d = by_id[c.id]
        target = d.target
        if d.kind in rules.LINE_KINDS:
            target = f"{user.extension}@{tenant.sip_domain}" if user.extension else None
        out.append(DeviceOut(id=d.id, kind=d.kind, target=target, ring_after_s=d.ring_after_s,
                             position=d.position, enabled=d.enabled, is_default=d.is_default))
    return out


async def list_devices(db: AsyncSession, *, user: User) -> list[Device]:
    return await repo.of_user(db, user.id)


async def _ensure_distinct(db: AsyncSession, user: User, kind: str, target: str | None,
                           exclude: int | None = None) -> None:
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
    errors.raise_if_any()
    if await repo.count(db, user.id) >= rules.MAX_DEVICES:
        raise conflict("kind", "too_many_devices", f"A user has at most {rules.MAX_DEVICES} devices.")
    await _ensure_distinct(db, user, data.kind, target)
    device = Device(tenant_id=tenant.id, user_id=user.id, kind=data.kind, target=target,
                    ring_after_s=data.ring_after_s, position=data.position, enabled=data.enabled)
    db.add(device)
    await db.flush()
    return device


async def update_device(db: AsyncSession, *, tenant: Tenant, user: User, device: Device,
                        data: DeviceUpdate) -> Device:
    """Change a device's place in the chain, its number or whether it rings."""
    values = data.model_dump(exclude_unset=True)
    errors = FieldErrors()
    errors.extend(null_errors(values, ("ring_after_s", "position", "enabled")))
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
    for key in ("ring_after_s", "position", "enabled"):
        if values.get(key) is not None:
            setattr(device, key, values[key])
    await db.flush()
    return device


async def delete_device(db: AsyncSession, *, device: Device) -> None:
    await db.delete(device)
    await db.flush()


async def get_device(db: AsyncSession, *, user: User, device_id: int) -> Device:
    return found(await repo.get(db, user.id, device_id), "device")


async def ring_plan(db: AsyncSession, *, tenant: Tenant, user: User) -> RingPlan:
    """DAK-20: the chain a PBX should follow for a call to this user."""
    steps = rules.ring_plan(_chain(await repo.of_user(db, user.id)), extension=user.extension,
                            sip_domain=tenant.sip_domain, active=user.active and tenant.active)
    return RingPlan.model_validate({"user_id": user.id, "steps": steps})


class DefaultDevices:
    """After users are written (WEB-21): each with an extension and no device gets its default
    device, for the whole batch in one look-up and one insert."""

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
             "is_default": True, "created_at": now, "updated_at": now} for r in rows])


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
