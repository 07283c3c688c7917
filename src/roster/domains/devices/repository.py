"""Statements over devices, NAT settings and ICE servers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import register_unique
from roster.core.queries import one_of
from roster.domains.devices.models import Device, TenantIce, UserNat

register_unique("uq_devices_user_id_kind_target", "target", "device_exists",
                "The user already has this device.")
register_unique("uq_devices_mac", "mac", "mac_taken", "A device with this MAC address exists.")


async def of_user(db: AsyncSession, user_id: int) -> list[Device]:
    stmt = select(Device).where(Device.user_id == user_id).order_by(Device.id)
    return list((await db.execute(stmt)).scalars())


async def get(db: AsyncSession, user_id: int, device_id: int) -> Device | None:
    stmt = select(Device).where(Device.user_id == user_id, Device.id == device_id)
    return (await db.execute(stmt)).scalar()


async def count(db: AsyncSession, user_id: int) -> int:
    return (await db.execute(select(func.count()).where(Device.user_id == user_id))).scalar_one()


async def users_with_devices(db: AsyncSession, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    stmt = select(Device.user_id).where(one_of(db, Device.user_id, user_ids)).distinct()
    return {u for (u,) in await db.execute(stmt)}


async def insert_many(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await db.execute(insert(Device), rows)


async def nat(db: AsyncSession, user_id: int) -> UserNat | None:
    return await db.get(UserNat, user_id)


async def ice(db: AsyncSession, tenant_id: int) -> TenantIce | None:
    return await db.get(TenantIce, tenant_id)


async def by_mac(db: AsyncSession, mac: str) -> Device | None:
    return (await db.execute(select(Device).where(Device.mac == mac))).scalar()


async def line_owner(db: AsyncSession, tenant_id: int, username: str) -> Device | None:
    """The line device registering as ``username`` in the tenant (its user: ``user_id``)."""
    stmt = select(Device).where(Device.tenant_id == tenant_id, Device.sip_username == username)
    return (await db.execute(stmt)).scalar()


async def did_of(db: AsyncSession, user_id: int) -> str | None:
    """The user's city number (FCC-40), the label a desk phone shows."""
    from roster.domains.numbers.models import Number

    stmt = select(Number.number).where(Number.assigned_user_id == user_id).order_by(Number.id)
    return (await db.execute(stmt.limit(1))).scalar()
